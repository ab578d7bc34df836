"""<asm/barrier.h>: memory barriers, acquire loads and release stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.ops import ACQUIRE, ONCE, RELEASE, await_load, fence, load, store

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

def _cond_load(p: Any, cond: Callable[[Any], Any], tags: frozenset[str], name: str) -> Any:
    return await_load(p, tags, lambda v: bool(cond(v)), name + "({loc})")


def smp_cond_load_relaxed(p: Any, cond: Callable[[Any], Any]) -> Any:
    """Spin until ``cond(VAL)`` holds of the value at ``p``; return that value.  C's
    condition expression over ``VAL`` is a function of it here.  An await on a
    READ_ONCE: a value that keeps it waiting is not an execution of its own, and a
    wait no store can end is reported.  No ordering."""
    return _cond_load(p, cond, ONCE, "smp_cond_load_relaxed")


def smp_cond_load_acquire(p: Any, cond: Callable[[Any], Any]) -> Any:
    """smp_cond_load_relaxed() whose last load is an acquire (the kernel's control
    dependency and smp_acquire__after_ctrl_dep(), which the LKMM reads as acquire)."""
    return _cond_load(p, cond, ACQUIRE, "smp_cond_load_acquire")


def smp_acquire__after_ctrl_dep() -> None:
    """With the control dependency before it, acquire ordering: smp_rmb() (herd: F[rmb])."""
    fence("rmb", "smp_acquire__after_ctrl_dep")


__all__ = [
    "smp_mb",
    "smp_rmb",
    "smp_wmb",
    "smp_mb__before_atomic",
    "smp_mb__after_atomic",
    "smp_load_acquire",
    "smp_store_release",
    "smp_store_mb",
    "smp_cond_load_relaxed",
    "smp_cond_load_acquire",
    "smp_acquire__after_ctrl_dep",
]
