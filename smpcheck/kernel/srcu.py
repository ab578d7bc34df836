"""<linux/srcu.h>: sleepable RCU, minimal, with linux-kernel.def's events.

An ``srcu_struct`` is one location (declare it ``SrcuStruct()``).
srcu_read_lock() is a read of it tagged ``srcu-lock`` and returns the value
read, the index C code hands to srcu_read_unlock(); srcu_read_unlock() is a
write of that index tagged ``srcu-unlock`` (so the pair is linked by a data
dependency, as linux-kernel.bell matches them); synchronize_srcu() is a fence
tagged ``sync-srcu`` that carries the struct's location (herd's
``__srcu{sync-srcu}(X)``).  srcu_down_read() / srcu_up_read() are the same
events.  Deviation: nothing checks here that locks and unlocks pair up; the
LKMM's flags do that.
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import fence, load, store, where
from smpcheck._rt.runtime import Op, issue
from smpcheck.kernel.sleep import might_sleep
from smpcheck.model.objects import Field

__smp_engine__ = True

SRCU_LOCK = frozenset({"srcu-lock"})
SRCU_UNLOCK = frozenset({"srcu-unlock"})


def SrcuStruct() -> Field:  # noqa: N802 - a declaration
    """Declare a ``struct srcu_struct`` field or variable."""
    return Field(0, "srcu")


def srcu_read_lock(ssp: Any) -> Any:
    """Enter an SRCU read-side critical section; returns the index to unlock with."""
    return load(ssp, SRCU_LOCK, "srcu_read_lock")


def srcu_read_unlock(ssp: Any, idx: Any) -> None:
    """Leave the SRCU read-side critical section that srcu_read_lock() gave ``idx``."""
    store(ssp, idx, SRCU_UNLOCK, "srcu_read_unlock")


def srcu_down_read(ssp: Any) -> Any:
    """srcu_read_lock() that another task may release (same event)."""
    return load(ssp, SRCU_LOCK, "srcu_down_read")


def srcu_up_read(ssp: Any, idx: Any) -> None:
    """srcu_read_unlock() for srcu_down_read() (same event)."""
    store(ssp, idx, SRCU_UNLOCK, "srcu_up_read")


def synchronize_srcu(ssp: Any) -> None:
    """Wait for every pre-existing SRCU reader of ``ssp`` (herd: sync-srcu on its location)."""
    _sync(ssp, "synchronize_srcu")


def synchronize_srcu_expedited(ssp: Any) -> None:
    """synchronize_srcu(), faster in the kernel; the same event."""
    _sync(ssp, "synchronize_srcu_expedited")


def _sync(ssp: Any, name: str) -> None:
    might_sleep(name)
    loc, deps = where(ssp)
    issue(Op("F", loc=loc, tags=frozenset({"sync-srcu"}), addr=deps, text=f"{name}({loc})"))


def smp_mb__after_srcu_read_unlock() -> None:
    """Full barrier after the preceding srcu_read_unlock() (herd: F[after-srcu-read-unlock])."""
    fence("after-srcu-read-unlock", "smp_mb__after_srcu_read_unlock")


__all__ = [
    "SrcuStruct",
    "srcu_read_lock",
    "srcu_read_unlock",
    "srcu_down_read",
    "srcu_up_read",
    "synchronize_srcu",
    "synchronize_srcu_expedited",
    "smp_mb__after_srcu_read_unlock",
]
