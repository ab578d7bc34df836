"""Store buffering: each CPU stores to one variable, then loads the other.

Under SC one of the loads must see the other CPU's store.  On x86 each store
can wait in its CPU's store buffer while the CPU's later load runs, so both
loads can read 0: the condition below is violated under --mm tso and lkmm.
"""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    r0 = READ_ONCE(y)
    return {"r0": r0}


def P1():
    WRITE_ONCE(y, 1)
    r0 = READ_ONCE(x)
    return {"r0": r0}


MODEL = Model("SB", [P0, P1], not_exists="0:r0=0 /\\ 1:r0=0")
