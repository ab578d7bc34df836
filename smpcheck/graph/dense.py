"""The loops that number a graph's events densely and build its base relations' rows,
for :class:`~smpcheck.graph.view.View` (which caches each answer).

A view is made for every complete execution, by the built-in models and by the
cat interpreter's batches alike, so these run thousands of times per test: they
are plain functions, which the compiled core (smpcheck/_compiled.py) compiles.
"""

from __future__ import annotations

from collections.abc import Callable

from smpcheck.graph.events import INIT_TID, Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.values import EventId


def numbering(g: ExecutionGraph) -> tuple[list[Event], int]:
    """The events in view order (the initial writes of the touched locations, then
    each CPU's memory events in program order), and how many initial writes lead."""
    memory: list[Event] = []
    touched = set()
    for t in g.threads:  # (one pass)
        for ev in t:
            if ev is not None and ev.kind not in "BEN":
                memory.append(ev)
                if ev.loc is not None and ev.kind in "RWF":  # (F: synchronize_srcu())
                    touched.add(ev.loc)
    index = g.locs.index
    for loc in sorted(touched - index.keys(), key=str):  # named by fences alone
        g.init_of(loc)
    inits = [g.init_of(loc) for loc in sorted(touched, key=index.__getitem__)]
    return inits + memory, len(inits)


def index_of(events: list[Event]) -> dict[EventId, int]:
    """Each event's number."""
    return {ev.id: i for i, ev in enumerate(events)}


def po_rows(events: list[Event]) -> list[int]:
    """Program order: each CPU event's row is the set of its CPU's later events."""
    rows = [0] * len(events)
    later: dict[int, int] = {}  # tid -> mask of the events after this one
    for i in range(len(events) - 1, -1, -1):
        tid = events[i].id[0]
        if tid == INIT_TID:
            continue
        m = later.get(tid, 0)
        rows[i] = m
        later[tid] = m | 1 << i
    return rows


def rf_rows(g: ExecutionGraph, index: dict[EventId, int], n: int) -> list[int]:
    """Reads-from: each write's row is the set of the reads of the view reading it."""
    rows = [0] * n
    for r, src in g.rf.items():
        i, j = index.get(r), index.get(src)
        if i is not None and j is not None:
            rows[j] |= 1 << i
    return rows


def fr_rows(g: ExecutionGraph, index: dict[EventId, int], co: tuple[int, ...]) -> list[int]:
    """From-reads (``rf^-1 ; co``): a read's row is the row in ``co`` of the write it
    reads."""
    rows = [0] * len(co)
    for r, src in g.rf.items():
        i, j = index.get(r), index.get(src)
        if i is not None and j is not None:
            rows[i] = co[j]
    return rows


def co_rows(g: ExecutionGraph, index: dict[EventId, int], n: int) -> list[int]:
    """Coherence order: each write's row is the set of the writes after it (the
    initial write's, every write of its location in the view)."""
    rows = [0] * n
    for loc, ws in g.co.items():
        later = 0  # the writes coherence-after the one at hand
        for k in range(len(ws) - 1, -1, -1):
            i = index.get(ws[k])
            if i is not None:
                rows[i] |= later
                later |= 1 << i
        if later:
            i = index.get(g.init_of(loc).id)
            if i is not None:
                rows[i] |= later
    return rows


def tag_masks(events: list[Event]) -> dict[str, int]:
    """Every tag's set of events."""
    masks: dict[str, int] = {}
    for i, ev in enumerate(events):
        bit = 1 << i
        for tag in ev.tags:
            masks[tag] = masks.get(tag, 0) | bit
    return masks


def kind_masks(events: list[Event]) -> dict[str, int]:
    """Every event kind's set of events."""
    masks: dict[str, int] = {}
    for i, ev in enumerate(events):
        masks[ev.kind] = masks.get(ev.kind, 0) | 1 << i
    return masks


def numbers(threads: list[list[Event | None]], known: dict[Event, int],
            number: Callable[[Event], int]) -> tuple[int, ...]:
    """Each event's number in ``known`` (events hash by identity), ``number(ev)`` for one
    it lacks, CPU by CPU in program order (-1 for a hole, -2 between two CPUs)."""
    out: list[int] = []
    for t in threads:
        for ev in t:
            if ev is None:
                out.append(-1)
                continue
            k = known.get(ev)
            out.append(number(ev) if k is None else k)
        out.append(-2)
    return tuple(out)
