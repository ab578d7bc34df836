"""<linux/irqflags.h>: local interrupt control (a per-CPU state and a compiler barrier).

While a CPU has interrupts off, no interrupt handler and no IPI is delivered to it
(:mod:`smpcheck.kernel.interrupt`, :mod:`smpcheck.kernel.smp`); one may come just
before local_irq_disable().  An interrupts-off region is an RCU reader
(:mod:`smpcheck.kernel.preempt`).
"""

from __future__ import annotations

from smpcheck._rt.runtime import current, irq_point
from smpcheck.kernel.preempt import in_reader, reader_fence

__smp_engine__ = True


def local_irq_disable() -> None:
    """No interrupt handler runs on this CPU until local_irq_enable()."""
    _, cpu = current()
    if not cpu.irqs_off:
        irq_point()
    reader = in_reader(cpu)
    cpu.irqs_off += 1
    reader_fence(cpu, reader, "local_irq_disable()")


def local_irq_enable() -> None:
    _, cpu = current()
    reader = in_reader(cpu)
    cpu.irqs_off = 0
    reader_fence(cpu, reader, "local_irq_enable()")


def local_irq_save() -> int:
    """Disable interrupts; returns the previous state for local_irq_restore()."""
    _, cpu = current()
    if not cpu.irqs_off:
        irq_point()
    flags, reader = cpu.irqs_off, in_reader(cpu)
    cpu.irqs_off += 1
    reader_fence(cpu, reader, "local_irq_save()")
    return flags


def local_irq_restore(flags: int) -> None:
    _, cpu = current()
    reader = in_reader(cpu)
    cpu.irqs_off = flags
    reader_fence(cpu, reader, "local_irq_restore()")


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
