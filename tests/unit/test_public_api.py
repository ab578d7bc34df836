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


def test_a_kernel_module_alone_loads_no_other() -> None:
    """The litmus translators import the few kernel modules they call; the package's
    names come with its first use, ``barrier`` the function (compiler.h) even when the
    module barrier (barrier.h) was imported before."""
    import subprocess
    import sys

    code = ("import sys\nimport smpcheck.kernel.barrier\nimport smpcheck.litmus.c_macros\n"
            "print(sorted(m for m in sys.modules if m.startswith('smpcheck.kernel.')))\n"
            "from smpcheck.kernel import barrier\nprint(barrier.__module__)\n"
            "import smpcheck.kernel as k\nprint(len(k.__all__), k.mutex_lock.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    loaded = eval(out[0])  # noqa: S307 (a list of names printed above)
    assert "smpcheck.kernel.mutex" not in loaded and "smpcheck.kernel.atomic" in loaded
    assert out[1] == "smpcheck.kernel.compiler"
    assert out[2] == f"{len(smpcheck.kernel.__all__)} smpcheck.kernel.mutex"
