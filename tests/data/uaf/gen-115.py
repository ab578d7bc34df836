from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(0, 'atomic')


def P0():
    WRITE_ONCE(x, 1)
    smp_mb()
    if READ_ONCE(y) == 0:
        kfree(obj)
        smp_mb()


def P1():
    smp_store_release(y, 1)
    if smp_load_acquire(x) == 0:
        r0 = smp_load_acquire(obj.a)


MODEL = Model("shape", [P0, P1])
