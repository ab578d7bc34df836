"""cycles.po_cycle_after, the SC model's search for a cycle of ``po | rf | co | fr``
through the events a change added (keeping only the earliest event reached on each
CPU), against the search it replaces (cycles.any_on_cycle over immediate program
order, which follows each event's edges one by one) and against the relations' own
acyclicity test, on random graphs: reads, writes, fences and lone unlocks
(spin_unlock() matching no lock: read by spin_is_locked(), in no coherence order) of
two locations on up to three CPUs, some ending in a marker; random coherence orders
and sources, cyclic or not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.models.cycles import any_on_cycle, immediate_po, po_cycle_after, successors
from tests.support.random_graphs import graphs


def po_closes(a: Event, b: Event) -> bool:
    """Program order has an edge from every earlier event of a CPU to every later one."""
    return True


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
