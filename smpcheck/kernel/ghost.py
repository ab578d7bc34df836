"""Ghost state: per-CPU counters a model keeps outside the modelled memory.

A design that stands for something the memory does not hold (a page's accessed
or dirty flag in its ``struct page``) counts it here; a CPU's final registers
can then report it (:func:`ghost_state`) for the model's conditions.  Ghost
state creates no event: no memory model orders or sees it.
"""

from __future__ import annotations

from smpcheck._rt.runtime import current

__smp_engine__ = True


def ghost_add(key: str, n: int = 1) -> None:
    """Add ``n`` to the running CPU's counter ``key`` (which starts at 0)."""
    cpu = current()[1]
    cpu.ghost[key] = cpu.ghost.get(key, 0) + n


def ghost_state() -> dict[str, int]:
    """A copy of the running CPU's counters."""
    return dict(current()[1].ghost)


__all__ = ["ghost_add", "ghost_state"]
