"""Peterson's mutual exclusion for two CPUs, without a full barrier.

Correct under SC.  Under x86-TSO the store to ``flag[me]`` may still sit in
the store buffer when the CPU reads ``flag[other]``: both CPUs enter the
critical section and an increment is lost.  With smp_mb() after the store to
``turn`` (peterson-mb.py) it holds under every model.
"""
from smpcheck import READ_ONCE, WRITE_ONCE, Array, Model, Var, cpu_relax, smp_store_release

flag = Var(Array(2, 0))
turn = Var(0)
counter = Var(0)


def cpu(me):
    other = 1 - me

    def lock_and_count():
        WRITE_ONCE(flag[me], 1)
        WRITE_ONCE(turn, other)
        while READ_ONCE(flag[other]) and READ_ONCE(turn) == other:
            cpu_relax()
        counter[0] = counter[0] + 1      # critical section: plain accesses
        smp_store_release(flag[me], 0)

    lock_and_count.__name__ = f"P{me}"
    return lock_and_count


MODEL = Model("Peterson", [cpu(0), cpu(1)], forall="counter=2")
