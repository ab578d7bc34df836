"""C operators over tracked values, for the litmus interpreters.

Operands are plain values or :class:`~smpcheck.values.Val`; results carry the
union of the operands' dependencies, so a store of ``r0 + 1`` depends on the
read of ``r0``.  Integer semantics are C's where Python differs: ``/`` and
``%`` truncate toward zero, comparisons and ``!`` give 0 or 1, a shift by a
negative count or by 64 or more is an error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from smpcheck.memory import NULL, Ref
from smpcheck.values import Val, deps_of, raw

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


def _compare(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], int]:
    return lambda a, b: int(bool(op(a, b)))


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _cdiv, "%": _cmod,
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
