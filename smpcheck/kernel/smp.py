"""<linux/smp.h>: smp_call_function_many(), with interrupts as semantics.

The semantics to give: an IPI handler runs on its target CPU between two of the
target's steps, only while the target's interrupts are enabled, after the
sender sent it; with ``wait`` the sender goes on only after every handler ran.

The encoding (the explorer is unchanged; each CPU stays one thread):

* a CPU that may receive IPIs is declared with :func:`ipi_target` before the
  run; it gets an *irq word*, a shared location that its local_irq_disable()
  (and _save, spin_lock_irq) sets to 1 when its interrupts go off, and its
  local_irq_enable() (_restore) resets to 0 with release ordering when they
  come back on (:mod:`smpcheck.kernel.irqflags`).  The initial value is 0:
  a CPU that has not started, or has returned with interrupts on, is idle and
  takes interrupts;
* the sender: smp_mb() (the kernel's llist_add of the csd and, on x2APIC, the
  MFENCE before the ICR write), then for each target other than itself, a
  wait (an await: an acquire load that blocks) until the target's irq word reads 0.
  The write that load reads from is the start of the interrupts-on stretch in
  which the handler runs; the sender continues as after csd_lock_wait().

Why this is the semantics, under SC, x86-TSO and the LKMM:

1. the target's accesses before the handler are ordered before the sender's
   continuation: they are po-before the release store of 0 (TSO keeps R->W and
   W->W), which the sender's acquire load reads (TSO keeps R->R and R->W).  In
   the kernel the handler's csd_unlock() is that release and csd_lock_wait()
   that acquire; an interrupt arrives at an instruction boundary, after the
   target's earlier instructions;
2. a handler never runs inside an interrupts-off region: a load that reads 0
   from before a region's store of 1 is fr-before it, so it is a delivery just
   before the region; it cannot read a 0 from inside one (there is none);
3. a target that stays with interrupts off forever keeps its word at 1: the
   sender's wait never ends, and the explorer reports it (endless wait), as a
   real sender would hang.

The store of 1 is not an ordinary store: CLI changes the CPU's interrupt flag in
program order, with nothing buffered, while earlier stores may still sit in the
store buffer.  The memory models order it (the ``irq-off`` tag) before every
later access of its CPU and after none of its earlier stores: so a sender that
reads the 0 before it delivered its IPI before the region, and the region's
accesses come after that delivery (and see what the sender stored before the
IPI), while a store before local_irq_disable() can still pass a load after it,
as on x86.

What it does not give, an over-approximation: the target's accesses between the
start of the interrupts-on stretch and the handler's delivery point are not forced
to see the sender's stores from before the IPI.  The handler itself is not run:
only handlers that touch no shared memory (KVM's ack_flush()) are supported.  An
IPI sent by a CPU with interrupts off to a CPU waiting for it deadlocks, as in the
kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from smpcheck._rt.ops import ACQUIRE, where
from smpcheck._rt.runtime import Op, current, issue
from smpcheck.errors import UsageError
from smpcheck.kernel.barrier import smp_mb
from smpcheck.kernel.irqflags import _irq_words
from smpcheck.model.objects import Var

__smp_engine__ = True


def ipi_target(fn: Callable[[], Any]) -> Any:
    """Declare that the CPU running ``fn`` may receive IPIs; its irq word (a global
    the scenario should name, e.g. ``irqs_off_vcpu0``)."""
    word = _irq_words.get(fn)
    if word is None:
        word = Var(0)
        _irq_words[fn] = word
    return word


def smp_call_function_many(cpus: Iterable[int], func: Callable[[Any], None], info: Any,
                           wait: bool) -> None:
    """Run ``func(info)`` on each CPU of ``cpus`` except this one (see the module docstring)."""
    run, me = current()
    smp_mb()
    targets = [c for c in cpus if c != me.tid]
    for c in targets:
        if c >= len(run.cpus) or run.cpus[c].fn not in _irq_words:
            raise UsageError(f"smp_call_function_many: CPU {c} was not declared with "
                             "ipi_target()")
    if not wait:
        return
    for c in targets:
        word = _irq_words[run.cpus[c].fn]
        loc, deps = where(word)
        # csd_lock_wait(): an acquire load that waits (an await) until it reads 0
        issue(Op("R", loc=loc, tags=ACQUIRE, addr=deps, await_ok=lambda v: v == 0,
                 text=f"csd_lock_wait(CPU {c}: {loc} == 0)"))


def smp_processor_id() -> int:
    """The number of the CPU running the caller (0, 1, ...: its place in the model)."""
    return current()[1].tid


def ack_flush(info: Any) -> None:
    """virt/kvm/kvm_main.c: the IPI handler of remote requests; it does nothing."""


__all__ = [
    "ipi_target",
    "smp_call_function_many",
    "smp_processor_id",
    "ack_flush",
]
