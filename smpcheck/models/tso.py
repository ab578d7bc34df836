"""x86-TSO (Owens, Sarkar, Sewell 2009) as an axiom over execution graphs.

Each CPU's stores go through a FIFO store buffer, so a store may be seen by
other CPUs after the CPU's own later loads: program order keeps every pair
except store-then-load.  A CPU reads its own buffered stores early (``rfi`` is
not global order).  Locked instructions (xchg, cmpxchg even when it fails, the
atomic RMWs, spinlock acquisition) and ``smp_mb()`` (MFENCE, or the kernel's
locked add) drain the buffer: full barriers.  As the kernel maps them on x86,
``smp_rmb``, ``smp_wmb``, acquire loads, release stores and ``barrier()`` are
compiler barriers only: the hardware already orders what they promise.

    ppo    = ([M] ; po ; [M]) \\ ([W \\ Locked] ; po ; [R \\ Locked])
    anchor = [M] ; po ; [MFENCE | rcu-unlock]  |  [MFENCE | rcu-lock] ; po ; [M]
    (an irq word's store of 1, tagged irq-off, is ordered before every later
    access and after no earlier store: see smpcheck.kernel.smp)
    acyclic (ppo | anchor | rfe | co | fr)     (global happens-before)
    acyclic (po-loc | rf | co | fr)            (coherence)

Program order counts between memory accesses only: an event that is not an
access (a compiler barrier such as ``barrier()``, ``preempt_disable()`` or
``local_irq_disable()``, an allocation) orders nothing by its position, so a
store and a later load stay reorderable across it.  A full fence orders every
access before it before every access after it (``anchor``), and RCU read-side
critical sections are anchored at their ends for the grace-period rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from smpcheck.graph.events import Event, located_access, lone_unlock
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.lazy import cached
from smpcheck.graph.linearize import linearize
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View
from smpcheck.model.values import EventId
from smpcheck.models.base import MemoryModel, Step
from smpcheck.models.cycles import (
    needs_grace_periods,
    new_violation,
    po_loc,
    po_loc_closes,
    po_next,
    successors,
)
from smpcheck.models.rcu import with_grace_periods

LOCKED_TAGS = frozenset({"RMW", "LKR", "LKW", "LF"})
FULL_FENCES = frozenset({"MB", "sync-rcu"})


class TsoRelations:
    """The relations x86-TSO orders executions by, for one view."""

    def __init__(self, view: View) -> None:
        self.v = view

    @cached
    def locked(self) -> int:
        return self.v.where(lambda ev: bool(ev.tags & LOCKED_TAGS))

    @cached
    def mfence(self) -> int:
        return self.v.where(lambda ev: ev.kind == "F" and bool(ev.tags & FULL_FENCES))

    @cached
    def irq_off(self) -> int:
        """Stores of an irq word's 1 (CLI): in program order, not through the buffer."""
        return self.v.where(lambda ev: "irq-off" in ev.tags)

    @cached
    def lone(self) -> int:
        """Unlocks that match no lock: fences with a location, which TSO orders as the
        release stores they are (lock.cat's UL: a write)."""
        return self.v.where(lone_unlock)

    @cached
    def ppo(self) -> Rel:
        v = self.v
        buffered = (v.W | self.lone) & ~self.locked & ~self.irq_off
        relaxed = Rel.product(v.n, buffered, (v.R & ~self.locked) | self.irq_off)
        return v.po.restrict(v.M | self.lone, v.M | self.lone) - relaxed

    @cached
    def anchor(self) -> Rel:
        """Full fences and the ends of RCU critical sections, tied into program order."""
        v = self.v

        def rcu(tag: str) -> int:
            return v.where(lambda ev: ev.kind == "F" and tag in ev.tags)
        return (v.po.restrict(v.M, self.mfence | rcu("rcu-unlock"))
                | v.po.restrict(self.mfence | rcu("rcu-lock"), v.M))

    @cached
    def ghb(self) -> Rel:
        v = self.v
        return self.ppo | self.anchor | (v.rf & v.ext) | v.co | v.fr


class TSO(MemoryModel):
    """x86-TSO with the kernel's x86 mapping of its barriers."""

    name = "tso"

    def axioms(self, view: View) -> str | None:
        if not (view.po_loc | view.rf | view.co | view.fr).is_acyclic():
            return "coherence"
        ghb = TsoRelations(view).ghb
        if not ghb.is_acyclic():
            return "tso"
        if with_grace_periods(view, ghb) is None:
            return "rcu"
        return None

    def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                            atomicity: bool = True) -> str | None:
        """Only a cycle through an added event can be new (see models.cycles)."""
        found = new_violation(g, added, atomicity, [
            ("coherence", successors(g, po_loc), po_loc_closes),
            ("tso", successors(g, ppo_step, internal_rf=False), ppo_closes)])
        if found is None and needs_grace_periods(g):
            return self.axioms(View(g))
        return found

    def happens_before(self, view: View) -> Rel:
        """Global happens-before, extended to the events that are not accesses (a
        kfree) through program order: what precedes an event of a CPU precedes what
        that CPU does after it."""
        order = with_grace_periods(view, TsoRelations(view).ghb)
        if order is None:
            return Rel(view.n)
        closure = order.plus()
        return closure | closure.seq(view.po) | view.po

    def timeline(self, view: View, prefer: Sequence[tuple[int, int]] = ()) -> list[Step]:
        """Rows with each buffered store's drain to memory as a row of its own.

        A store's *issue* follows program order; its *drain* follows the FIFO
        buffer, coherence and the reads that saw the old value; a locked
        instruction or smp_mb() waits for the CPU's earlier drains."""
        return _tso_timeline(view, TsoRelations(view), prefer)


def ppo_closes(a: Event, b: Event) -> bool:
    """``a`` before ``b`` in program order is a pair of ``ppo | anchor`` (pairs that
    are so only through events between them are found by the search itself)."""
    if _mfence(a):
        return located_access(b)
    if not located_access(a):
        return False
    if _buffered(a):
        return _mfence(b) or (located_access(b) and not _passed_by_buffer(b))
    return located_access(b) or _mfence(b)


def ppo_step(t: list[Event | None], idx: int, ev: Event) -> list[EventId]:
    """``ppo | anchor`` up to transitivity, over accesses and full fences.

    A buffered store reaches the first later access that is neither a plain load nor
    an irq word's CLI store (that access reaches the rest), and the next full fence.
    Any other access, and a full fence, reaches every later access: the next one,
    and the first later one that is not a buffered store (which reaches what a
    buffered store does not).  Other events (compiler barriers, allocations)
    order nothing; RCU's anchors matter only with grace periods, which take the
    whole-view check."""
    if _buffered(ev):
        nexts = [_next(t, idx, lambda b: located_access(b) and not _passed_by_buffer(b)),
                 _next(t, idx, _mfence)]
    elif located_access(ev) or _mfence(ev):
        nexts = [_next(t, idx, located_access),
                 _next(t, idx, lambda b: located_access(b) and not _buffered(b))]
    else:
        return []
    return [n for n in nexts if n is not None]


def _next(t: list[Event | None], idx: int, want: Callable[[Event], bool]) -> EventId | None:
    return po_next(t, idx, lambda b: not want(b))


def _mfence(ev: Event) -> bool:
    return ev.kind == "F" and bool(ev.tags & FULL_FENCES)


def _buffered(ev: Event) -> bool:
    """A store that waits in the store buffer: not locked, not an irq word's CLI."""
    return (ev.kind == "W" or lone_unlock(ev)) and not ev.tags & LOCKED_TAGS \
        and "irq-off" not in ev.tags


def _passed_by_buffer(ev: Event) -> bool:
    """What may run before an earlier buffered store drains: a plain load, a CLI."""
    return (ev.kind == "R" and not ev.tags & LOCKED_TAGS) or "irq-off" in ev.tags


def _tso_timeline(view: View, rel: TsoRelations, prefer: Sequence[tuple[int, int]]) -> list[Step]:
    g = view.g
    events = list(g.events())
    buffered = {ev.id for ev in events
                if ev.kind == "W" and not ev.tags & LOCKED_TAGS and "irq-off" not in ev.tags}

    def drain(eid: tuple[int, int]) -> object:
        return ("drain", eid) if eid in buffered else eid

    nodes: list[object] = [ev.id for ev in events] + [("drain", w) for w in buffered]
    key: dict[object, tuple[int, ...]] = {ev.id: (ev.tid, ev.idx, 0) for ev in events}
    key.update({("drain", w): (w[0], w[1], 1) for w in buffered})
    edges = _program_edges(g, buffered) + _communication_edges(view, drain)
    ids = [ev.id for ev in view.events]
    pref = [(ids[a], ids[b]) for a, b in prefer]
    order = linearize(nodes, edges, key, pref)
    return _steps(order, {ev.id: ev for ev in events}, buffered)


def _program_edges(g: Any, buffered: set[Any]) -> list[tuple[object, object]]:
    """Program order, each buffered store before its drain, drains in program order,
    and fences and locked instructions after the drains of the stores before them."""
    edges: list[tuple[object, object]] = [(w, ("drain", w)) for w in buffered]
    for t in g.threads:
        evs = [e for e in t if e is not None]
        edges.extend((evs[i].id, evs[i + 1].id) for i in range(len(evs) - 1))
        writes = [e.id for e in evs if e.id in buffered]
        edges.extend((("drain", a), ("drain", b)) for a, b in zip(writes, writes[1:], strict=False))
        for i, e in enumerate(evs):  # fences and locked instructions drain the buffer
            if e.tags & LOCKED_TAGS or (e.kind == "F" and e.tags & FULL_FENCES):
                edges.extend((("drain", w.id), e.id) for w in evs[:i] if w.id in buffered)
    return edges


def _communication_edges(view: View, drain: Any) -> list[tuple[object, object]]:
    """Coherence between drains, external reads after the drain they read, from-reads
    before the drain of the store they precede."""
    ids = [ev.id for ev in view.events]
    edges: list[tuple[object, object]] = []
    for a, b in view.co.pairs():
        if not view.events[a].is_init:
            edges.append((drain(ids[a]), drain(ids[b])))
    for a, b in (view.rf & view.ext).pairs():
        if not view.events[a].is_init:
            edges.append((drain(ids[a]), ids[b]))
    for a, b in view.fr.pairs():
        if view.events[a].tid != view.events[b].tid:
            edges.append((ids[a], drain(ids[b])))
    return edges


def _steps(order: list[Any], by_id: dict[Any, Any], buffered: set[Any]) -> list[Step]:
    """The table's rows: a drain shown where it happens unless right after its store."""
    steps = []
    for i, n in enumerate(order):
        if isinstance(n, tuple) and n and n[0] == "drain":
            w = by_id[n[1]]
            prev = order[i - 1] if i else None
            if prev != w.id:  # shown with the store when nothing happens in between
                steps.append(Step(w, visible=True))
        else:
            ev = by_id[n]
            nxt = order[i + 1] if i + 1 < len(order) else None
            late = ev.id in buffered and nxt != ("drain", ev.id)
            steps.append(Step(ev, note="buffered" if late else ""))
    return steps
