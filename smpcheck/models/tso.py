"""x86-TSO (Owens, Sarkar, Sewell 2009) as an axiom over execution graphs.

Each CPU's stores go through a FIFO store buffer, so a store may be seen by
other CPUs after the CPU's own later loads: program order keeps every pair
except store-then-load.  A CPU reads its own buffered stores early (``rfi`` is
not global order).  Locked instructions (xchg, cmpxchg even when it fails, the
atomic RMWs, spinlock acquisition) and ``smp_mb()`` (MFENCE, or the kernel's
locked add) drain the buffer: full barriers.  As the kernel maps them on x86,
``smp_rmb``, ``smp_wmb``, acquire loads, release stores and ``barrier()`` are
compiler barriers only: the hardware already orders what they promise.

    ppo  = po \\ ([W \\ Locked] ; po ; [R \\ Locked])
    fence = [W] ; po ; [MFENCE] ; po ; [R]
    acyclic (ppo | fence | rfe | co | fr)      (global happens-before)
    acyclic (po-loc | rf | co | fr)            (coherence)
"""

from __future__ import annotations

from collections.abc import Sequence

from smpcheck.events import Event
from smpcheck.graph import ExecutionGraph
from smpcheck.lazy import cached
from smpcheck.linearize import linearize
from smpcheck.models.base import ATOMIC, MemoryModel, Step
from smpcheck.models.cycles import (
    any_on_cycle,
    atomicity_broken,
    needs_grace_periods,
    po_loc,
    po_loc_closes,
    po_next,
    successors,
)
from smpcheck.models.rcu import with_grace_periods
from smpcheck.relation import Rel
from smpcheck.values import EventId
from smpcheck.view import View

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
    def ppo(self) -> Rel:
        v = self.v
        relaxed = Rel.product(v.n, v.W & ~self.locked, v.R & ~self.locked)
        return v.po - relaxed

    @cached
    def fence(self) -> Rel:
        v = self.v
        return v.po.restrict(v.W, self.mfence).seq(v.po.restrict(None, v.R))

    @cached
    def ghb(self) -> Rel:
        v = self.v
        return self.ppo | self.fence | (v.rf & v.ext) | v.co | v.fr


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
        if atomicity and atomicity_broken(g):
            return ATOMIC
        if any_on_cycle(g, added, successors(g, po_loc), po_loc_closes):
            return "coherence"
        if any_on_cycle(g, added, successors(g, ppo_step, internal_rf=False),
                        ppo_closes):
            return "tso"
        if needs_grace_periods(g):
            return self.axioms(View(g))
        return None

    def happens_before(self, view: View) -> Rel:
        order = with_grace_periods(view, TsoRelations(view).ghb)
        return order.plus() if order is not None else Rel(view.n)

    def timeline(self, view: View, prefer: Sequence[tuple[int, int]] = ()) -> list[Step]:
        """Rows with each buffered store's drain to memory as a row of its own.

        A store's *issue* follows program order; its *drain* follows the FIFO
        buffer, coherence and the reads that saw the old value; a locked
        instruction or smp_mb() waits for the CPU's earlier drains."""
        return _tso_timeline(view, TsoRelations(view), prefer)


def _plain(ev: Event, kind: str) -> bool:
    """``ev`` is a ``kind`` access that is not locked (a buffered store, a plain load)."""
    return ev.kind == kind and not ev.tags & LOCKED_TAGS


def ppo_closes(a: Event, b: Event) -> bool:
    """``a`` before ``b`` in program order is a ppo pair."""
    return not (_plain(a, "W") and _plain(b, "R"))


def ppo_step(t: list[Event | None], idx: int, ev: Event) -> list[EventId]:
    """``ppo`` up to transitivity: program order less (buffered store, plain load) pairs.

    After a buffered store, the first event that is no plain load covers the rest;
    after any other event, the next event covers the stores that follow it, and
    the first event that is no buffered store covers the rest (those stores do not
    reach the loads after them).  ``fence`` pairs are ppo paths through the fence
    (``W ; MFENCE`` and ``MFENCE ; R`` are ppo), so reachability keeps them."""
    if _plain(ev, "W"):
        nexts = [po_next(t, idx, lambda b: _plain(b, "R"))]
    else:
        nexts = [po_next(t, idx), po_next(t, idx, lambda b: _plain(b, "W"))]
    return [n for n in nexts if n is not None]


def _tso_timeline(view: View, rel: TsoRelations, prefer: Sequence[tuple[int, int]]) -> list[Step]:
    g = view.g
    events = list(g.events())
    by_id = {ev.id: ev for ev in events}
    buffered = {ev.id for ev in events if ev.kind == "W" and not ev.tags & LOCKED_TAGS}

    def drain(eid: tuple[int, int]) -> object:
        return ("drain", eid) if eid in buffered else eid

    nodes: list[object] = [ev.id for ev in events] + [("drain", w) for w in buffered]
    key: dict[object, tuple[int, ...]] = {ev.id: (ev.tid, ev.idx, 0) for ev in events}
    key.update({("drain", w): (w[0], w[1], 1) for w in buffered})
    edges: list[tuple[object, object]] = [(w, ("drain", w)) for w in buffered]
    for t in g.threads:
        evs = [e for e in t if e is not None]
        edges.extend((evs[i].id, evs[i + 1].id) for i in range(len(evs) - 1))
        writes = [e.id for e in evs if e.id in buffered]
        edges.extend((("drain", a), ("drain", b)) for a, b in zip(writes, writes[1:], strict=False))
        for i, e in enumerate(evs):  # fences and locked instructions drain the buffer
            if e.tags & LOCKED_TAGS or (e.kind == "F" and e.tags & FULL_FENCES):
                edges.extend((("drain", w.id), e.id) for w in evs[:i] if w.id in buffered)
    ids = [ev.id for ev in view.events]
    for a, b in view.co.pairs():
        if not view.events[a].is_init:
            edges.append((drain(ids[a]), drain(ids[b])))
    for a, b in (view.rf & view.ext).pairs():
        if not view.events[a].is_init:
            edges.append((drain(ids[a]), ids[b]))
    for a, b in view.fr.pairs():
        if view.events[a].tid != view.events[b].tid:
            edges.append((ids[a], drain(ids[b])))
    pref = [(ids[a], ids[b]) for a, b in prefer]
    order = linearize(nodes, edges, key, pref)
    steps = []
    for i, n in enumerate(order):
        if isinstance(n, tuple) and n and n[0] == "drain":
            w = by_id[n[1]]
            prev = order[i - 1] if i else None
            if prev != w.id:  # shown with the store when nothing happens in between
                steps.append(Step(w, visible=True))
        else:
            ev = by_id[n]  # type: ignore[index]
            nxt = order[i + 1] if i + 1 < len(order) else None
            late = ev.id in buffered and nxt != ("drain", ev.id)
            steps.append(Step(ev, note="buffered" if late else ""))
    return steps
