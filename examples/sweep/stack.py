"""A two-slot stack under a spinlock, for ``smpcheck sweep``: push forgets to check
that the stack is full, so a third push runs off its end (the BUG_ON stands for
the overflow).  Two CPUs with one operation each never push three times; the
sweep finds it at two operations per CPU."""
from smpcheck import BUG_ON, Array, SpinLock, Struct, spin_lock, spin_unlock
from smpcheck.model.scenarios import Sweep, initial_state, operation


class stack_t(Struct):
    lock = SpinLock()
    n = 0
    items = Array(2, 0)


@initial_state
def empty():
    return {"s": stack_t()}


@operation
def push(s):
    spin_lock(s.lock)
    n = s.n
    BUG_ON(n >= 2)              # (items[2] is past the end)
    s.items[n] = 1
    s.n = n + 1
    spin_unlock(s.lock)


@operation
def pop(s):
    spin_lock(s.lock)
    n = s.n
    v = 0
    if n > 0:
        v = s.items[n - 1]
        s.items[n - 1] = 0
        s.n = n - 1
    spin_unlock(s.lock)
    return v


def balanced(final, scenario):
    """the stack holds what was pushed and not popped"""
    n = final.memory["s.n"]
    items = [final.memory[f"s.items[{i}]"] for i in range(2)]
    return items == [1] * n + [0] * (2 - n)


SWEEP = Sweep("two-slot stack", cpus=2, check=balanced)
