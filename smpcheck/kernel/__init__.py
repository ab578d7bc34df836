"""The kernel API that model code calls, named and ordered as in the kernel.

``from smpcheck.kernel import *`` gives every primitive, each in a module named
after its kernel header (compiler, barrier, atomic, atomic64, bitops, spinlock,
mutex, rwlock, rwsem, preempt, irqflags, interrupt, rcupdate, srcu, slab, bug,
processor, refcount, sched, seqlock, wait).  Beside them, not exported here:
:mod:`.smp` (IPIs, smp_processor_id), :mod:`.ghost` (ghost state) and
:mod:`.lowlevel` (what the translators call).

The modules are imported on first use of a name (or of ``__all__``), all of them
then: importing one of them alone (as the litmus translators do) loads the package
without the others.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (at run time: __getattr__)
    from smpcheck.kernel.atomic import *  # noqa: F403
    from smpcheck.kernel.atomic64 import *  # noqa: F403
    from smpcheck.kernel.barrier import *  # noqa: F403
    from smpcheck.kernel.bitops import *  # noqa: F403
    from smpcheck.kernel.bug import *  # noqa: F403
    from smpcheck.kernel.compiler import *  # noqa: F403
    from smpcheck.kernel.interrupt import *  # noqa: F403
    from smpcheck.kernel.irqflags import *  # noqa: F403
    from smpcheck.kernel.mutex import *  # noqa: F403
    from smpcheck.kernel.pointers import *  # noqa: F403
    from smpcheck.kernel.preempt import *  # noqa: F403
    from smpcheck.kernel.processor import *  # noqa: F403
    from smpcheck.kernel.rcupdate import *  # noqa: F403
    from smpcheck.kernel.refcount import *  # noqa: F403
    from smpcheck.kernel.rwlock import *  # noqa: F403
    from smpcheck.kernel.rwsem import *  # noqa: F403
    from smpcheck.kernel.sched import *  # noqa: F403
    from smpcheck.kernel.seqlock import *  # noqa: F403
    from smpcheck.kernel.slab import *  # noqa: F403
    from smpcheck.kernel.spinlock import *  # noqa: F403
    from smpcheck.kernel.srcu import *  # noqa: F403
    from smpcheck.kernel.wait import *  # noqa: F403

# barrier() (compiler.h) is named as the module barrier (barrier.h): the module imported
# first, so that its import binds the name no more, then the function bound over it
importlib.import_module(f"{__name__}.barrier")
from smpcheck.kernel.compiler import barrier as barrier  # noqa: E402

#: The modules whose ``__all__`` the package exports, in this order.
MODULES = ("atomic", "atomic64", "barrier", "bitops", "bug", "compiler", "interrupt",
           "irqflags", "mutex", "pointers", "preempt", "processor", "rcupdate", "refcount",
           "rwlock", "rwsem", "sched", "seqlock", "slab", "spinlock", "srcu", "wait")


def _load() -> None:
    """Import every module of :data:`MODULES` and bind its exports here."""
    names: list[str] = []
    space = globals()
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        names += module.__all__
        space.update((n, getattr(module, n)) for n in module.__all__)
    space["__all__"] = names


def __getattr__(name: str) -> Any:
    """A primitive (or ``__all__``), its module imported on first use."""
    if name.startswith("__") and name != "__all__":
        raise AttributeError(name)
    if "__all__" not in globals():
        _load()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
