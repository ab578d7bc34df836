"""Each CPU announces itself, then looks at the other's flag: the user reads the
object only if the freer has not started, the freer frees it only if the user
has not started.  Store buffering: without a full barrier on both sides both
may read 0, under x86-TSO and the LKMM (the 2013 KVM proposal in miniature)."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    if READ_ONCE(y) == 0:
        r0 = READ_ONCE(obj.a)


def P1():
    WRITE_ONCE(y, 1)
    if READ_ONCE(x) == 0:
        kfree(obj)


MODEL = Model("handshake-sb", [P0, P1])
