"""cycles.coherence_broken, the one-pass coherence check, against the relations' own
acyclicity test (``po-loc | rf | co | fr`` of the graph's View) on random graphs:
random accesses of two locations on up to three CPUs, each location's writes in a
random coherence order, each read reading a random write of its location (or none:
a speculating read).  Every event counts as added, so the two must agree on any graph,
coherent or not (the explorer's graphs are checked at every step by
tests/test_incremental.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.graph.view import View
from smpcheck.model.objects import Field, Obj
from smpcheck.models.cycles import coherence_broken

LOCS = [Obj(name, Field(0)).loc(()) for name in ("x", "y")]


@st.composite
def graphs(draw: Any) -> ExecutionGraph:
    """A graph of random reads and writes, coherence orders and sources."""
    cpus = draw(st.lists(st.lists(st.tuples(st.sampled_from("RW"), st.integers(0, 1)),
                                  min_size=1, max_size=4), min_size=1, max_size=3))
    g = ExecutionGraph(len(cpus), Locations())
    for tid, accesses in enumerate(cpus):
        for idx, (kind, at) in enumerate(accesses):
            g.add(Event((tid, idx), kind, LOCS[at], idx + 1, frozenset({"ONCE"})))
    for loc in LOCS:
        writes = [ev.id for ev in g.events() if ev.kind == "W" and ev.loc is loc]
        g.co[loc] = draw(st.permutations(writes))
        sources = [g.init_of(loc).id, *writes]
        for ev in g.events():
            if ev.kind == "R" and ev.loc is loc:
                src = draw(st.one_of(st.none(), st.sampled_from(sources)))
                if src is not None:
                    g.rf[ev.id] = src
    return g


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_agrees_with_the_relations(g: ExecutionGraph) -> None:
    view = View(g)
    acyclic = (view.po_loc | view.rf | view.co | view.fr).is_acyclic()
    assert coherence_broken(g, [ev.id for ev in g.events()]) == (not acyclic)


def test_a_read_after_reading_a_later_write_breaks_it() -> None:
    """CoRR: two reads of x on one CPU, the first of the coherence-later write."""
    g = ExecutionGraph(2, Locations())
    x = LOCS[0]
    for ev in (Event((0, 0), "W", x, 1), Event((0, 1), "W", x, 2),
               Event((1, 0), "R", x), Event((1, 1), "R", x)):
        g.add(ev)
    g.co[x] = [(0, 0), (0, 1)]
    g.rf[(1, 0)], g.rf[(1, 1)] = (0, 1), (0, 0)
    assert coherence_broken(g, [(1, 1)])
    g.rf[(1, 1)] = (0, 1)  # (both read the latest write: coherent)
    assert not coherence_broken(g, [(1, 1)])
