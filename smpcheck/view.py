"""A dense view of an execution graph: events numbered 0..n-1 and the base relations.

Memory models (the built-in ones and cat files) compute over a :class:`View`.
The initial writes of the touched locations come first, then each CPU's
memory events in program order; blocked/finished markers are left out.  The
relations are the base ones of the papers and of herd: ``po``, ``rf``, ``co``,
``fr``, ``loc``, ``ext``, ``int``, ``rmw``, ``addr``, ``data``, ``ctrl``.
"""

from __future__ import annotations

from functools import cached_property

from smpcheck.events import Event
from smpcheck.graph import ExecutionGraph
from smpcheck.relation import Rel, bits, mask_of
from smpcheck.values import EventId


class View:
    """The events of a graph numbered densely, with sets and relations computed on demand."""

    def __init__(self, g: ExecutionGraph) -> None:
        self.g = g
        self._tags: dict[str, int] = {}

    # -- the numbering, made on first use (a check that needs no relation costs nothing)
    @cached_property
    def events(self) -> list[Event]:
        g = self.g
        inits = [g.init_of(loc) for loc in sorted(_touched(g), key=lambda lc: g.locs.index[lc])]
        return inits + [ev for ev in g.events() if not ev.is_marker]

    @cached_property
    def n(self) -> int:
        return len(self.events)

    @cached_property
    def index(self) -> dict[EventId, int]:
        return {ev.id: i for i, ev in enumerate(self.events)}

    def of(self, eid: EventId) -> int:
        return self.index[eid]

    def where(self, pred: object) -> int:
        """The set of events satisfying a predicate on events."""
        return mask_of(i for i, ev in enumerate(self.events) if pred(ev))  # type: ignore[operator]

    def tagged(self, *tags: str) -> int:
        """Events carrying any of ``tags`` (herd's annotations, e.g. ONCE, MB, rcu-lock)."""
        out = 0
        for tag in tags:
            m = self._tags.get(tag)
            if m is None:
                m = self._tags[tag] = self.where(lambda ev, t=tag: t in ev.tags)
            out |= m
        return out

    # -- sets -------------------------------------------------------------------
    @cached_property
    def R(self) -> int:  # noqa: N802 - herd's name
        return self.where(lambda ev: ev.kind == "R")

    @cached_property
    def W(self) -> int:  # noqa: N802
        return self.where(lambda ev: ev.kind == "W")

    @cached_property
    def M(self) -> int:  # noqa: N802
        return self.R | self.W

    @cached_property
    def F(self) -> int:  # noqa: N802
        return self.where(lambda ev: ev.kind == "F")

    @cached_property
    def IW(self) -> int:  # noqa: N802
        return self.where(lambda ev: ev.is_init)

    @cached_property
    def marked(self) -> int:
        return self.where(lambda ev: ev.marked or ev.kind not in "RW")

    # -- relations ---------------------------------------------------------------
    @cached_property
    def po(self) -> Rel:
        rows = [0] * self.n
        prev: dict[int, int] = {}  # tid -> mask of earlier events
        for i, ev in enumerate(self.events):
            if ev.is_init:
                continue
            before = prev.get(ev.tid, 0)
            for j in bits(before):
                rows[j] |= 1 << i
            prev[ev.tid] = before | (1 << i)
        return Rel(self.n, rows)

    @cached_property
    def rf(self) -> Rel:
        pairs = []
        for i, ev in enumerate(self.events):
            src = self.g.rf.get(ev.id)
            if src is not None and src in self.index:
                pairs.append((self.index[src], i))
        return Rel.from_pairs(self.n, pairs)

    @cached_property
    def co(self) -> Rel:
        rows = [0] * self.n
        for loc in self.g.co:
            order = [self.index[w] for w in self.g.co_order(loc) if w in self.index]
            later = 0
            for i in reversed(order):
                rows[i] |= later
                later |= 1 << i
        return Rel(self.n, rows)

    @cached_property
    def fr(self) -> Rel:
        return self.rf.inverse().seq(self.co)

    @cached_property
    def loc(self) -> Rel:
        groups: dict[object, int] = {}
        for i, ev in enumerate(self.events):
            if ev.loc is not None and ev.kind in "RW":
                groups[ev.loc] = groups.get(ev.loc, 0) | 1 << i
        rows = [groups.get(ev.loc, 0) if ev.kind in "RW" else 0 for ev in self.events]
        return Rel(self.n, rows)

    @cached_property
    def int(self) -> Rel:
        groups: dict[int, int] = {}
        for i, ev in enumerate(self.events):
            key = -1 - i if ev.is_init else ev.tid
            groups[key] = groups.get(key, 0) | 1 << i
        rows = [groups[-1 - i if ev.is_init else ev.tid] for i, ev in enumerate(self.events)]
        return Rel(self.n, rows)

    @cached_property
    def ext(self) -> Rel:
        return self.int.complement()

    @cached_property
    def rmw(self) -> Rel:
        pairs = []
        for i, ev in enumerate(self.events):
            if ev.rmw and ev.is_write:
                pairs.append((self.index[(ev.tid, ev.idx - 1)], i))
        return Rel.from_pairs(self.n, pairs)

    def _deps(self, attr: str) -> Rel:
        pairs = []
        for i, ev in enumerate(self.events):
            for d in getattr(ev, attr):
                if d in self.index:
                    pairs.append((self.index[d], i))
        return Rel.from_pairs(self.n, pairs)

    @cached_property
    def addr(self) -> Rel:
        return self._deps("addr")

    @cached_property
    def data(self) -> Rel:
        return self._deps("data")

    @cached_property
    def ctrl(self) -> Rel:
        return self._deps("ctrl")

    @cached_property
    def po_loc(self) -> Rel:
        return self.po & self.loc


def _touched(g: ExecutionGraph) -> set:
    return {ev.loc for ev in g.events() if ev.loc is not None and ev.kind in "RW"}
