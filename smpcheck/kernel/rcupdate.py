"""<linux/rcupdate.h>: RCU read-side critical sections, grace periods, publication, callbacks.

Since Linux 4.20 the RCU flavours are one: a region with preemption or interrupts
disabled is a read-side critical section too (preempt_disable(), local_irq_*(),
spin_lock_irq*(): their outermost entry and exit are F[rcu-lock] and F[rcu-unlock],
:mod:`smpcheck.kernel.preempt`).

call_rcu(head, func) queues ``func(head)`` to run after a grace period;
kfree_rcu(p) queues kfree(p).  The callbacks run on the CPU that queued them, after
a grace period (F[sync-rcu]), when it calls rcu_barrier() or when its function
returns.  Deviation: in the kernel they run later still, from softirq or a kthread,
and rcu_barrier() also waits for the callbacks other CPUs queued; here it runs its
own CPU's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.ops import ONCE, PLAIN, RELEASE, fence, load, store
from smpcheck._rt.runtime import Op, current, issue, run_deferred
from smpcheck.kernel.sleep import might_sleep

__smp_engine__ = True


def rcu_read_lock() -> None:
    """Begin an RCU read-side critical section (herd: F[rcu-lock])."""
    _, cpu = current()
    cpu.rcu_nesting += 1
    fence("rcu-lock", "rcu_read_lock")


def rcu_read_unlock() -> None:
    """End an RCU read-side critical section (herd: F[rcu-unlock])."""
    _, cpu = current()
    if cpu.rcu_nesting <= 0:
        issue(Op("ERR", text="assertion", message="rcu_read_unlock() without rcu_read_lock()"))
    cpu.rcu_nesting -= 1
    fence("rcu-unlock", "rcu_read_unlock")


def synchronize_rcu() -> None:
    """Wait for every pre-existing RCU reader (herd: F[sync-rcu])."""
    might_sleep("synchronize_rcu")
    fence("sync-rcu", "synchronize_rcu")


def synchronize_rcu_expedited() -> None:
    """synchronize_rcu(), faster in the kernel; the same event (herd: F[sync-rcu])."""
    might_sleep("synchronize_rcu_expedited")
    fence("sync-rcu", "synchronize_rcu_expedited")


def rcu_dereference(p: Any) -> Any:
    """Load an RCU-protected pointer (herd: R[ONCE]; dependencies order what follows)."""
    return load(p, ONCE, "rcu_dereference")


def rcu_assign_pointer(p: Any, v: Any) -> None:
    """Publish a pointer (herd: W[RELEASE])."""
    store(p, v, RELEASE, "rcu_assign_pointer")

def rcu_dereference_protected(p: Any, c: Any = True) -> Any:
    """Load an RCU-protected pointer where updates cannot happen (``c``, the lockdep
    condition, is not checked): a plain load, as in the kernel."""
    return load(p, PLAIN, "rcu_dereference_protected")


def rcu_replace_pointer(rcu_ptr: Any, ptr: Any, c: Any = True) -> Any:
    """Publish ``ptr`` in ``rcu_ptr`` and return the old pointer (update side, under
    the lock ``c`` names): rcu_dereference_protected(), then rcu_assign_pointer()."""
    old = rcu_dereference_protected(rcu_ptr, c)
    rcu_assign_pointer(rcu_ptr, ptr)
    return old


def call_rcu(head: Any, func: Callable[[Any], Any]) -> None:
    """Queue ``func(head)`` to run after a grace period (see the module docstring)."""
    _, cpu = current()
    if not cpu.deferred:
        cpu.deferred.append(_grace_period)
    cpu.deferred.append(lambda: func(head))


def kfree_rcu(p: Any, rhf: Any = None) -> None:
    """kfree(``p``) after a grace period (``rhf``, the rcu_head field, is not needed)."""
    from smpcheck.kernel.slab import kfree

    call_rcu(p, kfree)


def _grace_period() -> None:
    fence("sync-rcu", "rcu_callbacks: grace period")


def rcu_barrier() -> None:
    """Wait until the callbacks this CPU queued have run (runs them now)."""
    might_sleep("rcu_barrier")
    _, cpu = current()
    run_deferred(cpu)


__all__ = [
    "rcu_read_lock",
    "rcu_read_unlock",
    "synchronize_rcu",
    "synchronize_rcu_expedited",
    "rcu_dereference",
    "rcu_assign_pointer",
    "rcu_dereference_protected",
    "rcu_replace_pointer",
    "call_rcu",
    "kfree_rcu",
    "rcu_barrier",
]
