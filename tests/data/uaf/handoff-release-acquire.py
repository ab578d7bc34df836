"""handoff-once.py with smp_store_release() and smp_load_acquire() on the flag: safe."""
from smpcheck import *


class foo(Struct):
    a = 0


obj = preallocated(foo())
done = Var(0)


def P0():
    r0 = READ_ONCE(obj.a)
    smp_store_release(done, 1)


def P1():
    while smp_load_acquire(done) != 1:
        cpu_relax()
    kfree(obj)


MODEL = Model("handoff-release-acquire", [P0, P1])
