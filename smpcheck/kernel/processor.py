"""<asm/processor.h>: cpu_relax(), which marks a loop iteration as a spin-wait."""

from __future__ import annotations

from smpcheck._rt.runtime import current

__smp_engine__ = True


def cpu_relax() -> None:
    """Pause in a spin loop.  An iteration that calls it and only reads is a wait."""
    _, cpu = current()
    cpu.relaxed = True

__all__ = [
    "cpu_relax",
]
