"""An interrupt handler between two reads: a CPU reads a counter twice, expecting the
same value, while its own interrupt handler may increment it.  The explorer delivers
the handler at every point where the CPU has interrupts on: between the reads the
BUG_ON fires.  local_irq_disable()/local_irq_enable() around the reads excludes it.
"""
from smpcheck import BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var, request_irq

count = Var(0)


def tick():
    WRITE_ONCE(count, READ_ONCE(count) + 1)


def P0():
    a = READ_ONCE(count)
    b = READ_ONCE(count)
    BUG_ON(a != b)


request_irq(P0, tick)
MODEL = Model("irq-handler", [P0])
