"""<asm/barrier.h>: memory barriers, acquire loads and release stores."""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ACQUIRE, ONCE, RELEASE, fence, load, store

__smp_engine__ = True


def smp_mb() -> None:
    """Full memory barrier (herd: F[MB])."""
    fence("MB", "smp_mb")


def smp_rmb() -> None:
    """Read barrier: orders earlier loads before later loads (herd: F[rmb])."""
    fence("rmb", "smp_rmb")


def smp_wmb() -> None:
    """Write barrier: orders earlier stores before later stores (herd: F[wmb])."""
    fence("wmb", "smp_wmb")


def smp_mb__before_atomic() -> None:
    """Full barrier before the next value-less atomic RMW."""
    fence("before-atomic", "smp_mb__before_atomic")


def smp_mb__after_atomic() -> None:
    """Full barrier after the previous value-less atomic RMW."""
    fence("after-atomic", "smp_mb__after_atomic")


def smp_load_acquire(p: Any) -> Any:
    """Load with acquire ordering (herd: R[ACQUIRE])."""
    return load(p, ACQUIRE, "smp_load_acquire")


def smp_store_release(p: Any, v: Any) -> None:
    """Store with release ordering (herd: W[RELEASE])."""
    store(p, v, RELEASE, "smp_store_release")


def smp_store_mb(x: Any, v: Any) -> None:
    """WRITE_ONCE followed by smp_mb()."""
    store(x, v, ONCE, "smp_store_mb")
    fence("MB", "smp_store_mb")

__all__ = [
    "smp_mb",
    "smp_rmb",
    "smp_wmb",
    "smp_mb__before_atomic",
    "smp_mb__after_atomic",
    "smp_load_acquire",
    "smp_store_release",
    "smp_store_mb",
]
