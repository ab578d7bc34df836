"""<linux/slab.h>: kmalloc, kzalloc, kfree.

Allocated memory is zeroed (kmalloc behaves as kzalloc here).  kfree of NULL
does nothing; kfree of anything kmalloc did not return is a bad free.

To the memory model, kfree(p) is a marked store (herd's ONCE, as WRITE_ONCE) of
``POISON`` to every location of the object, issued where the kfree is, then the
free itself.  A read of freed memory may thus get POISON in exactly the
executions the memory model allows, under every model and with no relation of
its own: a read that gets it is a use-after-free (the CPU stops there), and so
is a store that lands coherence-after it.  Freeing twice is a double free.  The
checks after each execution report these (smpcheck.explore.checks).
"""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ONCE
from smpcheck._rt.runtime import Op, issue
from smpcheck.model.objects import POISON, Spec, StructMeta, as_spec
from smpcheck.model.values import locate

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
    """Free an object kmalloc returned; NULL is ignored.  Every location of the object
    is first written POISON (see the module's docstring), through ``p``."""
    ref, deps = locate(p)
    obj = ref._obj
    if obj is None:
        return
    if not obj.heap or ref._path or ref._tag:
        issue(Op("ERR", text="bad-free", message=f"kfree({ref}): not a pointer kmalloc returned"))
    for path, _ in obj.spec.leaves():
        loc = obj.loc(path)
        issue(Op("W", loc=loc, value=POISON, tags=ONCE, addr=deps, text=f"kfree({ref}): {loc}"))
    issue(Op("D", obj=obj, addr=deps, text=f"kfree({ref})"))

__all__ = [
    "POISON",
    "kmalloc",
    "kzalloc",
    "kfree",
    "preallocated",
]
