from smpcheck import *


class foo(Struct):
    a = 0
    b = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)
ref = Var(2, 'atomic')


def P0():
    if atomic_dec_return(ref) == 0:
        kfree(obj)
    smp_mb()
    if smp_load_acquire(y) == 0:
        pass


def P1():
    r0 = smp_load_acquire(obj.a)
    r1 = obj.b
    if smp_load_acquire(y) == 0:
        pass


def P2():
    WRITE_ONCE(y, 1)
    smp_rmb()
    r0 = READ_ONCE(obj.a)
    obj.a = 2
    if atomic_dec_return_acquire(ref) == 0:
        kfree(obj)


MODEL = Model("shape", [P0, P1, P2])
