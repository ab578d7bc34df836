"""Cycles through the events just added, found on the execution graph itself.

The explorer grows a consistent graph a few events at a time: it adds an event
(a read with its RMW write, a write at one coherence position), or, revisiting,
cuts events and gives one read a new source.  Cutting events only removes edges
of po, rf, co and fr (what is left is a sub-relation of what was there), and
every edge a change adds touches an event it added or changed.  So when the
graph before the change had no cycle, a cycle after it goes through one of
those events, and a depth-first search from each of them finds it without
building a :class:`~smpcheck.view.View` of the whole graph.

Reachability is all an acyclicity check needs, so each relation is walked only
up to transitivity: the next event in program order, the next write in
coherence order, and a read's ``fr`` is the write coherence-after its source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from smpcheck.events import INIT_TID, Event
from smpcheck.graph import ExecutionGraph
from smpcheck.values import EventId

Successors = Callable[[EventId], Iterable[EventId]]
Skip = Callable[[Event, Event], bool]  # skip(from, to): ``to`` is no po-successor of ``from``


class Edges:
    """The base relations of one graph as successor functions over event ids."""

    def __init__(self, g: ExecutionGraph) -> None:
        self.g = g
        self.readers: dict[EventId, list[EventId]] = {}
        for r, w in g.rf.items():
            self.readers.setdefault(w, []).append(r)

    def co_next(self, w: EventId) -> EventId | None:
        """The write immediately coherence-after ``w``."""
        g = self.g
        ws = g.co.get(g.event(w).loc)  # type: ignore[arg-type]
        if not ws:
            return None
        if w[0] == INIT_TID:
            return ws[0]
        i = ws.index(w) + 1
        return ws[i] if i < len(ws) else None

    def po_next(self, ev: Event, skip: Skip | None = None) -> EventId | None:
        """The first memory event (no marker) after ``ev`` in program order that
        ``skip`` does not leave out."""
        if ev.id[0] == INIT_TID:
            return None
        t = self.g.threads[ev.id[0]]
        for i in range(ev.id[1] + 1, len(t)):
            nxt = t[i]
            if nxt is None or nxt.kind in "BEN":
                continue
            if skip is None or not skip(ev, nxt):
                return nxt.id
        return None

    def communication(self, ev: Event, internal_rf: bool = True) -> list[EventId]:
        """rf (all, or external only), co and fr successors of ``ev``."""
        out: list[EventId] = []
        if ev.kind == "W":
            rs = self.readers.get(ev.id)
            if rs:
                out.extend(rs if internal_rf else [r for r in rs if r[0] != ev.id[0]])
            nxt = self.co_next(ev.id)
        elif ev.kind == "R":
            src = self.g.rf.get(ev.id)
            nxt = self.co_next(src) if src is not None else None
        else:
            return out
        if nxt is not None:
            out.append(nxt)
        return out


def on_cycle(start: EventId, succ: Successors) -> bool:
    """Whether ``start`` reaches itself along ``succ``."""
    seen: set[EventId] = set()
    todo = list(succ(start))
    while todo:
        e = todo.pop()
        if e == start:
            return True
        if e not in seen:
            seen.add(e)
            todo.extend(succ(e))
    return False


def any_on_cycle(g: ExecutionGraph, added: Sequence[EventId], succ: Successors) -> bool:
    """Whether some event of ``added`` still in ``g`` lies on a cycle of ``succ``."""
    return any(g.has(e) and on_cycle(e, succ) for e in added)


def same_location(a: Event, b: Event) -> bool:
    """``b`` continues ``a``'s po-loc: a memory access of the same location."""
    return b.kind in "RW" and b.loc == a.loc


def coherence_successors(edges: Edges) -> Successors:
    """Successors in ``po-loc | rf | co | fr`` (per-location coherence)."""
    g = edges.g

    def succ(e: EventId) -> list[EventId]:
        ev = g.event(e)
        out = edges.communication(ev)
        if ev.kind in "RW":
            nxt = edges.po_next(ev, lambda a, b: not same_location(a, b))
            if nxt is not None:
                out.append(nxt)
        return out

    return succ


def atomicity_broken(g: ExecutionGraph) -> bool:
    """Some RMW's write is not immediately coherence-after the write its read read:
    another write sits between them (``rmw & (fr ; co)`` is not empty)."""
    for ws in g.co.values():
        for i, w in enumerate(ws):
            ev = g.event(w)
            if not ev.rmw:
                continue
            src = g.rf.get((w[0], w[1] - 1))
            if src is None:
                continue
            at = -1 if src[0] == INIT_TID else ws.index(src)
            if i >= at + 2:
                return True
    return False


def needs_grace_periods(g: ExecutionGraph) -> bool:
    """Whether RCU's grace-period rule may apply: both a read-side critical section
    and a grace period have been added (a superset after cuts)."""
    return "rcu-lock" in g.fence_tags and "sync-rcu" in g.fence_tags
