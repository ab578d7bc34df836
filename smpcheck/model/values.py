"""Values read from shared memory, carrying the reads they derive from.

A load returns a :class:`Val`: the value and the set of read events it was
computed from.  Arithmetic and comparisons propagate that set, so a store of
``r + 1`` has a *data* dependency on the read of ``r``, a load through a pointer
read from memory has an *address* dependency, and a branch on a value
(``if r:``, ``while r == 0``, indexing with it) gives every later event of the
CPU a *control* dependency.  The LKMM needs these; the other models ignore them.

Model code uses values as plain ints and pointers.  Compare pointers with
``==``/``!=`` (the model loader rewrites ``is NULL``), since a Val is not the
NULL object itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from smpcheck.model import hooks
from smpcheck.model.objects import Ref, as_ref

__smp_engine__ = True  # frames here are not model code (see _runtime.user_source)

EventId = tuple[int, int]
Deps = frozenset[EventId]
NO_DEPS: Deps = frozenset()


def raw(x: Any) -> Any:
    """The bare value of ``x``, without dependency tracking."""
    return x._v if isinstance(x, Val) else x


def deps_of(x: Any) -> Deps:
    return x._deps if isinstance(x, Val) else NO_DEPS


def _control(deps: Deps) -> None:
    """A branch on a tracked value: later events of this CPU depend on it."""
    if deps:
        hooks.add_control_deps(deps)


def _binop(op: Callable[[Any, Any], Any]) -> Callable[[Val, Any], Val]:
    def fwd(self: Val, other: Any) -> Val:
        return Val(op(self._v, raw(other)), self._deps | deps_of(other))

    return fwd


def _rbinop(op: Callable[[Any, Any], Any]) -> Callable[[Val, Any], Val]:
    def rev(self: Val, other: Any) -> Val:
        return Val(op(raw(other), self._v), self._deps | deps_of(other))

    return rev


class Val:
    """A value (int, bool or pointer) and the read events it derives from."""

    __slots__ = ("_v", "_deps")  # (underscored: no struct member is, see StructMeta)

    def __init__(self, v: Any, deps: Deps = NO_DEPS) -> None:
        if isinstance(v, Val):
            deps = deps | v._deps
            v = v._v
        object.__setattr__(self, "_v", v)
        object.__setattr__(self, "_deps", deps)

    def __reduce__(self) -> tuple[Any, ...]:  # (-j: final states cross processes)
        return (Val, (self._v, self._deps))

    def __repr__(self) -> str:
        return repr(self._v)

    def __str__(self) -> str:
        return str(self._v)

    def __format__(self, spec: str) -> str:
        return format(self._v, spec)

    # -- uses that decide control flow ---------------------------------------
    def __bool__(self) -> bool:
        _control(self._deps)
        return bool(self._v)

    def __index__(self) -> int:
        _control(self._deps)
        return operator.index(self._v)

    def __int__(self) -> int:
        _control(self._deps)
        return int(self._v)

    def __hash__(self) -> int:
        _control(self._deps)
        return hash(self._v)

    # -- arithmetic and comparison propagate dependencies -------------------
    __add__ = _binop(operator.add)
    __radd__ = _rbinop(operator.add)
    __sub__ = _binop(operator.sub)
    __rsub__ = _rbinop(operator.sub)
    __mul__ = _binop(operator.mul)
    __rmul__ = _rbinop(operator.mul)
    __floordiv__ = _binop(operator.floordiv)
    __rfloordiv__ = _rbinop(operator.floordiv)
    __truediv__ = _binop(operator.floordiv)  # C integer division
    __mod__ = _binop(operator.mod)
    __rmod__ = _rbinop(operator.mod)
    __and__ = _binop(operator.and_)
    __rand__ = _rbinop(operator.and_)
    __or__ = _binop(operator.or_)
    __ror__ = _rbinop(operator.or_)
    __xor__ = _binop(operator.xor)
    __rxor__ = _rbinop(operator.xor)
    __lshift__ = _binop(operator.lshift)
    __rlshift__ = _rbinop(operator.lshift)
    __rshift__ = _binop(operator.rshift)
    __rrshift__ = _rbinop(operator.rshift)
    __lt__ = _binop(operator.lt)
    __le__ = _binop(operator.le)
    __gt__ = _binop(operator.gt)
    __ge__ = _binop(operator.ge)
    __eq__ = _binop(operator.eq)  # type: ignore[assignment]
    __ne__ = _binop(operator.ne)  # type: ignore[assignment]

    def __invert__(self) -> Val:
        return Val(~self._v, self._deps)

    def __neg__(self) -> Val:
        return Val(-self._v, self._deps)

    def __pos__(self) -> Val:
        return self

    # -- pointers: member access carries an address dependency --------------
    def __smp_ref__(self) -> Ref:
        return as_ref(self._v)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _member_access(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        _member_store(self, name, value)

    def __getitem__(self, index: Any) -> Any:
        return _member_access(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _member_store(self, index, value)


def _member_access(ptr: Val, key: Any) -> Any:
    member = as_ref(ptr._v)._member(key if isinstance(key, str) else int(raw(key)))
    deps = ptr._deps | (NO_DEPS if isinstance(key, str) else deps_of(key))
    return hooks.member_read(member, deps)


def _member_store(ptr: Val, key: Any, value: Any) -> None:
    member = as_ref(ptr._v)._member(key if isinstance(key, str) else int(raw(key)))
    deps = ptr._deps | (NO_DEPS if isinstance(key, str) else deps_of(key))
    hooks.plain_store(member, value, deps)


def locate(x: Any) -> tuple[Ref, Deps]:
    """The pointer a location argument designates, and the address dependency it carries."""
    return as_ref(raw(x)) if isinstance(x, Val) else as_ref(x), deps_of(x)
