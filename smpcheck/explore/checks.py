"""Checks run on every complete execution: KASAN-like memory errors, data races,
and the model's final-state condition.

Data races are what the memory model reports (:meth:`MemoryModel.races`): two
accesses of one location from different CPUs, at least one a write and at least
one plain, that the model's order does not order.  Only the LKMM reports them
(tools/memory-model's definition; a cat model with a data-race flag reports its
own): under sc and tso a plain access is one machine access, as herd7's sc.cat
and x86tso.cat treat it, so a plain counter increment without a lock is a lost
update there, found by the model's condition, not a data race.  Marked accesses
(READ_ONCE, atomics...) never race.

Memory errors follow the memory model too: kfree() writes POISON to the object
(smpcheck.kernel.slab), so a read of freed memory is one that reads POISON, in
an execution the model allows, and a write to freed memory one coherence-after
it.  A CPU that reads POISON stops there; the execution's other CPUs go on, and
its final-state condition is not judged (that CPU has no registers).

A final-state condition failing points at the line of the model file where the
condition is stated (it belongs to no CPU).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.runtime import STOPPED
from smpcheck.graph.events import Event, Source
from smpcheck.graph.final import final_state
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.model.model import FinalState, Model, Unmet, items_key
from smpcheck.model.objects import Loc, is_poison
from smpcheck.model.propositions import mentioned
from smpcheck.model.source import source_line
from smpcheck.model.values import EventId
from smpcheck.models.base import MemoryModel
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Result

_REGS_KEYS = 4096  # register dicts whose key part is remembered


class Checker:
    """Judges each complete execution; reports findings through ``report``."""

    def __init__(self, model: Model, mm: MemoryModel, globals_: dict[str, Loc],
                 report: Any, keep_witnesses: bool = True) -> None:
        self.model = model
        self.keep_witnesses = keep_witnesses  # a graph per final state, for tables
        self.mm = mm
        self.globals = globals_
        self.report = report
        self.satisfied = 0
        self.witness: ExecutionGraph | None = None
        self.first: ExecutionGraph | None = None  # re-run to check determinism
        self._regs_keys: dict[int, tuple[dict[str, Any], tuple[Any, ...]]] = {}

    def reset(self) -> None:
        """Forget the executions judged so far (the explorer starts another pass)."""
        self.satisfied = 0
        self.witness = None
        self.first = None

    def __call__(self, g: ExecutionGraph, result: Result) -> None:
        if self.first is None:
            self.first = g.copy()
        view = View(g)
        self.memory_errors(g, view)
        state = None if _stopped(g) else final_state(g, self.model, self.globals)
        flt = self.model.compiled_filter
        if state is not None and flt is not None and not flt.holds_in(state):
            return  # (an execution the filter drops raises no flag, as under herd7)
        self.data_races(g, view)
        for flag in self.mm.flags(view):
            result.flags[flag] = result.flags.get(flag, 0) + 1
        if state is not None:
            self.condition(g, result, state)

    # -- KASAN-like ---------------------------------------------------------------
    def memory_errors(self, g: ExecutionGraph, view: View) -> None:
        """Double frees, and accesses of freed memory: reads of POISON, writes
        coherence-after it (kfree's own POISON writes aside)."""
        if not g.frees:  # (no kfree: nothing to look for)
            return
        frees: dict[int, list[Event]] = {}
        for ev in g.events():
            if ev.kind == "D" and ev.obj is not None:
                frees.setdefault(id(ev.obj), []).append(ev)
        for evs in frees.values():
            if len(evs) > 1:
                a, b = evs[0], evs[1]
                self.report(Violation(Kind.DOUBLE_FREE, f"{b.op}: already freed by {a.op} "
                                      f"on CPU {a.tid}", b.tid, b.src, g.copy(), (a.id, b.id)))
        for ev in g.events():
            poison = _poison_before(g, ev)
            if poison is not None:
                free = _free_of(g, poison)
                verb = "reads" if ev.kind == "R" else "writes"
                where = (f"line {free.src.line}" if free.src.path == ev.src.path
                         else str(free.src))
                msg = (f"{_access_text(ev)} {ev.loc} on CPU {ev.tid} {verb} memory freed by "
                       f"{free.op} on CPU {free.tid} at {where}")
                self.report(Violation(Kind.USE_AFTER_FREE, msg, ev.tid, ev.src, g.copy(),
                                      (ev.id, poison.id)))

    # -- races ----------------------------------------------------------------------
    def data_races(self, g: ExecutionGraph, view: View) -> None:
        for i, j in self.mm.races(view):
            a, b = view.events[i], view.events[j]
            if is_poison(a.value) or is_poison(b.value):
                continue  # an access racing with a kfree is a use-after-free, or none
            later = b if (b.src.line, b.tid) >= (a.src.line, a.tid) else a
            other = a if later is b else b
            msg = (f"data race on {a.loc}: {_access_text(a)} on CPU {a.tid} (line {a.src.line}) "
                   f"and {_access_text(b)} on CPU {b.tid} (line {b.src.line}), "
                   "at least one plain, not ordered")
            self.report(Violation(Kind.DATA_RACE, msg, later.tid, later.src, g.copy(),
                                  (other.id, later.id)))

    # -- the final-state condition ------------------------------------------------
    def condition(self, g: ExecutionGraph, result: Result, state: FinalState) -> None:
        """Count the final ``state`` of ``g`` (one the filter keeps) and judge it."""
        cond = self.model.condition
        key = state.key(self._regs_key)
        result.outcomes[key] = result.outcomes.get(key, 0) + 1
        if self.model.observe_only and self.keep_witnesses and key not in result.witnesses:
            result.witnesses[key] = g.copy()
        if cond is None:
            return
        holds = cond.holds_in(state)
        if holds:
            result.positive += 1
        else:
            result.negative += 1
        if self.model.observe_only:
            return
        if cond.quantifier == "exists" and holds and self.witness is None:
            self.witness = g.copy()
        bad = (cond.quantifier == "~exists" and holds) or (cond.quantifier == "forall"
                                                           and not holds)
        if bad:
            what = "is reachable" if cond.quantifier == "~exists" else "does not hold"
            test: Callable[[FinalState], object] = cond.test  # (a callable may give Unmet)
            why = test(state)
            detail = (why.reason if isinstance(why, Unmet)
                      else f"the proposition {what} in this execution")
            self.report(Violation(Kind.CONDITION, f"{cond.quantifier} ({cond.text}): {detail}",
                                  None, self.condition_src(), g.copy(),
                                  self.condition_events(g)))

    def _regs_key(self, regs: dict[str, Any]) -> tuple[Any, ...]:
        """A CPU's part of a final-state key, remembered per register dict: a CPU's
        return value is one object in every execution that gives it the same answers
        (the dict is kept, so its id stays its own; a bounded memory)."""
        hit = self._regs_keys.get(id(regs))
        if hit is not None and hit[0] is regs:
            return hit[1]
        if len(self._regs_keys) >= _REGS_KEYS:
            self._regs_keys.clear()
        part = items_key(regs)
        self._regs_keys[id(regs)] = (regs, part)
        return part

    def finish(self, result: Result) -> None:
        """After the exploration: an ``exists`` never satisfied is a finding."""
        cond = self.model.condition
        if cond is None:
            return
        result.condition = f"{cond.quantifier} ({cond.text})"
        if (cond.quantifier == "exists" and result.positive == 0 and not result.incomplete
                and not self.model.observe_only):
            self.report(Violation(Kind.CONDITION, f"exists ({cond.text}): no execution "
                                  "satisfies the proposition", None, self.condition_src(), None))

    def condition_events(self, g: ExecutionGraph) -> tuple[EventId, ...]:
        """The events that decide the condition: every read of a CPU whose register it
        names, and the last write of each location it names (a string condition only)."""
        cond = self.model.condition
        if cond is None or callable(cond.source):
            return ()
        refs = mentioned(cond.text, self.model.path)
        cpus = {r.thread for r in refs if r.thread is not None}
        out = [ev.id for t in cpus if t < len(g.threads) for ev in g.threads[t]
               if ev is not None and ev.kind == "R"]
        for r in refs:
            loc = self.globals.get(r.name) if r.thread is None else None
            if loc is not None and not g.event(g.co_max(loc)).is_init:
                out.append(g.co_max(loc))
        return tuple(out)

    def condition_src(self) -> Source | None:
        """Where the model file states its condition."""
        line = self.model.condition_line
        if line is None:
            return None
        return Source(self.model.path, line, source_line(self.model.path, line))


def _stopped(g: ExecutionGraph) -> bool:
    """Whether a CPU of ``g`` stopped at a read of freed memory (it has no registers)."""
    for t in g.threads:  # noqa: SIM110 - (a loop, no generator: once per execution)
        if t and t[-1] is not None and t[-1].value is STOPPED:
            return True
    return False


def _poison_before(g: ExecutionGraph, ev: Event) -> Event | None:
    """The POISON write a read of freed memory reads, or that a write to freed memory
    comes coherence-after; None for other accesses."""
    if ev.kind == "R":
        src = g.event(g.rf[ev.id])
        return src if is_poison(src.value) else None
    if ev.kind != "W" or ev.loc is None or is_poison(ev.value) or not ev.loc.obj.heap:
        return None
    order = g.co_order(ev.loc)
    for w in reversed(order[:order.index(ev.id)]):
        before = g.event(w)
        if is_poison(before.value):
            return before
    return None


def _free_of(g: ExecutionGraph, poison: Event) -> Event:
    """The kfree (D event) that wrote ``poison``: the next free on its CPU."""
    for ev in g.threads[poison.tid][poison.idx + 1:]:
        if ev is not None and ev.kind == "D":
            return ev
    return poison


def _access_text(ev: Any) -> str:
    kind = "write" if ev.kind == "W" else "read"
    return kind if ev.marked else f"plain {kind}"
