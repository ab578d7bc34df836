"""<linux/seqlock.h>: sequence counters (``seqcount_t``) and sequential locks (``seqlock_t``).

A sequence counter is one location holding the count (declare it ``SeqCount()``);
a writer makes it odd for the length of its update, and a reader retries when
the count was odd or changed.  Built from the kernel's own events, as
include/linux/seqlock.h writes them:

* write_seqcount_begin(s): ``WRITE_ONCE(s, s + 1); smp_wmb()`` (the writer reads
  its own count first: writers are serialized by the caller, as in the kernel);
* write_seqcount_end(s): ``smp_wmb(); WRITE_ONCE(s, s + 1)``;
* read_seqcount_begin(s): waits while the count is odd (an await on a
  READ_ONCE, as the kernel's cpu_relax() loop), then ``smp_rmb()``, and returns
  the count; raw_read_seqcount(s) reads it once without waiting;
* read_seqcount_retry(s, start): ``smp_rmb()``, then whether READ_ONCE(s) differs
  from ``start``.

A ``seqlock_t`` (``class seqlock_t(Struct)``: ``seqcount`` and a spinlock ``lock``)
takes its lock around the writer's sequence: write_seqlock() is spin_lock() then
write_seqcount_begin(); read_seqbegin()/read_seqretry() are the counter's.

Deviation: the kernel's writer increments with a plain ``s->sequence++`` (KCSAN is
told it is atomic); here it is WRITE_ONCE, so that the LKMM sees no data race
between a writer and the READ_ONCE of a reader, as the kernel intends.
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.loops import smp_addr
from smpcheck._rt.ops import ONCE, await_load, load, store
from smpcheck.kernel.barrier import smp_rmb, smp_wmb
from smpcheck.kernel.spinlock import (
    SpinLock,
    spin_lock,
    spin_lock_irqsave,
    spin_unlock,
    spin_unlock_irqrestore,
)
from smpcheck.model.objects import Field, Struct

__smp_engine__ = True


def SeqCount() -> Field:  # noqa: N802 - a declaration
    """Declare a ``seqcount_t`` field or variable (count 0)."""
    return Field(0, "seqcount")


class seqlock_t(Struct):  # noqa: N801 - the kernel's type name
    """``seqlock_t``: a sequence counter and the spinlock that serializes its writers."""

    seqcount = SeqCount()
    lock = SpinLock()


def seqcount_init(s: Any) -> None:
    """Set the count to 0 (``s->sequence = 0``, marked here)."""
    store(s, 0, ONCE, "seqcount_init")


def _bump(s: Any, name: str) -> None:
    count = load(s, ONCE, name)
    store(s, count + 1, ONCE, name)  # (the new count depends on the one read)


def write_seqcount_begin(s: Any) -> None:
    """Enter a write section: the count becomes odd, then smp_wmb()."""
    _bump(s, "write_seqcount_begin")
    smp_wmb()


def write_seqcount_end(s: Any) -> None:
    """Leave a write section: smp_wmb(), then the count becomes even."""
    smp_wmb()
    _bump(s, "write_seqcount_end")


def raw_read_seqcount(s: Any) -> Any:
    """Read the count once (even or odd), then smp_rmb()."""
    count = load(s, ONCE, "raw_read_seqcount")
    smp_rmb()
    return count


def read_seqcount_begin(s: Any) -> Any:
    """Wait until no writer is in its section (an even count), smp_rmb(), return the count."""
    count = await_load(s, ONCE, lambda v: v % 2 == 0, "read_seqcount_begin({loc})")
    smp_rmb()
    return count


def read_seqcount_retry(s: Any, start: Any) -> Any:
    """smp_rmb(), then whether the count moved since ``start`` (the reader must retry;
    a tracked value: a branch on it depends on the reads)."""
    smp_rmb()
    return load(s, ONCE, "read_seqcount_retry") != start


def _member(sl: Any, name: str) -> Any:
    """``&sl->name``, keeping the address dependency of ``sl``."""
    return smp_addr(sl, name)


def seqlock_init(sl: Any) -> None:
    """Reset a seqlock_t: count 0, lock released."""
    seqcount_init(_member(sl, "seqcount"))
    store(_member(sl, "lock"), 0, ONCE, "seqlock_init")


def write_seqlock(sl: Any) -> None:
    """spin_lock(&sl->lock), then write_seqcount_begin(&sl->seqcount)."""
    spin_lock(_member(sl, "lock"))
    write_seqcount_begin(_member(sl, "seqcount"))


def write_sequnlock(sl: Any) -> None:
    """write_seqcount_end(&sl->seqcount), then spin_unlock(&sl->lock)."""
    write_seqcount_end(_member(sl, "seqcount"))
    spin_unlock(_member(sl, "lock"))


def write_seqlock_irqsave(sl: Any) -> int:
    """write_seqlock() with interrupts disabled; returns the flags to restore."""
    flags = spin_lock_irqsave(_member(sl, "lock"))
    write_seqcount_begin(_member(sl, "seqcount"))
    return flags


def write_sequnlock_irqrestore(sl: Any, flags: int) -> None:
    write_seqcount_end(_member(sl, "seqcount"))
    spin_unlock_irqrestore(_member(sl, "lock"), flags)


def read_seqbegin(sl: Any) -> Any:
    """read_seqcount_begin(&sl->seqcount)."""
    return read_seqcount_begin(_member(sl, "seqcount"))


def read_seqretry(sl: Any, start: Any) -> Any:
    """read_seqcount_retry(&sl->seqcount, start)."""
    return read_seqcount_retry(_member(sl, "seqcount"), start)


__all__ = [
    "SeqCount",
    "seqlock_t",
    "seqcount_init",
    "write_seqcount_begin",
    "write_seqcount_end",
    "raw_read_seqcount",
    "read_seqcount_begin",
    "read_seqcount_retry",
    "seqlock_init",
    "write_seqlock",
    "write_sequnlock",
    "write_seqlock_irqsave",
    "write_sequnlock_irqrestore",
    "read_seqbegin",
    "read_seqretry",
]
