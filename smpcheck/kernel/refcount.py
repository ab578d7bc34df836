"""<linux/refcount.h>: ``refcount_t``, a reference count with the kernel's orderings.

Built from atomic_t operations, as include/linux/refcount.h does and
Documentation/atomic_t.txt and the header's comments state the orderings:

* refcount_set(), refcount_read(): atomic_set(), atomic_read() (unordered);
* refcount_inc(), refcount_add(): relaxed increments (no ordering); one that
  finds the count 0 warns, as the kernel does ("addition on 0; use-after-free");
* refcount_inc_not_zero(), refcount_add_not_zero(): a relaxed cmpxchg loop that does
  not increment 0; no ordering, only the control dependency of the caller's
  branch on the result (the header: "it does provide a control dependency");
* refcount_dec_and_test(), refcount_sub_and_test(): release ordering, plus acquire
  ordering when it returns true: atomic_fetch_sub_release(), then, on reaching
  0, smp_acquire__after_ctrl_dep() (a control dependency and smp_rmb(), which the
  LKMM reads as the acquire the kernel documents);
* refcount_dec(): release; one that reaches 0 warns ("decrement hit 0; leaking memory").

Deviation: the kernel saturates a count that overflows or underflows (and warns);
here the count goes on and a decrement below 0 warns.
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ONCE, rmw
from smpcheck._rt.runtime import Op, ctrl_restore, ctrl_save, warn
from smpcheck.kernel.atomic import (
    atomic_fetch_add_relaxed,
    atomic_fetch_sub_release,
    atomic_read,
    atomic_set,
)
from smpcheck.kernel.barrier import smp_rmb
from smpcheck.model.objects import Field
from smpcheck.model.values import raw

__smp_engine__ = True


def RefCount(n: int = 1) -> Field:  # noqa: N802 - a declaration
    """Declare a ``refcount_t`` field or variable (``REFCOUNT_INIT(n)``)."""
    return Field(n, "refcount")


def refcount_set(r: Any, n: Any) -> None:
    """Set the count (atomic_set: unordered)."""
    atomic_set(r, n)


def refcount_read(r: Any) -> Any:
    """The count (atomic_read: unordered)."""
    return atomic_read(r)


def _warn(message: str) -> None:
    warn(Op("WARN", message=f"refcount_t: {message}"))


def refcount_add(i: Any, r: Any) -> None:
    """Add ``i`` (relaxed); warns when the count was 0."""
    if raw(atomic_fetch_add_relaxed(i, r)) == 0:
        _warn("addition on 0; use-after-free.")


def refcount_inc(r: Any) -> None:
    """refcount_add(1, r)."""
    refcount_add(1, r)


def refcount_add_not_zero(i: Any, r: Any, name: str = "refcount_add_not_zero") -> Any:
    """Add ``i`` unless the count is 0; true if it added.  No ordering (relaxed): only
    the control dependency of a branch on the result."""
    add = raw(i)
    old = rmw(r, lambda o: None if o == 0 else o + add, ONCE, name, (i,), ftags=ONCE)
    return old != 0


def refcount_inc_not_zero(r: Any) -> Any:
    """refcount_add_not_zero(1, r)."""
    return refcount_add_not_zero(1, r, "refcount_inc_not_zero")


def refcount_sub_and_test(i: Any, r: Any) -> Any:
    """Subtract ``i`` with release ordering; true (and then acquire ordering) when the
    count reached 0: the caller may free the object."""
    old = atomic_fetch_sub_release(i, r)
    saved = ctrl_save()
    reached = old == i
    if reached:  # (a branch on the read: a control dependency, in this scope only)
        smp_rmb()  # smp_acquire__after_ctrl_dep()
    ctrl_restore(saved)
    if raw(old) < raw(i):
        _warn("underflow; use-after-free.")
    return reached


def refcount_dec_and_test(r: Any) -> Any:
    """refcount_sub_and_test(1, r)."""
    return refcount_sub_and_test(1, r)


def refcount_dec(r: Any) -> None:
    """Decrement with release ordering; warns when the count reaches 0 (a leak)."""
    old = raw(atomic_fetch_sub_release(1, r))
    if old == 1:
        _warn("decrement hit 0; leaking memory.")
    elif old < 1:
        _warn("underflow; use-after-free.")


__all__ = [
    "RefCount",
    "refcount_set",
    "refcount_read",
    "refcount_add",
    "refcount_inc",
    "refcount_add_not_zero",
    "refcount_inc_not_zero",
    "refcount_sub_and_test",
    "refcount_dec_and_test",
    "refcount_dec",
]
