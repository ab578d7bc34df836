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
    if smp_load_acquire(y) == 0:
        if atomic_dec_return_release(ref) == 0:
            kfree(obj)
        r0 = obj.a
        smp_rmb()


def P1():
    smp_mb()
    WRITE_ONCE(y, 1)
    if smp_load_acquire(x) == 0:
        if atomic_dec_return(ref) == 0:
            kfree(obj)
        WRITE_ONCE(obj.a, 1)


def P2():
    r0 = obj.a
    while smp_load_acquire(y) != 1:
        cpu_relax()
    pass


MODEL = Model("shape", [P0, P1, P2])
