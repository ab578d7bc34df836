"""<linux/rcupdate.h>: RCU read-side critical sections, grace periods, publication."""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ONCE, RELEASE, fence, load, store
from smpcheck._rt.runtime import Op, current, issue
from smpcheck.kernel.sleep import might_sleep

__smp_engine__ = True


def rcu_read_lock() -> None:
    """Begin an RCU read-side critical section (herd: F[rcu-lock])."""
    _, cpu = current()
    cpu.rcu_nesting += 1
    fence("rcu-lock", "rcu_read_lock")


def rcu_read_unlock() -> None:
    """End an RCU read-side critical section (herd: F[rcu-unlock])."""
    _, cpu = current()
    if cpu.rcu_nesting <= 0:
        issue(Op("ERR", text="assertion", message="rcu_read_unlock() without rcu_read_lock()"))
    cpu.rcu_nesting -= 1
    fence("rcu-unlock", "rcu_read_unlock")


def synchronize_rcu() -> None:
    """Wait for every pre-existing RCU reader (herd: F[sync-rcu])."""
    might_sleep("synchronize_rcu")
    fence("sync-rcu", "synchronize_rcu")


def synchronize_rcu_expedited() -> None:
    """synchronize_rcu(), faster in the kernel; the same event (herd: F[sync-rcu])."""
    might_sleep("synchronize_rcu_expedited")
    fence("sync-rcu", "synchronize_rcu_expedited")


def rcu_dereference(p: Any) -> Any:
    """Load an RCU-protected pointer (herd: R[ONCE]; dependencies order what follows)."""
    return load(p, ONCE, "rcu_dereference")


def rcu_assign_pointer(p: Any, v: Any) -> None:
    """Publish a pointer (herd: W[RELEASE])."""
    store(p, v, RELEASE, "rcu_assign_pointer")

__all__ = [
    "rcu_read_lock",
    "rcu_read_unlock",
    "synchronize_rcu",
    "synchronize_rcu_expedited",
    "rcu_dereference",
    "rcu_assign_pointer",
]
