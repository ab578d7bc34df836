"""A seqcount writer without the smp_wmb() after its first increment: the reader sees
the new data with the old, even count under the LKMM."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, smp_rmb, smp_wmb

seq = Var(0)
data = Var(0)


def writer():
    WRITE_ONCE(seq, 1)  # write_seqcount_begin(): no smp_wmb()
    WRITE_ONCE(data, 1)
    smp_wmb()  # write_seqcount_end()
    WRITE_ONCE(seq, 2)


def reader():
    s0 = READ_ONCE(seq)  # read_seqcount_begin()
    smp_rmb()
    d = READ_ONCE(data)
    smp_rmb()  # read_seqcount_retry()
    s1 = READ_ONCE(seq)
    return {"s0": s0, "d": d, "s1": s1}


MODEL = Model("seqcount", [writer, reader], not_exists="1:s0=0 /\\ 1:d=1 /\\ 1:s1=0")
