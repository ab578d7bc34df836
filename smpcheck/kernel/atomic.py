"""<linux/atomic.h> and <asm/cmpxchg.h>: atomic_t operations, xchg and cmpxchg.

Orderings follow the kernel (and linux-kernel.def): the plain name is fully
ordered when it returns a value, ``_relaxed`` is unordered, ``_acquire`` and
``_release`` order one side; value-less operations (``atomic_inc``) are
unordered (herd tag NORETURN).  A failed cmpxchg writes nothing and orders
nothing.  The value a cmpxchg compares with (``old``; atomic_add_unless()'s ``u``)
is no dependency of its write, as herd7 has it: only the value written (and the
address) carry one.  (Load buffering where a READ_ONCE() feeds only a
cmpxchg_relaxed()'s ``old`` is Sometimes under herd7.)

Deviation: C's ``atomic_try_cmpxchg(v, &old, new)`` updates ``old`` in place;
here it returns ``(ok, old)``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from smpcheck._rt.ops import ACQUIRE as _ACQ
from smpcheck._rt.ops import (
    MB,
    NORETURN,
    ORDERINGS,
    add_unless_rmw,
    cmpxchg_rmw,
    load,
    rmw,
    store,
    xchg_rmw,
)
from smpcheck._rt.ops import ONCE as _ONCE
from smpcheck._rt.ops import RELEASE as _REL
from smpcheck.model.values import raw

__smp_engine__ = True

Fn = Callable[..., Any]

# Each operation made below by a factory: its name -> (factory, arguments but the name),
# so that atomic64_t's (smpcheck.kernel.atomic64) are the same under their own names.
MADE: dict[str, tuple[Callable[..., Fn], tuple[Any, ...]]] = {}


def _recorded(factory: Callable[..., Fn]) -> Callable[..., Fn]:
    def make(name: str, *args: Any, **kw: Any) -> Fn:
        MADE[name] = (factory, args + tuple(kw.values()))
        return factory(name, *args, **kw)

    return make


@_recorded
def _reader(name: str, tags: frozenset[str], doc: str) -> Fn:
    def read(v: Any) -> Any:
        return load(v, tags, name)

    read.__name__, read.__doc__ = name, doc
    return read


@_recorded
def _setter(name: str, tags: frozenset[str], doc: str) -> Fn:
    def set_(v: Any, i: Any) -> None:
        store(v, i, tags, name)

    set_.__name__, set_.__doc__ = name, doc
    return set_


atomic_read = _reader("atomic_read", _ONCE, "READ_ONCE of the counter.")
atomic_set = _setter("atomic_set", _ONCE, "WRITE_ONCE of the counter.")
atomic_read_acquire = _reader("atomic_read_acquire", _ACQ, "An acquire load of the counter.")
atomic_set_release = _setter("atomic_set_release", _REL, "A release store of the counter.")


@_recorded
def _noreturn(name: str, op: Callable[[Any, Any], Any], unary: bool = False) -> Fn:
    if unary:
        def f1(v: Any) -> None:
            rmw(v, lambda old: op(old, 1), NORETURN, name)
        f1.__name__ = name
        return f1

    def f2(i: Any, v: Any) -> None:
        rmw(v, lambda old: op(old, raw(i)), NORETURN, name, (i,))
    f2.__name__ = name
    return f2


@_recorded
def _returning(name: str, op: Callable[[Any, Any], Any], tags: frozenset[str],
               fetch: bool, unary: bool = False) -> Fn:
    """atomic_*_return (new value) or atomic_fetch_* (old value)."""
    if unary:
        def f1(v: Any) -> Any:
            old = rmw(v, lambda o: op(o, 1), tags, name)
            return old if fetch else op(old, 1)
        f1.__name__ = name
        return f1

    def f2(i: Any, v: Any) -> Any:
        old = rmw(v, lambda o: op(o, raw(i)), tags, name, (i,))
        return old if fetch else op(old, i)
    f2.__name__ = name
    return f2


def andnot(a: Any, b: Any) -> Any:
    """``a & ~b``: what atomic_andnot() and its kin write (the one definition: the
    litmus macros and a .def file's ``&~`` use it)."""
    return a & ~b


atomic_add = _noreturn("atomic_add", operator.add)
atomic_sub = _noreturn("atomic_sub", operator.sub)
atomic_and = _noreturn("atomic_and", operator.and_)
atomic_or = _noreturn("atomic_or", operator.or_)
atomic_xor = _noreturn("atomic_xor", operator.xor)
atomic_andnot = _noreturn("atomic_andnot", andnot)
atomic_inc = _noreturn("atomic_inc", operator.add, unary=True)
atomic_dec = _noreturn("atomic_dec", operator.sub, unary=True)

_S = ORDERINGS
atomic_add_return = _returning("atomic_add_return", operator.add, _S[""], False)
atomic_add_return_relaxed = _returning("atomic_add_return_relaxed", operator.add,
                                       _S["_relaxed"], False)
atomic_add_return_acquire = _returning("atomic_add_return_acquire", operator.add,
                                       _S["_acquire"], False)
atomic_add_return_release = _returning("atomic_add_return_release", operator.add,
                                       _S["_release"], False)
atomic_sub_return = _returning("atomic_sub_return", operator.sub, _S[""], False)
atomic_sub_return_relaxed = _returning("atomic_sub_return_relaxed", operator.sub,
                                       _S["_relaxed"], False)
atomic_sub_return_acquire = _returning("atomic_sub_return_acquire", operator.sub,
                                       _S["_acquire"], False)
atomic_sub_return_release = _returning("atomic_sub_return_release", operator.sub,
                                       _S["_release"], False)
atomic_inc_return = _returning("atomic_inc_return", operator.add, _S[""], False, True)
atomic_inc_return_relaxed = _returning("atomic_inc_return_relaxed", operator.add,
                                       _S["_relaxed"], False, True)
atomic_inc_return_acquire = _returning("atomic_inc_return_acquire", operator.add,
                                       _S["_acquire"], False, True)
atomic_inc_return_release = _returning("atomic_inc_return_release", operator.add,
                                       _S["_release"], False, True)
atomic_dec_return = _returning("atomic_dec_return", operator.sub, _S[""], False, True)
atomic_dec_return_relaxed = _returning("atomic_dec_return_relaxed", operator.sub,
                                       _S["_relaxed"], False, True)
atomic_dec_return_acquire = _returning("atomic_dec_return_acquire", operator.sub,
                                       _S["_acquire"], False, True)
atomic_dec_return_release = _returning("atomic_dec_return_release", operator.sub,
                                       _S["_release"], False, True)

atomic_fetch_add = _returning("atomic_fetch_add", operator.add, _S[""], True)
atomic_fetch_add_relaxed = _returning("atomic_fetch_add_relaxed", operator.add,
                                      _S["_relaxed"], True)
atomic_fetch_add_acquire = _returning("atomic_fetch_add_acquire", operator.add,
                                      _S["_acquire"], True)
atomic_fetch_add_release = _returning("atomic_fetch_add_release", operator.add,
                                      _S["_release"], True)
atomic_fetch_sub = _returning("atomic_fetch_sub", operator.sub, _S[""], True)
atomic_fetch_sub_relaxed = _returning("atomic_fetch_sub_relaxed", operator.sub,
                                      _S["_relaxed"], True)
atomic_fetch_sub_acquire = _returning("atomic_fetch_sub_acquire", operator.sub,
                                      _S["_acquire"], True)
atomic_fetch_sub_release = _returning("atomic_fetch_sub_release", operator.sub,
                                      _S["_release"], True)
atomic_fetch_inc = _returning("atomic_fetch_inc", operator.add, _S[""], True, True)
atomic_fetch_inc_relaxed = _returning("atomic_fetch_inc_relaxed", operator.add,
                                      _S["_relaxed"], True, True)
atomic_fetch_dec = _returning("atomic_fetch_dec", operator.sub, _S[""], True, True)
atomic_fetch_dec_relaxed = _returning("atomic_fetch_dec_relaxed", operator.sub,
                                      _S["_relaxed"], True, True)
atomic_fetch_and = _returning("atomic_fetch_and", operator.and_, _S[""], True)
atomic_fetch_or = _returning("atomic_fetch_or", operator.or_, _S[""], True)
atomic_fetch_xor = _returning("atomic_fetch_xor", operator.xor, _S[""], True)
atomic_fetch_andnot = _returning("atomic_fetch_andnot", andnot, _S[""], True)
atomic_fetch_inc_acquire = _returning("atomic_fetch_inc_acquire",
                                      operator.add, _S["_acquire"], True, True)
atomic_fetch_inc_release = _returning("atomic_fetch_inc_release",
                                      operator.add, _S["_release"], True, True)
atomic_fetch_dec_acquire = _returning("atomic_fetch_dec_acquire",
                                      operator.sub, _S["_acquire"], True, True)
atomic_fetch_dec_release = _returning("atomic_fetch_dec_release",
                                      operator.sub, _S["_release"], True, True)
atomic_fetch_and_relaxed = _returning("atomic_fetch_and_relaxed",
                                      operator.and_, _S["_relaxed"], True)
atomic_fetch_and_acquire = _returning("atomic_fetch_and_acquire",
                                      operator.and_, _S["_acquire"], True)
atomic_fetch_and_release = _returning("atomic_fetch_and_release",
                                      operator.and_, _S["_release"], True)
atomic_fetch_or_relaxed = _returning("atomic_fetch_or_relaxed", operator.or_, _S["_relaxed"], True)
atomic_fetch_or_acquire = _returning("atomic_fetch_or_acquire", operator.or_, _S["_acquire"], True)
atomic_fetch_or_release = _returning("atomic_fetch_or_release", operator.or_, _S["_release"], True)
atomic_fetch_xor_relaxed = _returning("atomic_fetch_xor_relaxed",
                                      operator.xor, _S["_relaxed"], True)
atomic_fetch_xor_acquire = _returning("atomic_fetch_xor_acquire",
                                      operator.xor, _S["_acquire"], True)
atomic_fetch_xor_release = _returning("atomic_fetch_xor_release",
                                      operator.xor, _S["_release"], True)
atomic_fetch_andnot_relaxed = _returning("atomic_fetch_andnot_relaxed",
                                         andnot, _S["_relaxed"], True)
atomic_fetch_andnot_acquire = _returning("atomic_fetch_andnot_acquire",
                                         andnot, _S["_acquire"], True)
atomic_fetch_andnot_release = _returning("atomic_fetch_andnot_release",
                                         andnot, _S["_release"], True)


@_recorded
def _xchg(name: str, tags: frozenset[str]) -> Fn:
    def f(p: Any, new: Any) -> Any:
        return xchg_rmw(p, new, tags, name)
    f.__name__ = name
    return f


@_recorded
def _cmpxchg(name: str, tags: frozenset[str]) -> Fn:
    def f(p: Any, old: Any, new: Any) -> Any:
        return cmpxchg_rmw(p, old, new, tags, name)
    f.__name__ = name
    return f


xchg = _xchg("xchg", MB)
xchg_relaxed = _xchg("xchg_relaxed", _ONCE)
xchg_acquire = _xchg("xchg_acquire", _ACQ)
xchg_release = _xchg("xchg_release", _REL)
cmpxchg = _cmpxchg("cmpxchg", MB)
cmpxchg_relaxed = _cmpxchg("cmpxchg_relaxed", _ONCE)
cmpxchg_acquire = _cmpxchg("cmpxchg_acquire", _ACQ)
cmpxchg_release = _cmpxchg("cmpxchg_release", _REL)
atomic_xchg = _xchg("atomic_xchg", MB)
atomic_xchg_relaxed = _xchg("atomic_xchg_relaxed", _ONCE)
atomic_xchg_acquire = _xchg("atomic_xchg_acquire", _ACQ)
atomic_xchg_release = _xchg("atomic_xchg_release", _REL)
atomic_cmpxchg = _cmpxchg("atomic_cmpxchg", MB)
atomic_cmpxchg_relaxed = _cmpxchg("atomic_cmpxchg_relaxed", _ONCE)
atomic_cmpxchg_acquire = _cmpxchg("atomic_cmpxchg_acquire", _ACQ)
atomic_cmpxchg_release = _cmpxchg("atomic_cmpxchg_release", _REL)


def _try(cas: Fn) -> Fn:
    def f(v: Any, old: Any, new: Any) -> tuple[bool, Any]:
        cur = cas(v, old, new)
        return bool(cur == old), cur
    f.__name__ = "try_" + cas.__name__
    return f


atomic_try_cmpxchg = _try(atomic_cmpxchg)
atomic_try_cmpxchg_relaxed = _try(atomic_cmpxchg_relaxed)
atomic_try_cmpxchg_acquire = _try(atomic_cmpxchg_acquire)
atomic_try_cmpxchg_release = _try(atomic_cmpxchg_release)
try_cmpxchg = _try(cmpxchg)


# atomic_long_t (<linux/atomic/atomic-long.h>): the same operations on a long; the
# model's locations have no width, so each is its atomic_t counterpart under its own name.
atomic_long_read = _reader("atomic_long_read", _ONCE, "READ_ONCE of the long.")
atomic_long_set = _setter("atomic_long_set", _ONCE, "WRITE_ONCE of the long.")
atomic_long_read_acquire = _reader("atomic_long_read_acquire", _ACQ,
                                   "An acquire load of the long.")
atomic_long_set_release = _setter("atomic_long_set_release", _REL,
                                  "A release store of the long.")


atomic_long_cmpxchg = _cmpxchg("atomic_long_cmpxchg", MB)
atomic_long_cmpxchg_relaxed = _cmpxchg("atomic_long_cmpxchg_relaxed", _ONCE)
atomic_long_cmpxchg_acquire = _cmpxchg("atomic_long_cmpxchg_acquire", _ACQ)
atomic_long_cmpxchg_release = _cmpxchg("atomic_long_cmpxchg_release", _REL)
atomic_long_try_cmpxchg = _try(atomic_long_cmpxchg)
atomic_long_try_cmpxchg_relaxed = _try(atomic_long_cmpxchg_relaxed)
atomic_long_try_cmpxchg_acquire = _try(atomic_long_cmpxchg_acquire)
atomic_long_try_cmpxchg_release = _try(atomic_long_cmpxchg_release)
# cmpxchg64(): cmpxchg() of a u64 (fully ordered); the same without widths.
cmpxchg64 = _cmpxchg("cmpxchg64", MB)


def atomic_dec_and_test(v: Any) -> Any:
    """Fully ordered decrement; true when the counter reached zero."""
    return atomic_dec_return(v) == 0


def atomic_inc_and_test(v: Any) -> Any:
    return atomic_inc_return(v) == 0


def atomic_sub_and_test(i: Any, v: Any) -> Any:
    return atomic_sub_return(i, v) == 0


def atomic_add_negative(i: Any, v: Any) -> Any:
    return atomic_add_return(i, v) < 0


def atomic_add_negative_relaxed(i: Any, v: Any) -> Any:
    return atomic_add_return_relaxed(i, v) < 0


def atomic_add_negative_acquire(i: Any, v: Any) -> Any:
    return atomic_add_return_acquire(i, v) < 0


def atomic_add_negative_release(i: Any, v: Any) -> Any:
    return atomic_add_return_release(i, v) < 0


def atomic_add_unless(v: Any, a: Any, u: Any) -> Any:
    """Add ``a`` unless the counter is ``u``; true if it added (fully ordered then)."""
    return add_unless(v, a, u, "atomic_add_unless")


def add_unless(v: Any, a: Any, u: Any, name: str) -> Any:
    """atomic_add_unless() and atomic64_add_unless(), named ``name``."""
    old = add_unless_rmw(v, a, u, MB, name)
    return old != u


def atomic_inc_not_zero(v: Any) -> Any:
    return atomic_add_unless(v, 1, 0)

__all__ = [
    "atomic_read",
    "atomic_set",
    "atomic_read_acquire",
    "atomic_set_release",
    "atomic_add",
    "atomic_sub",
    "atomic_and",
    "atomic_or",
    "atomic_xor",
    "atomic_andnot",
    "atomic_inc",
    "atomic_dec",
    "atomic_add_return",
    "atomic_add_return_relaxed",
    "atomic_add_return_acquire",
    "atomic_add_return_release",
    "atomic_sub_return",
    "atomic_sub_return_relaxed",
    "atomic_sub_return_acquire",
    "atomic_sub_return_release",
    "atomic_inc_return",
    "atomic_inc_return_relaxed",
    "atomic_inc_return_acquire",
    "atomic_inc_return_release",
    "atomic_dec_return",
    "atomic_dec_return_relaxed",
    "atomic_dec_return_acquire",
    "atomic_dec_return_release",
    "atomic_fetch_add",
    "atomic_fetch_add_relaxed",
    "atomic_fetch_add_acquire",
    "atomic_fetch_add_release",
    "atomic_fetch_sub",
    "atomic_fetch_sub_relaxed",
    "atomic_fetch_sub_acquire",
    "atomic_fetch_sub_release",
    "atomic_fetch_inc",
    "atomic_fetch_inc_relaxed",
    "atomic_fetch_dec",
    "atomic_fetch_dec_relaxed",
    "atomic_fetch_and",
    "atomic_fetch_or",
    "atomic_fetch_xor",
    "atomic_fetch_andnot",
    "xchg",
    "xchg_relaxed",
    "xchg_acquire",
    "xchg_release",
    "cmpxchg",
    "cmpxchg_relaxed",
    "cmpxchg_acquire",
    "cmpxchg_release",
    "atomic_xchg",
    "atomic_xchg_relaxed",
    "atomic_xchg_acquire",
    "atomic_xchg_release",
    "atomic_cmpxchg",
    "atomic_cmpxchg_relaxed",
    "atomic_cmpxchg_acquire",
    "atomic_cmpxchg_release",
    "atomic_try_cmpxchg",
    "atomic_try_cmpxchg_relaxed",
    "atomic_try_cmpxchg_acquire",
    "atomic_try_cmpxchg_release",
    "try_cmpxchg",
    "atomic_dec_and_test",
    "atomic_inc_and_test",
    "atomic_sub_and_test",
    "atomic_add_negative",
    "atomic_add_unless",
    "atomic_inc_not_zero",
    "atomic_fetch_inc_acquire",
    "atomic_fetch_inc_release",
    "atomic_fetch_dec_acquire",
    "atomic_fetch_dec_release",
    "atomic_fetch_and_relaxed",
    "atomic_fetch_and_acquire",
    "atomic_fetch_and_release",
    "atomic_fetch_or_relaxed",
    "atomic_fetch_or_acquire",
    "atomic_fetch_or_release",
    "atomic_fetch_xor_relaxed",
    "atomic_fetch_xor_acquire",
    "atomic_fetch_xor_release",
    "atomic_fetch_andnot_relaxed",
    "atomic_fetch_andnot_acquire",
    "atomic_fetch_andnot_release",
    "atomic_add_negative_relaxed",
    "atomic_add_negative_acquire",
    "atomic_add_negative_release",
    "atomic_long_read",
    "atomic_long_set",
    "atomic_long_read_acquire",
    "atomic_long_set_release",
    "atomic_long_cmpxchg",
    "atomic_long_cmpxchg_relaxed",
    "atomic_long_cmpxchg_acquire",
    "atomic_long_cmpxchg_release",
    "atomic_long_try_cmpxchg",
    "atomic_long_try_cmpxchg_relaxed",
    "atomic_long_try_cmpxchg_acquire",
    "atomic_long_try_cmpxchg_release",
    "cmpxchg64",
]
