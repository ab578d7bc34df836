"""A dense view of an execution graph: events numbered 0..n-1 and the base relations.

Memory models (the built-in ones and cat files) compute over a :class:`View`.
The initial writes of the touched locations come first, then each CPU's
memory events in program order; blocked/finished markers are left out.  The
relations are the base ones of the papers and of herd: ``po``, ``rf``, ``co``,
``fr``, ``loc``, ``ext``, ``int``, ``rmw``, ``addr``, ``data``, ``ctrl``.
"""

from __future__ import annotations

from smpcheck.graph import dense
from smpcheck.graph.events import Event, located_access
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.lazy import cached
from smpcheck.graph.relation import Rel, mask_of
from smpcheck.model.values import EventId


class View:
    """The events of a graph numbered densely, with sets and relations computed on demand."""

    def __init__(self, g: ExecutionGraph) -> None:
        self.g = g
        self._tags: dict[str, int] = {}

    # -- the numbering, made on first use (a check that needs no relation costs nothing)
    @cached
    def events(self) -> list[Event]:
        return self._numbering[0]

    @cached
    def _numbering(self) -> tuple[list[Event], int]:
        """The events in view order, and how many initial writes lead them."""
        return dense.numbering(self.g)

    @cached
    def n(self) -> int:
        return len(self.events)

    @cached
    def index(self) -> dict[EventId, int]:
        return dense.index_of(self.events)

    def of(self, eid: EventId) -> int:
        return self.index[eid]

    def where(self, pred: object) -> int:
        """The set of events satisfying a predicate on events."""
        return mask_of(i for i, ev in enumerate(self.events) if pred(ev))  # type: ignore[operator]

    def tagged(self, *tags: str) -> int:
        """Events carrying any of ``tags`` (herd's annotations, e.g. ONCE, MB, rcu-lock)."""
        masks = self._tag_masks
        out = 0
        for tag in tags:
            out |= masks.get(tag, 0)
        return out

    @cached
    def _tag_masks(self) -> dict[str, int]:
        """Every tag's set of events, in one pass."""
        return dense.tag_masks(self.events)

    @cached
    def _kind_masks(self) -> dict[str, int]:
        """Every event kind's set of events, in one pass."""
        return dense.kind_masks(self.events)

    # -- sets -------------------------------------------------------------------
    @cached
    def R(self) -> int:  # noqa: N802 - herd's name
        return self._kind_masks.get("R", 0)

    @cached
    def W(self) -> int:  # noqa: N802
        return self._kind_masks.get("W", 0)

    @cached
    def M(self) -> int:  # noqa: N802
        return self.R | self.W

    @cached
    def F(self) -> int:  # noqa: N802
        return self._kind_masks.get("F", 0)

    @cached
    def IW(self) -> int:  # noqa: N802
        return (1 << self._numbering[1]) - 1

    @cached
    def marked(self) -> int:
        return self.where(lambda ev: ev.marked or ev.kind not in "RW")

    # -- relations ---------------------------------------------------------------
    @cached
    def po(self) -> Rel:
        return Rel(self.n, dense.po_rows(self.events))

    @cached
    def rf(self) -> Rel:
        return Rel(self.n, dense.rf_rows(self.g, self.index, self.n))

    @cached
    def co(self) -> Rel:
        return Rel(self.n, dense.co_rows(self.g, self.index, self.n))

    @cached
    def fr(self) -> Rel:
        """``rf^-1 ; co``: a read's row is the row in co of the write it reads."""
        return Rel(self.n, dense.fr_rows(self.g, self.index, self.co.rows))

    @cached
    def loc(self) -> Rel:
        groups: dict[object, int] = {}
        located = [ev.loc is not None and located_access(ev) for ev in self.events]
        for i, ev in enumerate(self.events):
            if located[i]:
                groups[ev.loc] = groups.get(ev.loc, 0) | 1 << i
        rows = [groups.get(ev.loc, 0) if located[i] else 0 for i, ev in enumerate(self.events)]
        return Rel(self.n, rows)

    @cached
    def int(self) -> Rel:
        groups: dict[int, int] = {}
        inits = self._numbering[1]
        for i, ev in enumerate(self.events):
            key = -1 - i if i < inits else ev.id[0]
            groups[key] = groups.get(key, 0) | 1 << i
        rows = [groups[-1 - i if i < inits else ev.id[0]] for i, ev in enumerate(self.events)]
        return Rel(self.n, rows)

    @cached
    def ext(self) -> Rel:
        return self.int.complement()

    @cached
    def rmw(self) -> Rel:
        pairs = []
        for i, ev in enumerate(self.events):
            if ev.rmw and ev.is_write:
                pairs.append((self.index[(ev.tid, ev.idx - 1)], i))
        return Rel.from_pairs(self.n, pairs)

    def _deps(self, attr: str) -> Rel:
        pairs = []
        for i, ev in enumerate(self.events):
            deps = getattr(ev, attr)
            for d in deps:
                if d in self.index:
                    pairs.append((self.index[d], i))
        return Rel.from_pairs(self.n, pairs)

    @cached
    def addr(self) -> Rel:
        return self._deps("addr")

    @cached
    def data(self) -> Rel:
        return self._deps("data")

    @cached
    def ctrl(self) -> Rel:
        return self._deps("ctrl")

    @cached
    def po_loc(self) -> Rel:
        return self.po & self.loc

