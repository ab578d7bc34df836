"""<linux/atomic.h>: ``atomic64_t``, every atomic_t operation on a 64-bit counter.

The model's locations have no width, so each ``atomic64_*`` is its ``atomic_*``
counterpart (the same events and orderings, Documentation/atomic_t.txt) under its
own name: made by the same factories (:data:`smpcheck.kernel.atomic.MADE`), so
that reports show the name the model called.
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel import atomic as _atomic

__smp_engine__ = True


def _sixty_four(name: str) -> str:
    return "atomic64_" + name.removeprefix("atomic_")


_made = {_sixty_four(name): factory(_sixty_four(name), *args)
         for name, (factory, args) in _atomic.MADE.items()
         if name.startswith("atomic_") and not name.startswith("atomic_long_")}
globals().update(_made)


def _try(name: str) -> Any:
    return _atomic._try(_made[name])


atomic64_try_cmpxchg = _try("atomic64_cmpxchg")
atomic64_try_cmpxchg_relaxed = _try("atomic64_cmpxchg_relaxed")
atomic64_try_cmpxchg_acquire = _try("atomic64_cmpxchg_acquire")
atomic64_try_cmpxchg_release = _try("atomic64_cmpxchg_release")


def atomic64_dec_and_test(v: Any) -> Any:
    """Fully ordered decrement; true when the counter reached zero."""
    return _made["atomic64_dec_return"](v) == 0


def atomic64_inc_and_test(v: Any) -> Any:
    return _made["atomic64_inc_return"](v) == 0


def atomic64_sub_and_test(i: Any, v: Any) -> Any:
    return _made["atomic64_sub_return"](i, v) == 0


def atomic64_add_negative(i: Any, v: Any) -> Any:
    return _made["atomic64_add_return"](i, v) < 0


def atomic64_add_unless(v: Any, a: Any, u: Any) -> Any:
    """Add ``a`` unless the counter is ``u``; true if it added (fully ordered then)."""
    return _atomic.add_unless(v, a, u, "atomic64_add_unless")


def atomic64_inc_not_zero(v: Any) -> Any:
    return atomic64_add_unless(v, 1, 0)


__all__ = [*_made, "atomic64_try_cmpxchg", "atomic64_try_cmpxchg_relaxed",
           "atomic64_try_cmpxchg_acquire", "atomic64_try_cmpxchg_release",
           "atomic64_dec_and_test", "atomic64_inc_and_test", "atomic64_sub_and_test",
           "atomic64_add_negative", "atomic64_add_unless", "atomic64_inc_not_zero"]
