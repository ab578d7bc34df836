"""<linux/interrupt.h>: interrupt handlers, delivered by the explorer.

``request_irq(cpu, handler)`` (a declaration, at module level) registers
``handler`` for the CPU that runs the function ``cpu``.  While that CPU has
interrupts enabled, the handler may run before any of its steps (and after its
last): each such point is a choice the exploration makes both ways, an event of
its own in the execution (kind C), so every placement is checked under every
memory model, and a placement is repeated exactly on replay.  The handler runs
on that CPU, in its program order, with interrupts disabled (no nesting) and as
an RCU reader (irq_enter()/irq_exit(), F[rcu-lock]/F[rcu-unlock]).  An
irq-disabled region (local_irq_disable/_save, spin_lock_irq*) excludes delivery.

Each CPU takes at most ``--irq-bound`` interrupts (Settings.irq_bound, default 1)
in an execution: the bound is part of the configuration a verdict covers, and the
report states it, as it states the loop bound.  A wait that an interrupt
delivered before it could end is not reported as endless: the execution where the
interrupt comes is explored too.

Deviation: the kernel passes ``(irq, dev_id)`` to a handler; here it is called
with no arguments (use a closure or functools.partial for its data), and its
return value is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.runtime import IRQ_HANDLERS

__smp_engine__ = True


def request_irq(cpu: Callable[[], Any], handler: Callable[[], Any]) -> None:
    """Register ``handler`` as an interrupt handler of the CPU that runs ``cpu``."""
    handlers = IRQ_HANDLERS.setdefault(cpu, [])
    if handler not in handlers:
        handlers.append(handler)


def free_irq(cpu: Callable[[], Any], handler: Callable[[], Any]) -> None:
    """Undo request_irq() (a declaration: before the check)."""
    handlers = IRQ_HANDLERS.get(cpu, [])
    if handler in handlers:
        handlers.remove(handler)


__all__ = [
    "request_irq",
    "free_irq",
]
