"""Two CPUs increment a counter with a separate load and store: an update is lost."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

counter = Var(0)


def inc():
    WRITE_ONCE(counter, READ_ONCE(counter) + 1)


MODEL = Model("counter without lock", [inc, inc], forall="counter=2")
