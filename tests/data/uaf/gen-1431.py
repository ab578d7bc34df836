from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    r0 = READ_ONCE(obj.a)
    r1 = obj.a
    if atomic_dec_return(ref) == 0:
        kfree(obj)
    smp_store_release(x, 1)
    if READ_ONCE(y) == 1:
        pass


def P1():
    WRITE_ONCE(y, 1)
    smp_wmb()
    if smp_load_acquire(x) == 0:
        if atomic_dec_return_relaxed(ref) == 0:
            kfree(obj)


def P2():
    r0 = READ_ONCE(obj.a)
    if smp_load_acquire(x) == 0:
        if atomic_dec_return_release(ref) == 0:
            kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
