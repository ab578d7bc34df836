"""The kernel API that model code calls, named and ordered as in the kernel.

``from smpcheck.kernel import *`` gives every primitive, each in a module named
after its kernel header (compiler, barrier, atomic, bitops, spinlock, mutex,
preempt, irqflags, rcupdate, srcu, slab, bug, processor, atomic64, refcount,
rwlock, rwsem, sched, seqlock, wait).
"""

from smpcheck.kernel.atomic import *  # noqa: F403
from smpcheck.kernel.atomic64 import *  # noqa: F403
from smpcheck.kernel.barrier import *  # noqa: F403
from smpcheck.kernel.bitops import *  # noqa: F403
from smpcheck.kernel.bug import *  # noqa: F403
from smpcheck.kernel.compiler import *  # noqa: F403
from smpcheck.kernel.interrupt import *  # noqa: F403
from smpcheck.kernel.irqflags import *  # noqa: F403
from smpcheck.kernel.mutex import *  # noqa: F403
from smpcheck.kernel.pointers import addr, container_of  # noqa: F401
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

_MODULES = ("atomic", "atomic64", "barrier", "bitops", "bug", "compiler", "interrupt",
            "irqflags", "mutex", "pointers", "preempt", "processor", "rcupdate", "refcount",
            "rwlock", "rwsem", "sched", "seqlock", "slab", "spinlock", "srcu", "wait")
__all__ = [name for mod in _MODULES
           for name in __import__(f"smpcheck.kernel.{mod}", fromlist=["__all__"]).__all__]
