"""What translated C calls besides the kernel API: C's operators where Python's differ.

The translated code of a C model names these ``_c_*``; they are engine frames
(``__smp_engine__``), so a report shows the C line that called them.
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel.pointers import container_of
from smpcheck.litmus.translate_ops import BINARY, combine
from smpcheck.model.objects import NULL, NullDeref, Ref
from smpcheck.model.values import Val, deps_of, raw

__smp_engine__ = True


def c_div(a: Any, b: Any) -> Any:
    """``a / b``: integer division truncating toward zero."""
    return combine(BINARY["/"], a, b)


def c_mod(a: Any, b: Any) -> Any:
    """``a % b`` with C's sign."""
    return combine(BINARY["%"], a, b)


def c_not(a: Any) -> Any:
    """``!a``: 1 or 0 (a NULL pointer is false)."""
    return combine(lambda v: int(not v), a)


def c_bool(a: Any) -> Any:
    """The value of ``a && b`` / ``a || b`` (already decided): 1 or 0."""
    return combine(lambda v: int(bool(v)), a)


def c_null(v: Any) -> Any:
    """A pointer value: the integer 0 is NULL (``p = 0``, ``(void *)0``)."""
    bare = raw(v)
    if isinstance(bare, int) and not isinstance(bare, bool) and bare == 0:
        deps = deps_of(v)
        return Val(NULL, deps) if deps else NULL
    return v


class Container(Ref):
    """What ``container_of()`` gives for a pointer that is in no such member: a list
    head, as list iteration computes it for its end.  C gets a pointer to no real
    object, used only as ``&pos->member``, which gives ``ptr`` back; so here."""

    __slots__ = ("_inner", "_member_name")

    def __init__(self, inner: Ref, member: str) -> None:
        super().__init__(None)
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_member_name", member)

    def _member(self, key: str | int) -> Ref:
        if key == self._member_name:
            return self._inner  # type: ignore[no-any-return]
        if self._inner._obj is None:
            raise NullDeref(self)  # (container_of(NULL, ...)->key: a NULL dereference)
        raise TypeError(f"container_of({self._inner}, ..., {self._member_name}) points to "
                        "no object of that type: only &pos->"
                        f"{self._member_name} may be used")

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return f"container_of({self._inner}, {self._member_name})"

    __repr__ = __str__


def c_container_of(ptr: Any, member: str) -> Any:
    """``container_of(ptr, type, member)``: only the member's name is needed."""
    ref, deps = raw(ptr), deps_of(ptr)
    if not isinstance(ref, Ref):
        ref = NULL if ref == 0 else ref
    if isinstance(ref, Ref) and (ref._obj is None or member not in ref._path):
        out: Any = Container(ref, member)
        return Val(out, deps) if deps else out
    return container_of(Val(ref, deps) if deps else ref, None, member)


def c_first_or_null(head: Any, first: Any, member: str) -> Any:
    """``list_first_or_null_rcu(head, type, member)``: NULL when ``first`` is ``head``."""
    return NULL if raw(first) == raw(head) else container_of(first, None, member)


def c_min(a: Any, b: Any) -> Any:
    """The kernel's ``min(a, b)``: each argument evaluated once."""
    return combine(min, a, b)


def c_max(a: Any, b: Any) -> Any:
    """The kernel's ``max(a, b)``: each argument evaluated once."""
    return combine(max, a, b)


def c_regs(regs: dict[str, Any]) -> dict[str, Any]:
    """A CPU's registers for the final state: its locals, bare, booleans as 0/1, a
    local array as the tuple of its elements."""
    return {name: _reg(v) for name, v in regs.items()}


def _reg(v: Any) -> Any:
    bare = raw(v)
    if isinstance(bare, list):
        return tuple(_reg(x) for x in bare)
    return int(bare) if isinstance(bare, bool) else bare


def c_try(result: tuple[Any, Any]) -> tuple[Any, Any]:
    """``try_cmpxchg(p, &old, new)``'s answer: (succeeded as 0/1, the value seen)."""
    ok, seen = result
    return int(bool(raw(ok))), seen


NAMES: dict[str, Any] = {
    "_c_div": c_div, "_c_mod": c_mod, "_c_not": c_not, "_c_bool": c_bool,
    "_c_null": c_null, "_c_container_of": c_container_of,
    "_c_first_or_null": c_first_or_null, "_c_regs": c_regs, "_c_try": c_try,
    "_c_min": c_min, "_c_max": c_max,
}
"""The helpers by the names translated code calls them."""
