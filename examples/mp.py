"""Message passing without barriers: the reader may see the flag but not the data.

x86 keeps stores in order and loads in order, so this holds under SC and TSO;
the LKMM (weakly ordered architectures such as Arm and POWER) allows the bad
outcome.
"""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

data = Var(0)
flag = Var(0)


def P0():
    WRITE_ONCE(data, 1)
    WRITE_ONCE(flag, 1)


def P1():
    r0 = READ_ONCE(flag)
    r1 = READ_ONCE(data)
    return {"r0": r0, "r1": r1}


MODEL = Model("MP", [P0, P1], not_exists="1:r0=1 /\\ 1:r1=0")
