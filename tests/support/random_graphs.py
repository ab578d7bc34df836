"""Random execution graphs for hypothesis tests of the consistency checks: up to three
CPUs of up to four events on two locations (marked reads and writes, full fences, and
lone unlocks: spin_unlock() matching no lock, read by spin_is_locked(), in no
coherence order), random coherence orders and sources, cyclic or not."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.model.objects import Field, Obj

LOCS = [Obj(name, Field(0)).loc(()) for name in ("x", "y")]
KINDS = ("R", "W", "F", "UL")


def event(eid: tuple[int, int], kind: str, at: int) -> Event:
    """Event ``eid`` of ``kind`` (R, W, F or UL) on location ``LOCS[at]``."""
    if kind == "UL":
        return Event(eid, "F", LOCS[at], None, frozenset({"UL"}))
    if kind == "F":
        return Event(eid, "F", None, None, frozenset({"MB"}))
    return Event(eid, kind, LOCS[at], eid[1] + 1, frozenset({"ONCE"}))


def unsourced(draw: Any, kinds: tuple[str, ...] = KINDS, ends: bool = True) -> ExecutionGraph:
    """A graph of random events of ``kinds``, some CPUs ending in a marker (``ends``),
    with neither sources nor coherence orders yet."""
    cpus = draw(st.lists(st.lists(st.tuples(st.sampled_from(kinds), st.integers(0, 1)),
                                  min_size=1, max_size=4), min_size=1, max_size=3))
    g = ExecutionGraph(len(cpus), Locations())
    for tid, steps in enumerate(cpus):
        for idx, (kind, at) in enumerate(steps):
            g.add(event((tid, idx), kind, at))
        if ends and draw(st.booleans()):
            g.add(Event((tid, len(steps)), "E", None, None))
    return g


@st.composite
def graphs(draw: Any, kinds: tuple[str, ...] = KINDS, ends: bool = True) -> ExecutionGraph:
    """A graph of :func:`unsourced` events, each location's writes in a random
    coherence order, each read reading a random write or lone unlock of its location
    (or none: a speculating read)."""
    g = unsourced(draw, kinds, ends)
    for loc in LOCS:
        writes = [ev.id for ev in g.events() if ev.kind == "W" and ev.loc is loc]
        unlocks = [ev.id for ev in g.events() if ev.kind == "F" and ev.loc is loc]
        g.co[loc] = draw(st.permutations(writes))
        sources = [g.init_of(loc).id, *writes, *unlocks]
        for ev in g.events():
            if ev.kind == "R" and ev.loc is loc:
                src = draw(st.one_of(st.none(), st.sampled_from(sources)))
                if src is not None:
                    g.rf[ev.id] = src
    return g
