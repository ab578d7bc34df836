"""Peterson's mutual exclusion, fenced for every model.

smp_mb() after the turn store orders it before the loads of the wait (x86 may
let a load pass an earlier store); that is all x86-TSO needs.  The LKMM also
needs the flag store ordered before the turn store by a *full* barrier: with
smp_wmb() there the other CPU's turn store can overwrite ours while our flag
store is still invisible to it (the LKMM's "R" pattern, which needs strong
fences on both sides; try it: the LKMM then reports the data race).  Acquire
loads order the critical section after the wait.  Safe under every model."""
from smpcheck import (
    WRITE_ONCE,
    Array,
    Model,
    Var,
    cpu_relax,
    smp_load_acquire,
    smp_mb,
    smp_store_release,
)

flag = Var(Array(2, 0))
turn = Var(0)
counter = Var(0)


def cpu(me):
    other = 1 - me

    def lock_and_count():
        WRITE_ONCE(flag[me], 1)
        smp_mb()                         # flag before turn (x86 keeps stores in order)
        WRITE_ONCE(turn, other)
        smp_mb()
        while smp_load_acquire(flag[other]) and smp_load_acquire(turn) == other:
            cpu_relax()
        counter[0] = counter[0] + 1      # critical section: plain accesses
        smp_store_release(flag[me], 0)

    lock_and_count.__name__ = f"P{me}"
    return lock_and_count


MODEL = Model("Peterson+mb", [cpu(0), cpu(1)], forall="counter=2")
