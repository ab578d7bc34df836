"""Message passing with smp_wmb() in the writer and smp_rmb() in the reader: safe."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, smp_rmb, smp_wmb

data = Var(0)
flag = Var(0)


def P0():
    WRITE_ONCE(data, 1)
    smp_wmb()
    WRITE_ONCE(flag, 1)


def P1():
    r0 = READ_ONCE(flag)
    smp_rmb()
    r1 = READ_ONCE(data)
    return {"r0": r0, "r1": r1}


MODEL = Model("MP+wmb+rmb", [P0, P1], not_exists="1:r0=1 /\\ 1:r1=0")
