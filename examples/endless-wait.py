"""A spin-wait that can never end: the waiter expects state 1, but the other CPU
goes straight from 0 to 2 (a missed intermediate state), so the loop spins
forever in the execution where it reads 2."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, cpu_relax

state = Var(0)


def waiter():
    while READ_ONCE(state) != 1:
        cpu_relax()


def setter():
    WRITE_ONCE(state, 2)


MODEL = Model("endless wait", [waiter, setter])
