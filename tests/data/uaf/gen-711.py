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
    smp_wmb()
    WRITE_ONCE(y, 1)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


def P1():
    r0 = READ_ONCE(obj.b)
    if smp_load_acquire(y) == 1:
        if atomic_dec_return(ref) == 0:
            kfree(obj)


def P2():
    smp_mb()
    obj.b = 1
    while READ_ONCE(x) != 1:
        cpu_relax()
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
