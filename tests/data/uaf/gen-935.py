from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(2, 'atomic')


def P0():
    WRITE_ONCE(x, 1)
    smp_rmb()
    smp_rmb()
    if smp_load_acquire(y) == 0:
        if atomic_dec_return_relaxed(ref) == 0:
            kfree(obj)


def P1():
    smp_store_release(y, 1)
    smp_rmb()
    if smp_load_acquire(x) == 0:
        if atomic_dec_return_acquire(ref) == 0:
            kfree(obj)


def P2():
    obj.a = 2
    while smp_load_acquire(x) != 1:
        cpu_relax()
    r0 = READ_ONCE(obj.a)


MODEL = Model("shape", [P0, P1, P2])
