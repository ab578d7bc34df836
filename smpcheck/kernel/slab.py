"""<linux/slab.h>: kmalloc, kzalloc, kfree.

Allocated memory is zeroed (kmalloc behaves as kzalloc here).  kfree of NULL
does nothing; kfree of anything kmalloc did not return is a bad free; freeing
twice, or accessing freed memory, is found by the checks after each execution
(KASAN-like: under a weak model an access not ordered before the free counts).
"""

from __future__ import annotations

from typing import Any

from smpcheck._runtime import Op, issue
from smpcheck.memory import Spec, StructMeta, as_spec
from smpcheck.values import locate

__smp_engine__ = True


def kmalloc(what: Any, flags: Any = None) -> Any:
    """Allocate an object: a Struct type, or a Spec such as Array(n)."""
    spec: Spec = as_spec(what)
    name = what.__name__ if isinstance(what, StructMeta) else "kmalloc"
    return issue(Op("A", spec=spec, text=name))


kzalloc = kmalloc


def preallocated(ref: Any) -> Any:
    """Mark a declared object as kmalloc'd before the CPUs start (the initial state), so
    that the model may kfree it: ``sp = preallocated(kvm_mmu_page(...))``."""
    ref._obj.heap = True
    return ref


def kfree(p: Any) -> None:
    """Free an object kmalloc returned; NULL is ignored."""
    ref, deps = locate(p)
    if ref._obj is None:
        return
    if not ref._obj.heap or ref._path or ref._tag:
        issue(Op("ERR", text="bad-free", message=f"kfree({ref}): not a pointer kmalloc returned"))
    issue(Op("D", obj=ref._obj, addr=deps, text=f"kfree({ref})"))

__all__ = [
    "kmalloc",
    "kzalloc",
    "kfree",
    "preallocated",
]
