"""Brute-force enumeration of candidate executions, judged by a memory model's axioms.

Each CPU function is run alone, with every read answered by each value its
location could hold (per-location value sets grow to a fixpoint), through the
real kernel primitives, so events, tags and dependencies are exactly those the
explorer records.  Traces are combined, every reads-from choice and every
coherence order enumerated, and the graphs the model accepts are the
executions.  This is herd's method; it is independent of the explorer's
revisiting, which it checks.

A spin_unlock() that matches no lock (a fence with the lock's location) is
kept out of coherence order and read by spin_is_locked() alone, as lock.cat
has it.

Two cheap filters keep it small without changing the answer: a combination of
traces is dropped when some read guessed a value no trace writes, and per
location only (rf, co) choices that are coherent (``po-loc | rf | co | fr``
acyclic, RMWs atomic) are combined, since every model requires both.  A
program whose candidates still exceed ``limit`` raises :class:`CandidateLimit`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import greenlet

from smpcheck._rt import runtime as _runtime
from smpcheck._rt.runtime import BLOCK, Cpu, Op, Run
from smpcheck.explore.explorer import Explorer
from smpcheck.graph.events import Event, lone_unlock
from smpcheck.graph.final import final_state
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.model.values import EventId, Val
from smpcheck.models import get_model

Trace = list[Event]
Domains = dict[Loc, set[Any]]
LocChoice = tuple[list[EventId], dict[EventId, EventId]]  # (co without init, rf)


class CandidateLimit(Exception):
    """The program has more candidate executions than the enumerator is allowed to try."""


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise CandidateLimit


class _Tracer(Run):
    """Runs one CPU function, answering reads from a list of guessed values."""

    def __init__(self, fn: Callable[[], Any], tid: int, guesses: list[Any]) -> None:
        super().__init__([fn])
        self.tid = tid
        self.guesses = list(guesses)
        self.events: Trace = []
        self.need_value: Loc | None = None  # the location of a read with no guess left
        self.failed = False  # the CPU stopped at an error (no execution)

    def submit(self, cpu: Cpu, op: Op) -> Any:
        op.ctrl = cpu.ctrl
        op.branch = cpu.branch
        if op.kind in ("R", "RMW"):
            return self._read(op)
        if op.kind in ("ERR", "BOUND", "B"):
            self.failed = True
            self._pause()  # (unwinds as the runtime does when killed)
        self.events.append(Explorer._event(self.tid, len(self.events), op, op.kind))
        return None

    def _read(self, op: Op) -> Any:
        if not self.guesses:
            self.need_value = op.loc
            self._pause()  # (unwinds as the runtime does when killed)
        pos = len(self.events)
        value = self.guesses.pop(0)
        outcome = op.update(value) if op.update is not None else None
        if outcome is BLOCK or (op.await_ok is not None and not op.await_ok(value)):
            self.failed = True  # the CPU would wait here: blocked, not an execution
            self._pause()
        ok = op.kind == "RMW" and outcome is not None
        tags = op.tags if ok or op.ftags is None else op.ftags
        if op.vtags is not None:  # (spin_is_locked(): RL or RU by the value)
            tags = tags | op.vtags(value)
        read = Explorer._event(self.tid, pos, op, "R", value=value, tags=tags, rmw=ok)
        self.events.append(read)
        if ok:
            self.events.append(Explorer.rmw_write(read, op, outcome))
        elif op.kind == "RMW":  # the explorer's place holder of a failed RMW's write
            self.events.append(Explorer._event(self.tid, pos + 1, op, "N", value=None,
                                               tags=frozenset()))
        return Val(value, frozenset({read.id}))


def traces(fn: Callable[[], Any], tid: int, domains: Domains,
           locs: Locations, budget: _Budget, stopped: list[Trace] | None = None
           ) -> list[Trace]:
    """Every complete event sequence of one CPU when a read of a location may return
    any value of that location's domain (its initial value when it has none yet);
    the sequences of runs that stopped (an error, a wait) are added to ``stopped``."""
    out = []
    todo: list[list[Any]] = [[]]
    while todo:
        budget.spend()
        guesses = todo.pop()
        tr = _Tracer(fn, tid, guesses)
        cpu = Cpu(tid, fn)
        cpu.fed = tr.events  # (what the CPU was given, as the runtime keeps it: the
        #                        litmus spin_unlock() looks there for its lock)
        glet = greenlet.greenlet(tr._body(cpu), parent=tr.main)
        glet.smp_cpu = cpu
        _runtime.set_run(tr)
        try:
            glet.switch()
            if not glet.dead:
                glet.throw(greenlet.GreenletExit)
        finally:
            _runtime.set_run(None)
        if tr.need_value is not None:
            loc = tr.need_value
            values = domains.setdefault(loc, {locs.init_of(loc).value})
            todo.extend(guesses + [v] for v in sorted(values, key=repr))
        elif not tr.failed:
            out.append(tr.events)
        elif stopped is not None:
            stopped.append(tr.events)
    return out


def _all_traces(model: Model, locs: Locations, budget: _Budget) -> list[list[Trace]]:
    """Each CPU's traces, with the value domains grown until no trace writes anything new.

    A value that takes more rounds to appear than a combination has writes can only
    come from a cycle of reads and writes that feed each other (values out of thin
    air), which every model forbids: growing stops there.  The writes of a run that
    stopped (at a BUG_ON a guessed value fired) grow the domains too: they were made
    before it stopped, and another value may let it end (a CPU writing 1 and reading
    it back past BUG_ON(r == 0) has no complete run while 0 is the only guess)."""
    domains: Domains = {}
    rounds = 0
    while True:
        stopped: list[Trace] = []
        per_cpu = [traces(fn, t, domains, locs, budget, stopped)
                   for t, fn in enumerate(model.cpus)]
        rounds += 1
        if rounds > _max_writes(per_cpu + [stopped]):
            return per_cpu
        grown = False
        for ev in itertools.chain.from_iterable(itertools.chain(*per_cpu, stopped)):
            if ev.kind == "W":
                assert ev.loc is not None
                values = domains.setdefault(ev.loc, {locs.init_of(ev.loc).value})
                if ev.value not in values:
                    values.add(ev.value)
                    grown = True
        if not grown:
            return per_cpu


def _max_writes(per_cpu: list[list[Trace]]) -> int:
    """The most write events a combination of traces can hold."""
    return sum(max((sum(ev.kind == "W" for ev in tr) for tr in trs), default=0)
               for trs in per_cpu)


def executions(model: Model, names: dict[str, Any], mm_name: str,
               limit: int = 100000) -> tuple[int, set[Any]]:
    """The number of consistent executions and their final states.

    Raises :class:`CandidateLimit` when more than about ``limit`` traces, coherent
    (rf, co) choices and graphs would have to be tried."""
    from smpcheck.graph.view import View

    mm = get_model(mm_name)
    budget = _Budget(limit)
    locs = Locations()
    count, finals = 0, set()
    for combo in _combos(_all_traces(model, locs, budget), locs, budget):
        for g in _graphs(combo, locs, budget):
            budget.spend()
            if mm.inconsistency(View(g)) is None and mm.deferred_inconsistency(g) is None:
                count += 1
                finals.add(final_state(g, model, names).key())
    return count, finals


# -- combining traces ------------------------------------------------------------------
def _needs(tr: Trace, locs: Locations) -> set[tuple[Loc, Any]]:
    """(location, value) pairs a trace reads that neither the initial value nor its own
    earlier writes explain: some other CPU must write them."""
    out: set[tuple[Loc, Any]] = set()
    own: set[tuple[Loc, Any]] = set()
    for ev in tr:
        assert ev.loc is not None or ev.kind not in "RW"
        if ev.kind == "R" and ev.loc is not None:
            key = (ev.loc, ev.value)
            if ev.value != locs.init_of(ev.loc).value and key not in own:
                out.add(key)
        elif ev.kind == "W" and ev.loc is not None:
            own.add((ev.loc, ev.value))
    return out


def _provides(tr: Trace) -> set[tuple[Loc, Any]]:
    return {(ev.loc, ev.value) for ev in tr if ev.kind == "W" and ev.loc is not None}


def _combos(per_cpu: list[list[Trace]], locs: Locations,
            budget: _Budget) -> Iterator[list[Trace]]:
    """Combinations of one trace per CPU in which every guessed value is written somewhere."""
    info = [[(tr, _needs(tr, locs), _provides(tr)) for tr in trs] for trs in per_cpu]
    later: list[set[tuple[Loc, Any]]] = [set() for _ in range(len(info) + 1)]
    for i in range(len(info) - 1, -1, -1):
        later[i] = later[i + 1].union(*(p for _, _, p in info[i]))

    def go(i: int, chosen: list[Trace], need: set[Any], have: set[Any]) -> Iterator[list[Trace]]:
        budget.spend()
        if not (need - have) <= later[i]:
            return
        if i == len(info):
            yield list(chosen)
            return
        for tr, n, p in info[i]:
            chosen.append(tr)
            yield from go(i + 1, chosen, need | n, have | p)
            chosen.pop()

    yield from go(0, [], set(), set())


def _graphs(threads: list[Trace], locs: Locations, budget: _Budget) -> Iterator[ExecutionGraph]:
    """Every coherent (rf, co) completion of fixed CPU traces whose reads see their guesses."""
    g0 = ExecutionGraph(len(threads), locs)
    by_loc: dict[Loc, list[Event]] = {}
    for t in threads:
        for ev in t:
            g0.add(_clean(ev))
            if (ev.kind in "RW" or lone_unlock(ev)) and ev.loc is not None:
                by_loc.setdefault(ev.loc, []).append(ev)
    per_loc = [(loc, _loc_choices(locs.init_of(loc), evs, budget)) for loc, evs in by_loc.items()]
    for picks in itertools.product(*(choices for _, choices in per_loc)):
        g = g0.copy()
        for (loc, _), (co, rf) in zip(per_loc, picks, strict=True):
            if co:
                g.co[loc] = list(co)
            g.rf.update(rf)
        yield g


def _loc_choices(init: Event, evs: list[Event], budget: _Budget) -> list[LocChoice]:
    """The coherent (co, rf) choices for the accesses ``evs`` of one location."""
    writes = [ev for ev in evs if ev.kind == "W"]
    reads = [ev for ev in evs if ev.kind == "R"]
    lone = [ev for ev in evs if lone_unlock(ev)]  # (read by spin_is_locked() alone)
    out: list[LocChoice] = []
    for perm in _interleavings(writes):
        budget.spend()
        order = [init, *perm]
        srcs = [[w.id for w in [*order, *(lone if "RU" in r.tags else [])]
                 if w.value == r.value] for r in reads]
        for rf_pick in itertools.product(*srcs):
            budget.spend()
            rf = {r.id: w for r, w in zip(reads, rf_pick, strict=True)}
            if _coherent(order, evs, rf):
                out.append(([w.id for w in perm], rf))
    return out


def _interleavings(writes: list[Event]) -> Iterator[tuple[Event, ...]]:
    """Orders of ``writes`` that keep each CPU's writes in program order (coherence
    forbids any other)."""
    if not writes:
        yield ()
        return
    firsts: dict[int, Event] = {}
    for w in writes:
        firsts.setdefault(w.tid, w)
    for w in firsts.values():
        rest = [x for x in writes if x is not w]
        for tail in _interleavings(rest):
            yield (w, *tail)


def _coherent(order: list[Event], evs: list[Event], rf: dict[EventId, EventId]) -> bool:
    """``po-loc | rf | co | fr`` acyclic over one location, and each RMW atomic."""
    pos = {w.id: i for i, w in enumerate(order)}
    for ev in evs:
        if ev.kind == "W" and ev.rmw and rf[(ev.tid, ev.idx - 1)] != order[pos[ev.id] - 1].id:
            return False
    succ: dict[Any, list[Any]] = {e.id: [] for e in [*order, *evs]}
    for a, b in itertools.pairwise(order):
        succ[a.id].append(b.id)
    for r, w in rf.items():
        succ[w].append(r)
        if w in pos and pos[w] + 1 < len(order):  # (a lone unlock: no fr)
            succ[r].append(order[pos[w] + 1].id)
    last: dict[int, EventId] = {}
    for ev in evs:  # evs are in program order per CPU
        if ev.tid in last:
            succ[last[ev.tid]].append(ev.id)
        last[ev.tid] = ev.id
    return _acyclic(succ)


def _acyclic(succ: dict[Any, list[Any]]) -> bool:
    indeg = dict.fromkeys(succ, 0)
    for outs in succ.values():
        for b in outs:
            indeg[b] += 1
    ready = [n for n, d in indeg.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for b in succ[n]:
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    return seen == len(succ)


def _clean(ev: Event) -> Event:
    """The event as the explorer stores it (reads carry no value of their own)."""
    if ev.kind != "R":
        return ev
    return Event(ev.id, "R", ev.loc, None, ev.tags, ev.rmw, ev.addr, ev.data, ev.ctrl, ev.obj,
                 ev.op, ev.src, ev.extra, ev.branch)
