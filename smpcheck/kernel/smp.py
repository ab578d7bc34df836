"""<linux/smp.h>: cross-CPU function calls (IPIs), delivered as interrupts by the explorer.

A CPU that may receive IPIs is declared with :func:`ipi_target` before the run (it
returns the CPU's call queue, a global the model should name).  The events are
those of kernel/smp.c:

* the sender, smp_call_function_single(cpu, func, info, wait): csd_lock() (an
  acquire wait until its previous call to that CPU completed, then it marks the
  per-(sender, target) csd locked, smp_wmb()), then llist_add() of the call to the
  target's queue (a fully ordered RMW), which sends the IPI; with ``wait``,
  csd_lock_wait(): an acquire wait until the handler unlocked the csd;
* the target: its IPI handler is one of its interrupt sources
  (:mod:`smpcheck.kernel.interrupt`): at every point where it has interrupts on,
  the exploration may deliver it (a choice, both ways); it takes the whole queue
  (llist_del_all(), a fully ordered xchg; it waits if the queue is empty: an IPI
  that does not come ends no execution) and runs each ``func(info)`` with
  interrupts off, unlocking each csd with a release store (csd_unlock(): after
  ``func`` when the sender waits, before it when it does not).  An idle CPU takes
  IPIs too: a CPU that returned with interrupts on may take them after its last step.

A sender that waits for a CPU that has interrupts off forever waits forever: that
is reported (an endless wait), as the kernel would hang.  A wait that an IPI
delivered later could end is not: the execution where it is delivered is explored.
IPIs are not counted against ``--irq-bound``: each one delivered is one sent.
smp_call_function_many() sends to each CPU of its mask but the caller, then waits for
all (with ``wait``); a call to the calling CPU itself runs ``func`` at once with
interrupts off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from smpcheck._rt.ops import ACQUIRE, MB, ONCE, RELEASE, await_load, rmw, store, where
from smpcheck._rt.runtime import (
    BLOCK,
    IPI_SOURCES,
    Cpu,
    IpiSource,
    Op,
    Run,
    add_control_deps,
    cpu_name,
    ctrl_restore,
    ctrl_save,
    current,
    issue,
)
from smpcheck.errors import UsageError
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.kernel.barrier import smp_mb, smp_wmb
from smpcheck.kernel.irqflags import _irq_words, local_irq_restore, local_irq_save
from smpcheck.model.objects import Field, Obj, Ref, Var
from smpcheck.model.values import deps_of, raw

__smp_engine__ = True

_queues: dict[Callable[[], Any], Any] = {}  # a target's CPU function -> its call queue
_csds: dict[tuple[Callable[[], Any], Callable[[], Any]], Any] = {}  # (sender, target) -> csd


def ipi_target(fn: Callable[[], Any], stand_in: bool = False) -> Any:
    """Declare that the CPU running ``fn`` may receive IPIs; returns its call queue (a
    global the model should name, e.g. ``ipi_queue_vcpu0``).

    ``stand_in``: no delivery; the CPU publishes its interrupt state in an irq word
    (returned instead), and a sender with ``wait`` waits until it reads 0 (interrupts
    on): the handler is not run, only handlers that touch no shared memory (ack_flush)
    are supported, and there is no csd locking.  It costs far less than delivery
    (which makes every point where the CPU has interrupts on a choice); the KVM 3.11
    model uses it (see docs/kernel-api.md for what delivery finds there)."""
    if stand_in:
        word = _irq_words.get(fn)
        if word is None:
            word = _irq_words[fn] = Var(0)
        return word
    queue = _queues.get(fn)
    if queue is None:
        queue = _queues[fn] = Var(())
        loc = queue._loc()

        def pending(g: ExecutionGraph) -> bool:
            return bool(g.event(g.co_max(loc)).value)

        IPI_SOURCES[fn] = IpiSource(lambda: _handle_ipis(queue), pending)
    return queue


def _csd(sender: Callable[[], Any], target: Callable[[], Any]) -> Any:
    csd = _csds.get((sender, target))
    if csd is None:
        name = f"csd_{getattr(sender, '__name__', 'cpu')}_{getattr(target, '__name__', 'cpu')}"
        csd = _csds[(sender, target)] = Ref(Obj(name, Field(0)))
    return csd


def _handle_ipis(queue: Any) -> None:
    """flush_smp_call_function_queue(): take every queued call and run it."""
    run, me = current()
    loc, deps = where(queue)
    calls = issue(Op("RMW", loc=loc, tags=MB | {"RMW"}, wtags=MB | {"RMW"}, addr=deps,
                     update=lambda old: () if old else BLOCK, can_end=_always,
                     text=f"llist_del_all({loc})"))
    saved = ctrl_save()
    add_control_deps(deps_of(calls))  # (what runs depends on what it took, and on that
    # it took something: the part after the handler too)
    for sender, func, info, wait in raw(calls):
        csd = _csd(run.cpus[sender].fn, me.fn)
        if not wait:
            store(csd, 0, RELEASE, "csd_unlock")
        func(info)
        if wait:
            store(csd, 0, RELEASE, "csd_unlock")
    ctrl_restore(saved)


def _always(g: ExecutionGraph) -> bool:
    return True


def _target(run: Run, c: int, name: str) -> Cpu:
    if not 0 <= c < len(run.cpus) or (run.cpus[c].fn not in _queues
                                      and run.cpus[c].fn not in _irq_words):
        raise UsageError(f"{name}: CPU {c} was not declared with ipi_target()")
    return run.cpus[c]


def _stand_in_wait(target: Cpu) -> None:
    """The stand-in's csd_lock_wait(): an acquire wait until the target's irq word is 0."""
    await_load(_irq_words[target.fn], ACQUIRE, lambda v: v == 0,
               f"csd_lock_wait(CPU {target.tid}: {{loc}} == 0)")


def _send(run: Run, me: Cpu, target: Cpu, func: Callable[[Any], Any], info: Any,
          wait: bool) -> None:
    """csd_lock(), then queue the call on ``target`` (which sends the IPI)."""
    csd = _csd(me.fn, target.fn)
    _wait_unlocked(csd, target, "csd_lock")
    store(csd, 1, ONCE, "csd_lock")
    smp_wmb()
    rmw(_queues[target.fn], lambda old: (*old, (me.tid, func, info, bool(wait))), MB,
        "llist_add")


def _wait_unlocked(csd: Any, target: Cpu, name: str) -> None:
    """csd_lock_wait(): an acquire wait until the target's handler unlocked ``csd``."""
    source = IPI_SOURCES[target.fn]
    tid = target.tid

    def target_may_take_it(g: ExecutionGraph) -> bool:
        last = g.threads[tid][-1] if g.threads[tid] else None
        return last is not None and bool(last.extra.get("irqs_on")) and source.pending(g)

    await_load(csd, ACQUIRE, lambda v: v == 0,
               f"{name}(CPU {tid} ({cpu_name(target)}): {{loc}} == 0)", target_may_take_it)


def smp_call_function_single(cpu: int, func: Callable[[Any], Any], info: Any,
                             wait: bool) -> int:
    """Run ``func(info)`` on CPU ``cpu`` (see the module docstring); 0."""
    run, me = current()
    if cpu == me.tid:
        flags = local_irq_save()
        func(info)
        local_irq_restore(flags)
        return 0
    target = _target(run, cpu, "smp_call_function_single")
    if target.fn in _irq_words:
        smp_call_function_many([cpu], func, info, wait)
        return 0
    _send(run, me, target, func, info, wait)
    if wait:
        _wait_unlocked(_csd(me.fn, target.fn), target, "csd_lock_wait")
    return 0


def smp_call_function_many(cpus: Iterable[int], func: Callable[[Any], Any], info: Any,
                           wait: bool) -> None:
    """Run ``func(info)`` on each CPU of ``cpus`` but this one (see the module docstring)."""
    run, me = current()
    targets = [_target(run, c, "smp_call_function_many") for c in cpus if c != me.tid]
    stand_ins = [t for t in targets if t.fn in _irq_words]
    if stand_ins:
        smp_mb()  # (the stand-in: llist_add's full barrier, then the wait below)
    for target in targets:
        if target not in stand_ins:
            _send(run, me, target, func, info, wait)
    if wait:
        for target in targets:
            if target in stand_ins:
                _stand_in_wait(target)
            else:
                _wait_unlocked(_csd(me.fn, target.fn), target, "csd_lock_wait")


def on_each_cpu(func: Callable[[Any], Any], info: Any, wait: bool) -> None:
    """Run ``func(info)`` on every CPU declared with ipi_target() and on this one."""
    run, me = current()
    smp_call_function_many([c.tid for c in run.cpus if c.fn in _queues], func, info, wait)
    flags = local_irq_save()
    func(info)
    local_irq_restore(flags)


def ack_flush(info: Any) -> None:
    """virt/kvm/kvm_main.c: the IPI handler of remote requests; it does nothing."""


def smp_processor_id() -> int:
    """The number of the CPU running the caller (0, 1, ...: its place in the model)."""
    return current()[1].tid


__all__ = [
    "ipi_target",
    "smp_processor_id",
    "smp_call_function_single",
    "smp_call_function_many",
    "on_each_cpu",
    "ack_flush",
]
