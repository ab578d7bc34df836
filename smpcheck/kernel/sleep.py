"""might_sleep(): the context check of functions that may sleep."""

from __future__ import annotations

from smpcheck._rt.runtime import Op, current, issue

__smp_engine__ = True


def might_sleep(name: str = "might_sleep") -> None:
    """Report a call that may sleep from atomic context or an RCU read-side section."""
    _, cpu = current()
    why = ("preemption disabled" if cpu.preempt else "interrupts disabled" if cpu.irqs_off
           else "inside an RCU read-side critical section" if cpu.rcu_nesting else "")
    if why:
        issue(Op("ERR", text="assertion",
                 message=f"BUG: sleeping function {name}() called with {why}"))

__all__ = [
    "might_sleep",
]
