"""A CPU reads the object and then says it is done with a plain WRITE_ONCE; the
other waits for that and frees it.  Nothing orders the read before the flag's
store: under the LKMM the read may take its value after the free."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
done = Var(0)


def P0():
    r0 = READ_ONCE(obj.a)
    WRITE_ONCE(done, 1)


def P1():
    while READ_ONCE(done) != 1:
        cpu_relax()
    kfree(obj)


MODEL = Model("handoff-once", [P0, P1])
