"""<linux/rwsem.h>: reader-writer semaphores (``struct rw_semaphore``).

The same lock word and atomic operations as :mod:`smpcheck.kernel.rwlock` (the
kernel's rwsem.c: atomic_long_add_return_acquire() of a reader,
atomic_long_try_cmpxchg_acquire() of a writer from 0, release operations to
give them back); waiters sleep instead of spinning, which is the same await.
Taking one with preemption or interrupts disabled, or in an RCU read-side
critical section, is reported (might_sleep()).
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import RELEASE, where
from smpcheck._rt.runtime import Op, issue
from smpcheck.kernel.rwlock import WRITER, _read_unlock, _reader, _take, _writer
from smpcheck.kernel.sleep import might_sleep
from smpcheck.model.objects import Field

__smp_engine__ = True


def RwSemaphore() -> Field:  # noqa: N802 - a declaration
    """Declare a ``struct rw_semaphore`` field or variable (unlocked)."""
    return Field(0, "rwsem")


def down_read(sem: Any) -> None:
    """Take ``sem`` for reading, sleeping while a writer holds it."""
    might_sleep("down_read")
    _take(sem, _reader, "down_read", True)


def up_read(sem: Any) -> None:
    """Drop a read hold (release)."""
    _read_unlock(sem, "up_read")


def down_write(sem: Any) -> None:
    """Take ``sem`` for writing, sleeping while anyone holds it."""
    might_sleep("down_write")
    _take(sem, _writer, "down_write", True)


def up_write(sem: Any) -> None:
    """Drop the write hold (release)."""
    loc, deps = where(sem)
    issue(Op("RMW", loc=loc, tags=RELEASE | {"RMW"}, wtags=RELEASE | {"RMW"}, addr=deps,
             update=lambda o: 0, text=f"up_write({loc})"))


def down_read_trylock(sem: Any) -> Any:
    """Try once to take ``sem`` for reading; true on success."""
    return _take(sem, _reader, "down_read_trylock", False) >= 0


def down_write_trylock(sem: Any) -> Any:
    """Try once to take ``sem`` for writing; true on success."""
    return _take(sem, _writer, "down_write_trylock", False) == 0


def downgrade_write(sem: Any) -> None:
    """Turn the write hold into a read hold, letting other readers in (release)."""
    loc, deps = where(sem)
    issue(Op("RMW", loc=loc, tags=RELEASE | {"RMW"}, wtags=RELEASE | {"RMW"}, addr=deps,
             update=lambda o: 1 if o == WRITER else o, text=f"downgrade_write({loc})"))


__all__ = [
    "RwSemaphore",
    "down_read",
    "up_read",
    "down_write",
    "up_write",
    "down_read_trylock",
    "down_write_trylock",
    "downgrade_write",
]
