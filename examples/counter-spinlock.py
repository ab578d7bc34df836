"""The same counter, incremented with plain accesses under a spinlock: safe, no race."""
from smpcheck import Model, SpinLock, Var, spin_lock, spin_unlock

lock = Var(SpinLock())
counter = Var(0)


def inc():
    spin_lock(lock)
    counter[0] = counter[0] + 1     # plain load and store
    spin_unlock(lock)


MODEL = Model("counter with spinlock", [inc, inc], forall="counter=2")
