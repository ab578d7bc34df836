"""``addr(x)``: C's ``&x``.  The model loader rewrites ``addr(p.f)`` into a pointer to
the member; applied to a pointer it returns the pointer."""

from __future__ import annotations

from typing import Any

from smpcheck.model.objects import Ref
from smpcheck.model.values import Val, locate

__smp_engine__ = True


def addr(x: Any) -> Any:
    """The address of an lvalue (rewritten by the loader) or a pointer itself."""
    return x


def container_of(ptr: Any, type_: Any, member: str) -> Any:
    """``container_of(ptr, type, member)``: the object of ``type`` whose ``member``
    (``"spt"``, or ``"spt.3"`` style paths are not needed: an array member's element
    pointer works too) holds ``ptr``.  The result carries ``ptr``'s dependencies."""
    ref, deps = locate(ptr)
    path = ref._path
    if ref._obj is None or member not in path:
        raise TypeError(f"container_of({ref}, {getattr(type_, '__name__', type_)}, {member}): "
                        f"the pointer is not inside a {member} member")
    cut = len(path) - 1 - path[::-1].index(member)
    base = Ref(ref._obj, path[:cut])
    return Val(base, deps) if deps else base

__all__ = [
    "addr",
    "container_of",
]
