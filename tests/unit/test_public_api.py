"""The names ``import smpcheck`` gives, pinned: the core API, then the kernel API,
whose list in kernel/__init__.py is explicit and must match its modules'."""

from __future__ import annotations

import importlib

import smpcheck
import smpcheck.kernel

CORE = ["NULL", "Array", "Field", "FinalState", "Kind", "Model", "Result", "Settings",
        "Status", "Struct", "Var", "Violation", "switch", "verify"]
KERNEL_MODULES = ("atomic", "atomic64", "barrier", "bitops", "bug", "compiler", "interrupt",
                  "irqflags", "mutex", "refcount", "rwlock", "rwsem", "sched", "seqlock", "wait",
                  "preempt", "processor", "rcupdate", "slab", "spinlock", "srcu")


def test_smpcheck_exports_the_core_then_the_kernel_api() -> None:
    assert smpcheck.__all__ == CORE + smpcheck.kernel.__all__
    assert len(set(smpcheck.__all__)) == len(smpcheck.__all__)
    assert all(hasattr(smpcheck, name) for name in smpcheck.__all__)


def test_kernel_exports_every_primitive_of_its_modules() -> None:
    listed = set(smpcheck.kernel.__all__)
    for name in KERNEL_MODULES:
        module = importlib.import_module(f"smpcheck.kernel.{name}")
        assert set(module.__all__) <= listed, name
        assert all(getattr(smpcheck.kernel, n) is getattr(module, n) for n in module.__all__)
    assert {"addr", "container_of"} <= listed
