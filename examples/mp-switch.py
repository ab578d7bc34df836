"""Message passing with the barriers as switches: which pair orders it under the LKMM?

`smpcheck check examples/mp-switch.py --mm lkmm --variant WRITER=smp_wmb
--variant WRITER=smp_wmb,READER=smp_rmb` checks each setting; under sc and tso
every setting is safe (x86 keeps stores and loads in order), so `pytest
--smpcheck` checks it under both (SMPCHECK_TEST below)."""
from smpcheck import (
    READ_ONCE,
    WRITE_ONCE,
    Model,
    Var,
    smp_load_acquire,
    smp_rmb,
    smp_store_release,
    smp_wmb,
    switch,
)

WRITER = switch("WRITER", "none", choices=("none", "smp_wmb", "release"))
READER = switch("READER", "none", choices=("none", "smp_rmb", "acquire"))
SMPCHECK_TEST = ["sc", "tso"]

data = Var(0)
flag = Var(0)


def writer():
    WRITE_ONCE(data, 1)
    if WRITER == "release":
        smp_store_release(flag, 1)
        return
    if WRITER == "smp_wmb":
        smp_wmb()
    WRITE_ONCE(flag, 1)


def reader():
    if READER == "acquire":
        r0 = smp_load_acquire(flag)
    else:
        r0 = READ_ONCE(flag)
        if READER == "smp_rmb":
            smp_rmb()
    r1 = READ_ONCE(data)
    return {"r0": r0, "r1": r1}


MODEL = Model(f"MP writer={WRITER} reader={READER}", [writer, reader],
              not_exists="1:r0=1 /\\ 1:r1=0")
