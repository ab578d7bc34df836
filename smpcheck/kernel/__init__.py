"""The kernel API that model code calls, named and ordered as in the kernel.

``from smpcheck.kernel import *`` gives every primitive, each in a module named
after its kernel header (compiler, barrier, atomic, atomic64, bitops, spinlock,
mutex, rwlock, rwsem, preempt, irqflags, interrupt, rcupdate, srcu, slab, bug,
processor, refcount, sched, seqlock, wait).  Beside them, not exported here:
:mod:`.smp` (IPIs, smp_processor_id), :mod:`.ghost` (ghost state) and
:mod:`.lowlevel` (what the translators call).
"""

import smpcheck.kernel.atomic as _atomic
import smpcheck.kernel.atomic64 as _atomic64
import smpcheck.kernel.barrier as _barrier
import smpcheck.kernel.bitops as _bitops
import smpcheck.kernel.bug as _bug
import smpcheck.kernel.compiler as _compiler
import smpcheck.kernel.interrupt as _interrupt
import smpcheck.kernel.irqflags as _irqflags
import smpcheck.kernel.mutex as _mutex
import smpcheck.kernel.pointers as _pointers
import smpcheck.kernel.preempt as _preempt
import smpcheck.kernel.processor as _processor
import smpcheck.kernel.rcupdate as _rcupdate
import smpcheck.kernel.refcount as _refcount
import smpcheck.kernel.rwlock as _rwlock
import smpcheck.kernel.rwsem as _rwsem
import smpcheck.kernel.sched as _sched
import smpcheck.kernel.seqlock as _seqlock
import smpcheck.kernel.slab as _slab
import smpcheck.kernel.spinlock as _spinlock
import smpcheck.kernel.srcu as _srcu
import smpcheck.kernel.wait as _wait
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

# (each module lists what it exports: the package exports those lists, in this order)
__all__ = [
    *_atomic.__all__,
    *_atomic64.__all__,
    *_barrier.__all__,
    *_bitops.__all__,
    *_bug.__all__,
    *_compiler.__all__,
    *_interrupt.__all__,
    *_irqflags.__all__,
    *_mutex.__all__,
    *_pointers.__all__,
    *_preempt.__all__,
    *_processor.__all__,
    *_rcupdate.__all__,
    *_refcount.__all__,
    *_rwlock.__all__,
    *_rwsem.__all__,
    *_sched.__all__,
    *_seqlock.__all__,
    *_slab.__all__,
    *_spinlock.__all__,
    *_srcu.__all__,
    *_wait.__all__,
]
