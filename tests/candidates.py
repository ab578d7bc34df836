"""Brute-force enumeration of candidate executions, judged by a memory model's axioms.

Each CPU function is run alone, with every read answered by each value it
could see (values grow to a fixpoint), through the real kernel primitives, so
events, tags and dependencies are exactly those the explorer records.  Traces
are combined, every reads-from choice and every coherence order enumerated,
and the graphs the model accepts are the executions.  This is herd's method;
it is independent of the explorer's revisiting, which it checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import greenlet

from smpcheck import _runtime
from smpcheck._runtime import BLOCK, Cpu, Op, Run
from smpcheck.events import Event
from smpcheck.explorer import Explorer
from smpcheck.graph import ExecutionGraph, Locations
from smpcheck.model import Model, final_state
from smpcheck.models import get_model
from smpcheck.values import Val
from smpcheck.view import View


class _Tracer(Run):
    """Runs one CPU function, answering reads from a list of guessed values."""

    def __init__(self, fn: Callable[[], Any], tid: int, guesses: list[Any]) -> None:
        super().__init__([fn])
        self.tid = tid
        self.guesses = list(guesses)
        self.events: list[Event] = []
        self.need_value: Any = None  # the location of a read with no guess left

    def submit(self, cpu: Cpu, op: Op) -> Any:
        op.ctrl = cpu.ctrl
        pos = len(self.events)
        if op.kind in ("R", "RMW"):
            if not self.guesses:
                self.need_value = op.loc
                self.main.switch(None)
            value = self.guesses.pop(0)
            outcome = op.update(value) if op.update is not None else None
            assert outcome is not BLOCK
            ok = op.kind == "RMW" and outcome is not None
            tags = op.tags if ok or op.ftags is None else op.ftags
            read = Explorer._event(self.tid, pos, op, "R", value=value, tags=tags, rmw=ok)
            self.events.append(read)
            if ok:
                self.events.append(Explorer._event(self.tid, pos + 1, op, "W", value=outcome,
                                                   tags=op.wtags, rmw=True,
                                                   data=op.data | frozenset({read.id})))
            return Val(value, frozenset({read.id}))
        self.events.append(Explorer._event(self.tid, pos, op, op.kind))
        return None


def traces(fn: Callable[[], Any], tid: int, domain: set[Any]) -> list[list[Event]]:
    """Every event sequence of one CPU when its reads may return any value of ``domain``."""
    out = []
    todo: list[list[Any]] = [[]]
    while todo:
        guesses = todo.pop()
        tr = _Tracer(fn, tid, guesses)
        cpu = Cpu(tid, fn)
        glet = greenlet.greenlet(fn, parent=tr.main)
        glet.smp_cpu = cpu
        _runtime.set_run(tr)
        try:
            glet.switch()
        finally:
            _runtime.set_run(None)
        if tr.need_value is not None:
            glet.throw(greenlet.GreenletExit)
            todo.extend(guesses + [v] for v in sorted(domain, key=repr))
        else:
            out.append(tr.events)
    return out


def executions(model: Model, names: dict[str, Any], mm_name: str) -> tuple[int, set[Any]]:
    """The number of consistent executions and their final states."""
    mm = get_model(mm_name)
    domain: set[Any] = {0}
    while True:  # grow the value domain until no trace writes anything new
        per_cpu = [traces(fn, t, domain) for t, fn in enumerate(model.cpus)]
        written = {e.value for tr in itertools.chain(*per_cpu) for e in tr if e.kind == "W"}
        if written <= domain:
            break
        domain |= written
    count, finals = 0, set()
    locs = Locations()
    for combo in itertools.product(*per_cpu):
        for g in _graphs(list(combo), locs):
            if mm.inconsistency(View(g)) is None:
                count += 1
                finals.add(final_state(g, model, names).key())
    return count, finals


def _graphs(threads: list[list[Event]], locs: Locations) -> Any:
    """Every (rf, co) completion of fixed CPU traces whose reads see their guessed values."""
    g0 = ExecutionGraph(len(threads), locs)
    reads, writes = [], {}
    for t in threads:
        for ev in t:
            g0.add(_clean(ev))
            if ev.kind == "R":
                reads.append(ev)
            elif ev.kind == "W":
                writes.setdefault(ev.loc, []).append(ev.id)
    for loc in list(writes) + [r.loc for r in reads]:
        g0.init_of(loc)
    choices = []
    for r in reads:
        srcs = [w for w in g0.co_order(r.loc) if g0.event(w).value == r.value]
        if not srcs:
            return
        choices.append(srcs)
    cos = [list(itertools.permutations(ws)) for ws in writes.values()]
    for rf in itertools.product(*choices):
        for co in itertools.product(*cos):
            g = g0.copy()
            g.rf = {r.id: w for r, w in zip(reads, rf, strict=True)}
            g.co = {loc: list(order) for loc, order in zip(writes, co, strict=True)}
            yield g


def _clean(ev: Event) -> Event:
    """The event as the explorer stores it (reads carry no value of their own)."""
    if ev.kind != "R":
        return ev
    return Event(ev.id, "R", ev.loc, None, ev.tags, ev.rmw, ev.addr, ev.data, ev.ctrl, ev.obj,
                 ev.op, ev.src, ev.extra)
