"""<linux/rwlock.h>: reader-writer spinlocks (``rwlock_t``), as the kernel's qrwlock.

A lock word counts its readers, or is -1 while a writer holds it (declare it
``RwLock()``).  The LKMM defines no rwlock; these are the atomic operations of
kernel/locking/qrwlock.c and asm-generic/qrwlock.h, each one RMW:

* read_lock(): atomic_add_return_acquire() of a reader, waiting (an await) while a
  writer holds the lock; read_unlock(): atomic_sub_return_release();
* write_lock(): atomic_cmpxchg_acquire() from 0 (no reader, no writer), waiting
  while it is held; write_unlock(): smp_store_release() of 0;
* read_trylock()/write_trylock(): one attempt; a failure writes and orders nothing.

A wait no release can end is a deadlock, as for spinlocks.  The _irq/_irqsave/_bh
forms also change the CPU's interrupt state.  Deviation: qrwlock lets a reader in
interrupt context in while a writer waits; here readers and writers are served in
whatever order the executions allow.
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ACQUIRE, ONCE, RELEASE, store, where
from smpcheck._rt.runtime import BLOCK, Op, add_control_deps, issue
from smpcheck.kernel.irqflags import (
    local_irq_disable,
    local_irq_enable,
    local_irq_restore,
    local_irq_save,
)
from smpcheck.model.objects import Field
from smpcheck.model.values import deps_of

__smp_engine__ = True

WRITER = -1  # the lock word while a writer holds it


def RwLock() -> Field:  # noqa: N802 - a declaration
    """Declare an ``rwlock_t`` field or variable (unlocked)."""
    return Field(0, "rwlock")


def _take(lock: Any, update: Any, name: str, wait: bool) -> Any:
    """One RMW on the lock word: acquire ordering when it takes the lock; with ``wait``,
    an await while ``update`` refuses; without, a failure writes nothing."""
    loc, deps = where(lock)

    def attempt(o: Any) -> Any:
        new = update(o)
        return new if new is not None else BLOCK if wait else None

    old = issue(Op("RMW", loc=loc, tags=ACQUIRE | {"RMW"}, wtags=ACQUIRE | {"RMW"},
                   ftags=ONCE | {"RMW"}, addr=deps, text=f"{name}({loc})", update=attempt))
    if wait:  # (what follows depends on the read that let the CPU in)
        add_control_deps(deps_of(old))
    return old


def _reader(o: Any) -> Any:
    return o + 1 if o >= 0 else None


def _writer(o: Any) -> Any:
    return WRITER if o == 0 else None


def _read_unlock(lock: Any, name: str) -> None:
    loc, deps = where(lock)
    issue(Op("RMW", loc=loc, tags=RELEASE | {"RMW"}, wtags=RELEASE | {"RMW"}, addr=deps,
             update=lambda o: o - 1, text=f"{name}({loc})"))


def read_lock(lock: Any) -> None:
    """Take ``lock`` for reading, waiting while a writer holds it."""
    _take(lock, _reader, "read_lock", True)


def read_unlock(lock: Any) -> None:
    """Drop a read hold (release)."""
    _read_unlock(lock, "read_unlock")


def write_lock(lock: Any) -> None:
    """Take ``lock`` for writing, waiting while anyone holds it."""
    _take(lock, _writer, "write_lock", True)


def write_unlock(lock: Any) -> None:
    """Drop the write hold (a release store of 0)."""
    store(lock, 0, RELEASE, "write_unlock")


def read_trylock(lock: Any) -> Any:
    """Try once to take ``lock`` for reading; true on success."""
    return _take(lock, _reader, "read_trylock", False) >= 0


def write_trylock(lock: Any) -> Any:
    """Try once to take ``lock`` for writing; true on success."""
    return _take(lock, _writer, "write_trylock", False) == 0


def read_lock_irq(lock: Any) -> None:
    local_irq_disable()
    read_lock(lock)


def read_unlock_irq(lock: Any) -> None:
    read_unlock(lock)
    local_irq_enable()


def write_lock_irq(lock: Any) -> None:
    local_irq_disable()
    write_lock(lock)


def write_unlock_irq(lock: Any) -> None:
    write_unlock(lock)
    local_irq_enable()


def read_lock_irqsave(lock: Any) -> int:
    flags = local_irq_save()
    read_lock(lock)
    return flags


def read_unlock_irqrestore(lock: Any, flags: int) -> None:
    read_unlock(lock)
    local_irq_restore(flags)


def write_lock_irqsave(lock: Any) -> int:
    flags = local_irq_save()
    write_lock(lock)
    return flags


def write_unlock_irqrestore(lock: Any, flags: int) -> None:
    write_unlock(lock)
    local_irq_restore(flags)


read_lock_bh = read_lock
read_unlock_bh = read_unlock
write_lock_bh = write_lock
write_unlock_bh = write_unlock

__all__ = [
    "RwLock",
    "read_lock",
    "read_unlock",
    "write_lock",
    "write_unlock",
    "read_trylock",
    "write_trylock",
    "read_lock_irq",
    "read_unlock_irq",
    "write_lock_irq",
    "write_unlock_irq",
    "read_lock_irqsave",
    "read_unlock_irqrestore",
    "write_lock_irqsave",
    "write_unlock_irqrestore",
    "read_lock_bh",
    "read_unlock_bh",
    "write_lock_bh",
    "write_unlock_bh",
]
