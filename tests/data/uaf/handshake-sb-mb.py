"""handshake-sb.py with smp_mb() after each store: safe."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    smp_mb()
    if READ_ONCE(y) == 0:
        r0 = READ_ONCE(obj.a)


def P1():
    WRITE_ONCE(y, 1)
    smp_mb()
    if READ_ONCE(x) == 0:
        kfree(obj)


MODEL = Model("handshake-sb-mb", [P0, P1])
