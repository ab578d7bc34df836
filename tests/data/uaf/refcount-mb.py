"""refcount-relaxed.py with fully ordered atomic_dec_return(): safe."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
ref = Var(2, "atomic")


def P0():
    r0 = READ_ONCE(obj.a)
    if atomic_dec_return(ref) == 0:
        kfree(obj)


def P1():
    r0 = READ_ONCE(obj.a)
    if atomic_dec_return(ref) == 0:
        kfree(obj)


MODEL = Model("refcount-mb", [P0, P1])
