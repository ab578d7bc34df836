from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    WRITE_ONCE(x, 1)
    smp_store_release(y, 1)
    smp_store_release(obj.a, 2)
    WRITE_ONCE(obj.a, 1)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


def P1():
    smp_store_release(obj.a, 2)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)
    if smp_load_acquire(x) == 1:
        pass


def P2():
    WRITE_ONCE(obj.a, 2)
    if atomic_dec_return_release(ref) == 0:
        kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
