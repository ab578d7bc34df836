"""Two CPUs each use the object and drop their reference with a relaxed atomic;
the one that drops it to zero frees it.  The other's read may be satisfied after
the free (the relaxed RMW does not order it): a use-after-free under the LKMM."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
ref = Var(2, "atomic")


def P0():
    r0 = READ_ONCE(obj.a)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


def P1():
    r0 = READ_ONCE(obj.a)
    if atomic_dec_return_relaxed(ref) == 0:
        kfree(obj)


MODEL = Model("refcount-relaxed", [P0, P1])
