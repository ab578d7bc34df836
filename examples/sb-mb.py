"""Store buffering with smp_mb() between each store and load: safe under every model."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, smp_mb

x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    smp_mb()
    r0 = READ_ONCE(y)
    return {"r0": r0}


def P1():
    WRITE_ONCE(y, 1)
    smp_mb()
    r0 = READ_ONCE(x)
    return {"r0": r0}


MODEL = Model("SB+mbs", [P0, P1], not_exists="0:r0=0 /\\ 1:r0=0")
