"""The counter of counter-spinlock.py without the lock: two CPUs increment it with
a plain load and a plain store, so both can load 0 and one update is lost
(under every memory model).  The two plain accesses also conflict with the other
CPU's unordered ones: a data race (LKMM's definition; smpcheck reports it under
sc and tso too, since the compiler may tear or fuse plain accesses)."""
from smpcheck import Model, Var

counter = Var(0)


def inc():
    counter[0] = counter[0] + 1     # plain load and store, no lock


MODEL = Model("counter without lock", [inc, inc], forall="counter=2")
