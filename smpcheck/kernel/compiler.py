"""<linux/compiler.h>: READ_ONCE, WRITE_ONCE, barrier."""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ONCE, fence, load, store

__smp_engine__ = True


def READ_ONCE(x: Any) -> Any:  # noqa: N802
    """A marked load of ``x`` (herd: R[ONCE])."""
    return load(x, ONCE, "READ_ONCE")


def WRITE_ONCE(x: Any, val: Any) -> None:  # noqa: N802
    """A marked store of ``val`` to ``x`` (herd: W[ONCE])."""
    store(x, val, ONCE, "WRITE_ONCE")


def barrier() -> None:
    """A compiler barrier (herd: F[barrier]); orders nothing between CPUs."""
    fence("barrier", "barrier")

__all__ = [
    "READ_ONCE",
    "WRITE_ONCE",
    "barrier",
]
