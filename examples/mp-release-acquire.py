"""Message passing with smp_store_release() and smp_load_acquire(): safe, and the
plain data accesses do not race because release/acquire orders them."""
from smpcheck import Model, Var, smp_load_acquire, smp_store_release

data = Var(0)
flag = Var(0)


def P0():
    data[0] = 1                     # plain store
    smp_store_release(flag, 1)


def P1():
    r0 = smp_load_acquire(flag)
    r1 = data[0] if r0 else 0       # plain load, only after seeing the flag
    return {"r0": r0, "r1": r1}


MODEL = Model("MP+rel+acq", [P0, P1], not_exists="1:r0=1 /\\ 1:r1=0")
