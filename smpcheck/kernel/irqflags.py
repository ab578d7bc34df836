"""<linux/irqflags.h>: local interrupt control (a per-CPU state and a compiler barrier).

While a CPU has interrupts off, no interrupt handler and no IPI is delivered to it
(:mod:`smpcheck.kernel.interrupt`, :mod:`smpcheck.kernel.smp`); one may come just
before local_irq_disable().  An interrupts-off region is an RCU reader
(:mod:`smpcheck.kernel.preempt`).

A CPU declared with ``ipi_target(fn, stand_in=True)`` (:mod:`smpcheck.kernel.smp`)
instead publishes its state: entering an interrupts-off region stores 1 to its irq
word (tagged irq-off: CLI takes effect in program order), leaving it stores 0 with
release ordering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.ops import ONCE, RELEASE, store
from smpcheck._rt.runtime import Cpu, current, irq_point
from smpcheck.kernel.preempt import in_reader, reader_fence

__smp_engine__ = True

IRQ_OFF = frozenset({"irq-off"})  # the irq word's store of 1: see smpcheck.kernel.smp

# A CPU function -> its irq word (a shared location), for the IPI stand-in.
_irq_words: dict[Callable[[], Any], Any] = {}


def _publish(cpu: Cpu, was_off: bool) -> None:
    """Store the CPU's new interrupt state to its irq word when it changed."""
    word = _irq_words.get(cpu.fn)
    now_off = cpu.irqs_off > 0
    if word is None or now_off == was_off:
        return
    if now_off:
        store(word, 1, ONCE | IRQ_OFF, "irq_off")
    else:
        store(word, 0, RELEASE, "irq_on")


def local_irq_disable() -> None:
    """No interrupt handler runs on this CPU until local_irq_enable()."""
    _, cpu = current()
    if not cpu.irqs_off:
        irq_point()
    was, reader = cpu.irqs_off > 0, in_reader(cpu)
    cpu.irqs_off += 1
    reader_fence(cpu, reader, "local_irq_disable()")
    _publish(cpu, was)


def local_irq_enable() -> None:
    _, cpu = current()
    was, reader = cpu.irqs_off > 0, in_reader(cpu)
    cpu.irqs_off = 0
    _publish(cpu, was)
    reader_fence(cpu, reader, "local_irq_enable()")


def local_irq_save() -> int:
    """Disable interrupts; returns the previous state for local_irq_restore()."""
    _, cpu = current()
    if not cpu.irqs_off:
        irq_point()
    flags, reader = cpu.irqs_off, in_reader(cpu)
    cpu.irqs_off += 1
    reader_fence(cpu, reader, "local_irq_save()")
    _publish(cpu, flags > 0)
    return flags


def local_irq_restore(flags: int) -> None:
    _, cpu = current()
    was, reader = cpu.irqs_off > 0, in_reader(cpu)
    cpu.irqs_off = flags
    _publish(cpu, was)
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
