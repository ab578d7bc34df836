from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    obj.b = 1
    WRITE_ONCE(x, 1)
    if smp_load_acquire(y) == 1:
        r0 = obj.b
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P1():
    smp_store_release(y, 1)
    smp_rmb()
    if smp_load_acquire(x) == 1:
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P2():
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)
    smp_wmb()
    smp_mb()
    if smp_load_acquire(x) == 0:
        pass


MODEL = Model("shape", [P0, P1, P2])
