from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    smp_wmb()
    if atomic_dec_return_acquire(ref) == 0:
        kfree(obj)
    if READ_ONCE(x) == 1:
        pass


def P1():
    WRITE_ONCE(y, 1)
    WRITE_ONCE(x, 1)
    smp_rmb()
    obj.a = 1
    if atomic_dec_return_release(ref) == 0:
        kfree(obj)


def P2():
    obj.a = 2
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)
    if READ_ONCE(y) == 0:
        pass


MODEL = Model("shape", [P0, P1, P2])
