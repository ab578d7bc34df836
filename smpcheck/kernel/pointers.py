"""``addr(x)``: C's ``&x``.  The model loader rewrites ``addr(p.f)`` into a pointer to
the member; applied to a pointer it returns the pointer."""

from __future__ import annotations

from typing import Any

__smp_engine__ = True


def addr(x: Any) -> Any:
    """The address of an lvalue (rewritten by the loader) or a pointer itself."""
    return x

__all__ = [
    "addr",
]
