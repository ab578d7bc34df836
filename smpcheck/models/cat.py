"""A cat model (herd's model files, read by :mod:`smpcheck.cat`) as a memory model.

:class:`CatMemoryModel` implements :class:`~smpcheck.models.base.MemoryModel`
by handing each execution graph the explorer builds (complete or not) to the
interpreted model: the graph's dense :class:`~smpcheck.graph.view.View` becomes the
execution dict :mod:`smpcheck.cat` documents, with the lock events in their own
classes (``LKR``, ``LKW``, ``UL``, ``LF``, ``RL``, ``RU``) as herd's engine
gives them, and every ``with x from S`` pinned to the graph's own rf and co.

An execution is inconsistent when one of the model's checks fails (its name
is the axiom reported); flags (``flag ~empty ... as name``) are
:meth:`flags`, evaluated on complete executions only.  Races are the pairs of
the ``data-race`` flag's witness relation when the model has one.

Prefix closure: the explorer asks about partial graphs too, and drops a graph
(and everything that extends it) once the model rejects it.  That is sound for
models whose checks only get harder to pass as events are added -- the
acyclicity and emptiness checks of sc.cat, x86tso.cat and linux-kernel.cat,
whose relations grow with the graph.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from mypy_extensions import mypyc_attr

from smpcheck.cat import CatModel, CatResult, Execution, pin_to_execution
from smpcheck.cat.batch_eval import evaluate_batch
from smpcheck.graph import dense
from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View
from smpcheck.model.values import EventId
from smpcheck.models.base import ATOMIC, MemoryModel, unordered_conflicts
from smpcheck.models.cycles import (
    atomicity_broken,
    coherence_broken,
    has_cycle,
    immediate_po,
    successors,
)
from smpcheck.models.lkmm import LKMM

#: Lock event classes of lock.cat, by the tag the kernel API gives them.
LOCK_CLASSES = ("LKR", "LKW", "UL", "LF", "RL", "RU")
_LOCK_TAGS = frozenset(LOCK_CLASSES)
_X86_FENCES = ("MFENCE", "SFENCE", "LFENCE")


def _lock_class(ev: Event) -> str | None:
    hit = ev.tags & _LOCK_TAGS
    return next(iter(hit)) if hit else None


def final_writes(view: View, observed: frozenset[Any]) -> int:
    """``FW``: the coherence-last write of each location the final condition reads
    (herd's final writes; a lock's included, which is what lock.cat's ``lock-final``
    flags)."""
    g = view.g
    fw = 0
    for loc in observed:
        i = view.index.get(g.co_max(loc))  # (the initial write if nothing writes it)
        if i is not None:
            fw |= 1 << i
    return fw


def execution_of(view: View, observed: frozenset[Any] = frozenset()) -> dict[str, Any]:
    """The execution dict of :mod:`smpcheck.cat` for one view of a graph; ``observed``:
    the locations the final condition reads."""
    n = view.n
    sets: dict[str, int] = {name: 0 for name in (*LOCK_CLASSES, *_X86_FENCES)}
    tags: dict[str, int] = {}
    reads = writes = fences = srcu = rmw_events = 0
    location: list[Any] = []
    for i, ev in enumerate(view.events):
        bit = 1 << i
        cls = _lock_class(ev)
        if cls is not None:
            sets[cls] |= bit
        elif ev.kind == "R":
            reads |= bit
        elif ev.kind == "W":
            writes |= bit
        elif ev.kind == "F":
            if "sync-srcu" in ev.tags:
                srcu |= bit
            else:
                fences |= bit
        if cls is None and "RMW" in ev.tags and ev.kind in "RW":
            rmw_events |= bit
        for tag in ev.tags:
            tags[tag] = tags.get(tag, 0) | bit
        located = ev.kind in "RW" or bit & srcu or cls == "UL"  # (an unmatched UL: a fence)
        location.append(ev.loc if located else None)
    for name in _X86_FENCES:
        sets[name] = tags.get(name, 0) & fences
    sets["MFENCE"] |= tags.get("MB", 0) & fences  # smp_mb() is MFENCE on x86
    rmw = rmw_pairs(view)
    locks = sets["LKR"] | sets["LKW"]
    rmw = rmw.restrict(~locks & ((1 << n) - 1), None)
    return {"n": n, "R": reads, "W": writes, "IW": view.IW, "FW": final_writes(view, observed),
            "F": fences, "SRCU": srcu,
            "RMW": rmw_events | rmw.domain() | rmw.range(), "po": view.po, "rf": view.rf,
            "co": view.co, "location": location, "int": view.int, "rmw": rmw,
            "addr": view.addr, "data": view.data, "ctrl": view.ctrl, "tags": tags,
            "values": _values(view), **sets}


def rmw_pairs(view: View) -> Rel:
    """The read -> write pairs of RMWs (lock ones included) whose read is in the view.

    Unlike ``View.rmw`` this tolerates a graph that lost an RMW's read but kept
    its write, which a revisit can leave behind until the read is re-added."""
    pairs = []
    for i, ev in enumerate(view.events):
        if ev.rmw and ev.kind == "W":
            j = view.index.get((ev.tid, ev.idx - 1))
            if j is not None:
                pairs.append((j, i))
    return Rel.from_pairs(view.n, pairs)


def _value(view: View, ev: Event) -> Any:
    if ev.kind == "R":
        src = view.g.rf.get(ev.id)
        return view.events[view.index[src]].value if src in view.index else None
    return ev.value


@mypyc_attr(native_class=False)  # (compiled: its base, MemoryModel, is a Python class)
class CatMemoryModel(MemoryModel):
    """A loaded cat model, judging the explorer's graphs (see the module docstring)."""

    track_dependencies = True

    def __init__(self, model: CatModel, name: str | None = None,
                 track_dependencies: bool = True) -> None:
        self.model = model
        self.name = name or (model.title or model.path)
        self.track_dependencies = track_dependencies
        self._last: tuple[tuple[Any, ...], CatResult] | None = None
        # id(graph) -> the graph and its verdict, for the last batch (the graph is kept:
        # a graph freed since may leave its id to another, which must not get its verdict)
        self._batch: dict[int, tuple[ExecutionGraph, CatResult]] = {}
        self.observed: frozenset[Any] = frozenset()  # locations the final condition reads
        self._kernel = LKMM()  # (its prefix axioms for speculating graphs: _speculating)
        self._plain_coherence = ("check", "plain-coherence") in model.checks

    def keeps_order(self, earlier: Event, later: Event, between: Sequence[Event]) -> bool:
        """The kernel model's rule (same location, full fences, acquire and release):
        a cat model with dependencies is the LKMM's text here; keeping more would lose
        load buffering, keeping less executions its fences forbid to reach."""
        return LKMM.keeps_order(self, earlier, later, between)  # type: ignore[arg-type]

    def keeps_order_failed(self, earlier: Event, later: Event, between: Sequence[Event]
                           ) -> bool:
        """The kernel model's rule too (:meth:`LKMM.keeps_order_failed`)."""
        return LKMM.keeps_order_failed(self, earlier, later, between)  # type: ignore[arg-type]

    def speculates(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """The kernel model's rule too (:meth:`LKMM.speculates`): a cat model with
        dependencies is the LKMM's text here."""
        return LKMM.speculates(self, read, write, between)  # type: ignore[arg-type]

    def bounded(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """The kernel model's rule (:meth:`LKMM.bounded`), where the model checks
        linux-kernel.cat's plain-coherence, which the rule stands on."""
        return self._plain_coherence and LKMM.bounded(
            self, read, write, between)  # type: ignore[arg-type]

    def judge(self, view: View) -> CatResult:
        """The model's verdict on one view (the last one, and the last batch's, are
        remembered)."""
        hit = self._batch.get(id(view.g))
        if hit is not None and hit[0] is view.g:
            return hit[1]
        key = _signature(view)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        exe = Execution(execution_of(view, self.observed))
        result = self.model.check(exe, resolver=pin_to_execution(exe))
        self._last = (key, result)
        return result

    def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                            atomicity: bool = True) -> str | None:
        """Atomicity and coherence as the explorer goes (cheap, and they cut most
        prefixes that will never be executions); the interpreted model's axioms once
        an execution is complete (:meth:`deferred_inconsistency`): evaluating the
        whole cat model after every event costs more than the prefixes it cuts.
        A graph where reads speculate is judged further (:meth:`_speculating`)."""
        if atomicity and atomicity_broken(g, added):
            return ATOMIC
        why = "coherence" if coherence_broken(g, added) else None  # (the LKMM's one pass)
        if why is None and g.spec:
            return self._speculating(g)
        return why

    def _speculating(self, g: ExecutionGraph) -> str | None:
        """The check that cuts ``g``, where reads speculate, short: one the model fails
        there while the kernel model's prefix axioms (:meth:`LKMM.ordering_axioms`
        less RCU's, which it too judges on complete executions only) fail as well.

        A speculating graph's subtree is explored until each waiting read is resolved
        or hopeless, which without this cut took most of a run's budget (a cycle the
        model forbids closes only when the resolving write is added, at the end).
        Sound as the speculation itself is: :meth:`speculates` already takes the cat
        model to be the kernel's text about cycles, and the kernel model's axioms but
        RCU's only get harder to satisfy as events and rf edges are added (the
        built-in LKMM cuts every prefix by them); a speculating read's missing rf edge
        is one such edge to come.  The cat model must fail too (a real check, not a
        ``with`` that finds no choice for a read without its source): a model weaker
        than the kernel's is then cut only where its own axioms fail."""
        if not has_cycle(g, successors(g, immediate_po)):
            return None  # (no cycle: every kernel axiom holds, LKMM.inconsistency_after)
        view = View(g)
        if self._kernel.ordering_axioms(view, rcu=False) is None:
            return None
        return next((name for name in self.judge(view).failed
                     if not name.startswith("with ")), None)

    def deferred_inconsistency(self, g: ExecutionGraph) -> str | None:
        return self.inconsistency(View(g))

    def deferred_inconsistencies(self, graphs: Sequence[ExecutionGraph]) -> list[str | None]:
        """One run of the model for the whole batch (:mod:`smpcheck.cat.batch`); the
        verdicts stay available to :meth:`judge` until the next batch.  What depends
        only on the events is computed once per shape of graph."""
        shapes = _Shapes()
        out: list[str | None] = []
        todo: list[tuple[int, Execution]] = []
        for k, g in enumerate(graphs):
            shape = shapes.of(g)
            view = View(g)
            view.index, view.n = shape.index, shape.n  # (made once per shape)
            why = shape.before_axioms(view)
            out.append(why)
            if why is None:
                values = functools.partial(_values, view)
                fw = final_writes(view, self.observed)
                todo.append((k, shape.exe.replacing(values, rf=view.rf, co=view.co, FW=fw)))
        results = evaluate_batch(self.model.program, [exe for _, exe in todo])
        self._batch = {}
        for (k, _), result in zip(todo, results, strict=True):
            self._batch[id(graphs[k])] = (graphs[k], result)
            out[k] = result.failed[0] if result.failed else None
        return out

    def batch_judged(self) -> None:
        """Let the batch's graphs go (they were kept alive here until the next batch:
        a thousand graphs and their verdicts for the garbage collector to walk)."""
        self._batch = {}

    def inconsistency(self, view: View, atomicity: bool = True) -> str | None:
        if atomicity and not (rmw_pairs(view) & view.fr.seq(view.co)).is_empty():
            return "atomic"
        return self.axioms(view)

    def axioms(self, view: View) -> str | None:
        if unlock_misplaced(view):
            return "unlock-co"
        result = self.judge(view)
        return result.failed[0] if result.failed else None

    def flags(self, view: View) -> list[str]:
        """The model's flags that fire on this (complete, consistent) execution."""
        return sorted(set(self.judge(view).flags))

    def happens_before(self, view: View) -> Rel:
        """The model's ``hb`` if it names one (with ``pb`` and ``rb``), else po | com."""
        result = self.judge(view)
        order = view.po | view.rf | view.co | view.fr
        for name in ("hb", "pb", "rb", "ghb", "xb"):
            try:
                order = order | result.relation(name)
            except (KeyError, TypeError):
                continue
        return order.plus()

    def races(self, view: View) -> list[tuple[int, int]]:
        result = self.judge(view)
        if "data-race" not in result.flags:
            return []
        witness = result.witnesses.get("data-race")
        if isinstance(witness, Rel):
            return sorted({(min(a, b), max(a, b)) for a, b in witness.pairs()})
        return unordered_conflicts(view, self.happens_before(view))


class _Shape:
    """What the complete graphs with one list of events share: their execution
    (rf and co aside), their RMW pairs and whether they unlock."""

    def __init__(self, view: View) -> None:
        self.exe = Execution(execution_of(view))  # rf, co and FW: per graph
        self.index = view.index  # (each graph's of the shape: its key holds the events' ids)
        self.n = view.n
        self.rmw = rmw_pairs(view)
        self.unlocks = any("UL" in ev.tags for ev in view.events)

    def before_axioms(self, view: View) -> str | None:
        """What fails before the model runs: atomicity, or a UL out of its place."""
        if self.rmw and not (self.rmw & view.fr.seq(view.co)).is_empty():
            return "atomic"
        return "unlock-co" if self.unlocks and unlock_misplaced(view) else None


class _Shapes:
    """The shapes of the graphs of one batch.  A graph's shape is known by everything
    of its events (markers too, CPU by CPU: no view needed) that its execution (rf and
    co aside) depends on; each event is numbered once (graphs of a batch share most
    Event objects), so a graph's key is a tuple of small ints."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[Any, ...], int] = {}
        self.known: dict[Event, int] = {}  # each event met (by identity) -> its number
        self.shapes: dict[tuple[int, ...], _Shape] = {}

    def of(self, g: ExecutionGraph) -> _Shape:
        key = dense.numbers(g.threads, self.known, self._number)
        shape = self.shapes.get(key)
        if shape is None:
            shape = self.shapes[key] = _Shape(View(g))
        return shape

    def _number(self, ev: Event) -> int:
        number = self.known.get(ev)
        if number is None:
            part = (ev.id, ev.kind, ev.loc, ev.tags, ev.rmw, ev.addr, ev.data, ev.ctrl)
            number = self.known[ev] = self.numbers.setdefault(part, len(self.numbers))
        return number


def _values(view: View) -> list[Any]:
    return [_value(view, ev) for ev in view.events]


def unlock_misplaced(view: View) -> bool:
    """Whether some spin_unlock's write is not right after its own lock's write in co.

    herd's engine (lock.cat: ``co = (co | critical | critical^-1 ; co)+``)
    places each UL immediately after the LKW it matches, so the model never
    sees the graph's own position of a UL; graphs differing only there must
    not count twice."""
    g = view.g
    for loc, order in g.co.items():
        for k, w in enumerate(order):
            ev = g.event(w)
            if "UL" not in ev.tags:
                continue
            prev = g.event(order[k - 1]) if k else None
            if prev is None or "LKW" not in prev.tags or prev.tid != ev.tid \
                    or prev.idx > ev.idx or not _no_lock_between(g, prev, ev, loc):
                return True
    return False


def _no_lock_between(g: Any, lkw: Event, ul: Event, loc: Any) -> bool:
    for ev in g.threads[ul.tid][lkw.idx + 1:ul.idx]:
        if ev is not None and ev.loc == loc and ev.tags & {"LKW", "UL"}:
            return False
    return True


def _signature(view: View) -> tuple[Any, ...]:
    g = view.g
    return (id(g), tuple(ev.id for ev in view.events), tuple(sorted(g.rf.items())),
            tuple(tuple(g.co_order(loc)) for loc in sorted(g.co, key=str)))
