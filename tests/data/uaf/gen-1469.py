from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(2, 'atomic')


def P0():
    smp_store_release(y, 1)
    smp_mb()
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)
    if smp_load_acquire(x) == 0:
        r0 = obj.a


def P1():
    r0 = smp_load_acquire(obj.a)
    WRITE_ONCE(x, 1)
    if READ_ONCE(y) == 0:
        if atomic_dec_return_release(ref) == 0:
            kfree(obj)


MODEL = Model("shape", [P0, P1])
