"""Final-state propositions in herd's syntax, evaluated over a FinalState.

``0:r0=1 /\\ x=2`` : register r0 of CPU 0 is 1 and location x ends as 2;
``1:r0=x`` : the register holds the address of x; ``[x]=[y]`` compares two
locations' final values.  Unknown registers or locations are usage errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smpcheck.errors import UsageError
from smpcheck.litmus.parse_common import parse_prop
from smpcheck.litmus.syntax import LocRef, Name, Num, PAnd, PEq, PFalse, PImplies, PNot, POr, Prop
from smpcheck.model.objects import Ref

if TYPE_CHECKING:
    from smpcheck.model.model import FinalState


def compile_prop(text: str, path: str = "<condition>") -> Callable[[FinalState], bool]:
    """A predicate over final states from a herd proposition."""
    return predicate(parse_prop(text, path), path)


def predicate(prop: Prop, path: str = "<condition>") -> Callable[[FinalState], bool]:
    """``holds(prop, state, path)`` as a function of ``state``, its tree walked once
    (it is asked of every execution)."""
    if isinstance(prop, PEq):
        return _eq_test(prop, path)
    if isinstance(prop, (PAnd, POr)):
        parts = tuple(predicate(p, path) for p in prop.items)
        if isinstance(prop, POr):
            return lambda state: any(part(state) for part in parts)
        return lambda state: all(part(state) for part in parts)
    if isinstance(prop, PNot):
        inner = predicate(prop.prop, path)
        return lambda state: not inner(state)
    if isinstance(prop, PImplies):
        left, right = predicate(prop.left, path), predicate(prop.right, path)
        return lambda state: not left(state) or right(state)
    value = not isinstance(prop, PFalse)
    return lambda state: value


def _eq_test(prop: PEq, path: str) -> Callable[[FinalState], bool]:
    loc, expected = prop.loc, prop.value
    if not isinstance(expected, Num):
        return lambda state: _equal(_value_of(loc, state, path), expected, state, path)
    number = expected.value
    return lambda state: _equal_number(_value_of(loc, state, path), number)


def mentioned(text: str, path: str = "<condition>") -> list[LocRef]:
    """The registers and locations a herd proposition names, in order."""
    out: list[LocRef] = []

    def walk(p: Prop) -> None:
        if isinstance(p, PEq):
            out.extend(x for x in (p.loc, p.value) if isinstance(x, LocRef))
        elif isinstance(p, (PAnd, POr)):
            for item in p.items:
                walk(item)
        elif isinstance(p, PNot):
            walk(p.prop)
        elif isinstance(p, PImplies):
            walk(p.left)
            walk(p.right)

    walk(parse_prop(text, path))
    return out


def holds(prop: Prop, state: FinalState, path: str = "<condition>") -> bool:
    """Whether ``prop`` is true in ``state``."""
    return predicate(prop, path)(state)


def _value_of(loc: LocRef, state: FinalState, path: str) -> Any:
    try:
        if loc.thread is None:
            return state.mem(loc.name)
        return state.reg(loc.thread, loc.name)
    except KeyError:
        what = loc.name if loc.thread is None else f"{loc.thread}:{loc.name}"
        raise UsageError(f"the condition names {what}, which the model does not have",
                         path, loc.line) from None


def _equal_number(actual: Any, number: int) -> bool:
    if isinstance(actual, Ref):
        return number == 0 and bool(actual == 0)
    return bool(actual == number)


def _equal(actual: Any, expected: Num | Name | LocRef, state: FinalState, path: str) -> bool:
    if isinstance(expected, Num):
        return _equal_number(actual, expected.value)
    if isinstance(expected, Name):
        if expected.id in ("NULL", "0"):
            return isinstance(actual, Ref) and actual._obj is None
        return (isinstance(actual, Ref) and actual._obj is not None
                and actual._obj.name == expected.id and not actual._path)
    return bool(actual == _value_of(expected, state, path))
