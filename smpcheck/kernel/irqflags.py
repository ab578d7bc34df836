"""<linux/irqflags.h>: local interrupt control (a per-CPU state and a compiler barrier)."""

from __future__ import annotations

from smpcheck._runtime import Op, current, issue

__smp_engine__ = True


def local_irq_disable() -> None:
    """No interrupt handler runs on this CPU until local_irq_enable()."""
    _, cpu = current()
    cpu.irqs_off += 1
    issue(Op("F", tags=frozenset({"barrier"}), text="local_irq_disable()"))


def local_irq_enable() -> None:
    _, cpu = current()
    cpu.irqs_off = 0
    issue(Op("F", tags=frozenset({"barrier"}), text="local_irq_enable()"))


def local_irq_save() -> int:
    """Disable interrupts; returns the previous state for local_irq_restore()."""
    _, cpu = current()
    flags = cpu.irqs_off
    cpu.irqs_off += 1
    issue(Op("F", tags=frozenset({"barrier"}), text="local_irq_save()"))
    return flags


def local_irq_restore(flags: int) -> None:
    _, cpu = current()
    cpu.irqs_off = flags
    issue(Op("F", tags=frozenset({"barrier"}), text="local_irq_restore()"))


def irqs_disabled() -> bool:
    _, cpu = current()
    return cpu.irqs_off > 0

__all__ = [
    "local_irq_disable",
    "local_irq_enable",
    "local_irq_save",
    "local_irq_restore",
    "irqs_disabled",
]
