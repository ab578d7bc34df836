"""cycles.po_cycle_after, the SC model's search for a cycle of ``po | rf | co | fr``
through the events a change added (keeping only the earliest event reached on each
CPU), against the search it replaces (cycles.any_on_cycle over immediate program
order, which follows each event's edges one by one) and against the relations' own
acyclicity test, on random graphs: reads, writes, fences and lone unlocks
(spin_unlock() matching no lock: read by spin_is_locked(), in no coherence order) of
two locations on up to three CPUs, some ending in a marker; random coherence orders
and sources, cyclic or not."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.graph.view import View
from smpcheck.model.objects import Field, Obj
from smpcheck.models.cycles import any_on_cycle, immediate_po, po_closes, po_cycle_after, successors

LOCS = [Obj(name, Field(0)).loc(()) for name in ("x", "y")]
KINDS = ("R", "W", "F", "UL")


def _event(eid: tuple[int, int], kind: str, at: int) -> Event:
    if kind == "UL":
        return Event(eid, "F", LOCS[at], None, frozenset({"UL"}))
    if kind == "F":
        return Event(eid, "F", None, None, frozenset({"MB"}))
    return Event(eid, kind, LOCS[at], eid[1] + 1, frozenset({"ONCE"}))


@st.composite
def graphs(draw: Any, kinds: tuple[str, ...] = KINDS) -> ExecutionGraph:
    cpus = draw(st.lists(st.lists(st.tuples(st.sampled_from(kinds), st.integers(0, 1)),
                                  min_size=1, max_size=4), min_size=1, max_size=3))
    g = ExecutionGraph(len(cpus), Locations())
    for tid, steps in enumerate(cpus):
        for idx, (kind, at) in enumerate(steps):
            g.add(_event((tid, idx), kind, at))
        if draw(st.booleans()):
            g.add(Event((tid, len(steps)), "E", None, None))
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


@settings(max_examples=500, deadline=None)
@given(graphs(), st.data())
def test_agrees_with_the_event_by_event_search(g: ExecutionGraph, data: st.DataObject
                                               ) -> None:
    ids = [ev.id for ev in g.events()]
    added = data.draw(st.lists(st.sampled_from(ids), max_size=3))
    assert po_cycle_after(g, added) == any_on_cycle(
        g, added, successors(g, immediate_po), po_closes)


@settings(max_examples=300, deadline=None)
@given(graphs(("R", "W", "F")))
def test_every_event_added_is_acyclicity(g: ExecutionGraph) -> None:
    """With every event counted as added, a cycle anywhere is found."""
    view = View(g)
    order = view.po | view.rf | view.co | view.fr
    assert po_cycle_after(g, [ev.id for ev in g.events()]) == (not order.is_acyclic())
