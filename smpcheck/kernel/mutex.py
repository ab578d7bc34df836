"""<linux/mutex.h>: sleeping locks.

The LKMM has no mutex; a mutex here is a lock word like a spinlock (its
acquisition an acquire, its release a release), whose waiters sleep instead
of spinning: the same await.  Taking one with preemption or interrupts
disabled, or in an RCU read-side critical section, is reported.
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel.sleep import might_sleep
from smpcheck.kernel.spinlock import _acquire, spin_trylock, spin_unlock
from smpcheck.model.objects import Field

__smp_engine__ = True


def Mutex() -> Field:  # noqa: N802 - a declaration
    """Declare a ``struct mutex`` field or variable (unlocked)."""
    return Field(0, "mutex")


def mutex_lock(lock: Any) -> None:
    might_sleep("mutex_lock")
    _acquire(lock, "mutex_lock")


def mutex_unlock(lock: Any) -> None:
    spin_unlock(lock)


def mutex_trylock(lock: Any) -> Any:
    return spin_trylock(lock)

__all__ = [
    "Mutex",
    "mutex_lock",
    "mutex_unlock",
    "mutex_trylock",
]
