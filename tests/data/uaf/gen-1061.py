from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(2, 'atomic')


def P0():
    r0 = obj.b
    if atomic_dec_return_acquire(ref) == 0:
        kfree(obj)
    WRITE_ONCE(y, 1)
    smp_rmb()


def P1():
    smp_store_release(x, 1)
    smp_mb()
    smp_rmb()
    r0 = obj.a
    if smp_load_acquire(y) == 1:
        pass


def P2():
    r0 = smp_load_acquire(obj.b)
    if atomic_dec_return_acquire(ref) == 0:
        kfree(obj)
    if READ_ONCE(y) == 0:
        pass


MODEL = Model("shape", [P0, P1, P2])
