from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(2, 'atomic')


def P0():
    smp_store_release(x, 1)
    smp_wmb()
    if READ_ONCE(y) == 0:
        pass


def P1():
    WRITE_ONCE(y, 1)
    smp_mb()
    r0 = obj.a
    r1 = obj.a
    if READ_ONCE(x) == 0:
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P2():
    r0 = obj.a
    WRITE_ONCE(obj.a, 1)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
