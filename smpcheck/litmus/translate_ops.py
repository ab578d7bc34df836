"""C operators over tracked values, for the litmus interpreters.

Operands are plain values or :class:`~smpcheck.model.values.Val`; results carry the
union of the operands' dependencies, so a store of ``r0 + 1`` depends on the
read of ``r0``.  Integer semantics are C's where Python differs: ``/`` and
``%`` truncate toward zero, comparisons and ``!`` give 0 or 1, a shift by a
negative count or by 64 or more is an error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from smpcheck.model.objects import NULL, Ref
from smpcheck.model.values import Val, deps_of, raw
from smpcheck.records import record

__smp_engine__ = True


def combine(fn: Callable[..., Any], *operands: Any) -> Any:
    """``fn`` of the operands' bare values, with the union of their dependencies."""
    result = fn(*(raw(x) for x in operands))
    deps = frozenset().union(*(deps_of(x) for x in operands))
    return Val(result, deps) if deps else result


def truth(v: Any) -> bool:
    """A branch on ``v``: a control dependency on what ``v`` derives from."""
    return bool(v)


def pointer(v: Any, what: str, line: int, lines: Any) -> Any:
    """``v`` as a pointer (0 is NULL), keeping its dependencies; else a LitmusError."""
    bare = raw(v)
    if isinstance(bare, Ref):
        return v
    if isinstance(bare, int) and not isinstance(bare, bool) and bare == 0:
        deps = deps_of(v)
        return Val(NULL, deps) if deps else NULL
    if isinstance(bare, Offset):
        raise lines.error(f"{what}: accessing {bare} is not supported: herd makes it a "
                          f"location of its own, smpcheck only moves a pointer by 0 "
                          f"(the address dependency x + (r & 0))", line)
    raise lines.error(f"{what}: the value {bare!r} is not a pointer", line)


def _cdiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _cmod(a: int, b: int) -> int:
    return a - b * _cdiv(a, b)


def _shift(op: Callable[[int, int], int]) -> Callable[[int, int], int]:
    def f(a: int, b: int) -> int:
        if not 0 <= b < 64:
            raise ValueError(f"shift count {b} out of range")
        return op(a, b)

    return f


@record
class Offset:
    """A pointer moved off its variable by ``by`` (herd's location ``x+1``): a value
    smpcheck can hold, compare and print, but not access."""

    ref: Ref
    by: int

    def __str__(self) -> str:
        return f"{self.ref}{'+' if self.by > 0 else '-'}{abs(self.by)}"


def _offset(op: Callable[[Any, Any], Any], sign: int) -> Callable[[Any, Any], Any]:
    """``+`` or ``-``, which also move pointers: ``x + (r & 0)`` is ``x`` (how litmus
    tests write an address dependency), ``x + 1`` an :class:`Offset`."""
    def f(a: Any, b: Any) -> Any:
        moved = _move(a, b, sign) if _is_int(b) else _move(b, a, 1) if sign > 0 else None
        return op(a, b) if moved is None else moved

    return f


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _move(p: Any, k: Any, sign: int) -> Any:
    if not _is_int(k) or not isinstance(p, Ref | Offset):
        return None
    base, by = (p.ref, p.by) if isinstance(p, Offset) else (p, 0)
    by += sign * k
    return base if by == 0 else Offset(base, by)


def _compare(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], int]:
    return lambda a, b: int(bool(op(a, b)))


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _offset(operator.add, 1), "-": _offset(operator.sub, -1), "*": operator.mul,
    "/": _cdiv, "%": _cmod,
    "&": operator.and_, "|": operator.or_, "^": operator.xor,
    "<<": _shift(operator.lshift), ">>": _shift(operator.rshift),
    "==": _compare(operator.eq), "!=": _compare(operator.ne), "<": _compare(operator.lt),
    "<=": _compare(operator.le), ">": _compare(operator.gt), ">=": _compare(operator.ge),
    "&&": lambda a, b: int(bool(a) and bool(b)), "||": lambda a, b: int(bool(a) or bool(b)),
}
"""C's binary operators on bare values (``&&``/``||`` without side effects)."""

UNARY: dict[str, Callable[[Any], Any]] = {
    "!": lambda a: int(not a), "-": operator.neg, "~": operator.invert, "+": operator.pos,
}
