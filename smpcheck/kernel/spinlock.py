"""<linux/spinlock.h>: spinlocks, as lock.cat models them.

A lock word is 0 (unlocked) or 1.  spin_lock() is a read-modify-write whose read
(herd: LKR, acquire) must see 0 and whose write (LKW) stores 1; while it sees
1 the CPU waits, which is an await, not a loop.  spin_unlock() is a release
store of 0 (UL).  A failed spin_trylock() is a read (LF); spin_is_locked() a
read tagged RL or RU by what it sees.  The _irq/_irqsave/_bh forms also change
the CPU's interrupt state; on the memory model they are the same events.
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import where
from smpcheck._rt.runtime import BLOCK, Op, add_control_deps, current, issue
from smpcheck.kernel.irqflags import (
    local_irq_disable,
    local_irq_enable,
    local_irq_restore,
    local_irq_save,
)
from smpcheck.model.objects import Field
from smpcheck.model.values import deps_of

__smp_engine__ = True

LKR = frozenset({"LKR"})
LKW = frozenset({"LKW"})
LF = frozenset({"LF"})


def SpinLock() -> Field:  # noqa: N802 - a declaration
    """Declare a ``spinlock_t`` field or variable (unlocked)."""
    return Field(0, "spinlock")


def _acquire(lock: Any, name: str) -> None:
    loc, deps = where(lock)
    old = issue(Op("RMW", loc=loc, tags=LKR, wtags=LKW, ftags=LF, addr=deps,
                   update=lambda old: 1 if old == 0 else BLOCK, text=f"{name}({loc})"))
    # Acquiring is a loop until the lock word reads 0: what follows depends on that read.
    add_control_deps(deps_of(old))


def spin_lock(lock: Any) -> None:
    """Acquire ``lock``, waiting while another CPU holds it."""
    _acquire(lock, "spin_lock")


def spin_unlock(lock: Any) -> None:
    """Release ``lock`` (a release store of 0)."""
    loc, deps = where(lock)
    issue(Op("W", loc=loc, value=0, tags=frozenset({"UL"}), addr=deps,
             text=f"spin_unlock({loc})"))


def spin_trylock(lock: Any) -> Any:
    """Try once to acquire ``lock``; true on success."""
    loc, deps = where(lock)
    old = issue(Op("RMW", loc=loc, tags=LKR, wtags=LKW, ftags=LF, addr=deps,
                   update=lambda o: 1 if o == 0 else None, text=f"spin_trylock({loc})"))
    return old == 0


def spin_is_locked(lock: Any) -> Any:
    """Whether some CPU holds ``lock`` (herd: RL or RU)."""
    loc, deps = where(lock)
    return issue(Op("R", loc=loc, addr=deps, text=f"spin_is_locked({loc})",
                    vtags=lambda v: frozenset({"RL" if v else "RU"}))) != 0


def spin_lock_irq(lock: Any) -> None:
    local_irq_disable()
    _acquire(lock, "spin_lock_irq")


def spin_unlock_irq(lock: Any) -> None:
    spin_unlock(lock)
    local_irq_enable()


def spin_lock_irqsave(lock: Any) -> int:
    """Disable interrupts and acquire; returns the flags to restore (C passes them by name)."""
    flags = local_irq_save()
    _acquire(lock, "spin_lock_irqsave")
    return flags


def spin_unlock_irqrestore(lock: Any, flags: int) -> None:
    spin_unlock(lock)
    local_irq_restore(flags)


def spin_lock_bh(lock: Any) -> None:
    _acquire(lock, "spin_lock_bh")


def spin_unlock_bh(lock: Any) -> None:
    spin_unlock(lock)


def smp_mb__after_spinlock() -> None:
    """Full barrier after the preceding spin_lock() (herd: F[after-spinlock])."""
    issue(Op("F", tags=frozenset({"after-spinlock"}), text="smp_mb__after_spinlock()"))


def smp_mb__after_unlock_lock() -> None:
    """Full barrier from an unlock+lock pair (herd: F[after-unlock-lock])."""
    issue(Op("F", tags=frozenset({"after-unlock-lock"}), text="smp_mb__after_unlock_lock()"))


def assert_spin_locked(lock: Any) -> None:
    """lockdep-style check that this CPU holds ``lock``."""
    current()

__all__ = [
    "SpinLock",
    "spin_lock",
    "spin_unlock",
    "spin_trylock",
    "spin_is_locked",
    "spin_lock_irq",
    "spin_unlock_irq",
    "spin_lock_irqsave",
    "spin_unlock_irqrestore",
    "spin_lock_bh",
    "spin_unlock_bh",
    "smp_mb__after_spinlock",
    "smp_mb__after_unlock_lock",
    "assert_spin_locked",
]
