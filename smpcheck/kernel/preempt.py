"""<linux/preempt.h>: preemption control (a per-CPU count and a compiler barrier).

Since Linux 4.20 a region with preemption (or interrupts) disabled is an RCU
read-side critical section: entering the outermost such region is F[rcu-lock]
rather than a compiler barrier, leaving it F[rcu-unlock] (:func:`reader_fence`).
"""

from __future__ import annotations

from smpcheck._rt.runtime import Cpu, Op, current, issue

__smp_engine__ = True


def in_reader(cpu: Cpu) -> bool:
    """Whether ``cpu`` has preemption or interrupts disabled (an implied RCU reader)."""
    return cpu.preempt > 0 or cpu.irqs_off > 0


def reader_fence(cpu: Cpu, was: bool, text: str) -> None:
    """The fence of a preemption or interrupt state change: F[rcu-lock] when it opens
    an implied RCU reader (``was`` false, now in one), F[rcu-unlock] when it closes
    one, else a compiler barrier."""
    now = in_reader(cpu)
    tag = "rcu-lock" if now and not was else "rcu-unlock" if was and not now else "barrier"
    issue(Op("F", tags=frozenset({tag}), text=text))


def preempt_disable() -> None:
    """This CPU is not descheduled until the matching preempt_enable()."""
    _, cpu = current()
    was = in_reader(cpu)
    cpu.preempt += 1
    reader_fence(cpu, was, "preempt_disable()")


def preempt_enable() -> None:
    _, cpu = current()
    if cpu.preempt <= 0:
        issue(Op("ERR", text="assertion", message="preempt_enable() without preempt_disable()"))
    was = in_reader(cpu)
    cpu.preempt -= 1
    reader_fence(cpu, was, "preempt_enable()")

def preempt_count() -> int:
    """How many preempt_disable() this CPU is inside (0: preemption is enabled)."""
    return current()[1].preempt


__all__ = [
    "preempt_count",
    "preempt_disable",
    "preempt_enable",
]
