"""<linux/preempt.h>: preemption control (a per-CPU count and a compiler barrier)."""

from __future__ import annotations

from smpcheck._rt.runtime import Op, current, issue

__smp_engine__ = True


def preempt_disable() -> None:
    """This CPU is not descheduled until the matching preempt_enable()."""
    _, cpu = current()
    cpu.preempt += 1
    issue(Op("F", tags=frozenset({"barrier"}), text="preempt_disable()"))


def preempt_enable() -> None:
    _, cpu = current()
    if cpu.preempt <= 0:
        issue(Op("ERR", text="assertion", message="preempt_enable() without preempt_disable()"))
    cpu.preempt -= 1
    issue(Op("F", tags=frozenset({"barrier"}), text="preempt_enable()"))

def preempt_count() -> int:
    """How many preempt_disable() this CPU is inside (0: preemption is enabled)."""
    return current()[1].preempt


__all__ = [
    "preempt_count",
    "preempt_disable",
    "preempt_enable",
]
