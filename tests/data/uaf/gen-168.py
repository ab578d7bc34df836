from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(3, 'atomic')


def P0():
    smp_store_release(x, 1)
    smp_wmb()
    r0 = smp_load_acquire(obj.a)
    if READ_ONCE(y) == 1:
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P1():
    WRITE_ONCE(y, 1)
    smp_wmb()
    if smp_load_acquire(x) == 1:
        if atomic_dec_return_acquire(ref) == 0:
            kfree(obj)


def P2():
    smp_mb()
    while READ_ONCE(y) != 1:
        cpu_relax()
    r0 = smp_load_acquire(obj.a)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
