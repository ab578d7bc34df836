from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    WRITE_ONCE(x, 1)
    smp_mb()
    if smp_load_acquire(y) == 1:
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P1():
    WRITE_ONCE(y, 1)
    smp_mb()
    smp_wmb()
    smp_rmb()
    if atomic_dec_return_release(ref) == 0:
        kfree(obj)


def P2():
    WRITE_ONCE(obj.a, 2)
    if smp_load_acquire(x) == 0:
        if atomic_dec_return_acquire(ref) == 0:
            kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
