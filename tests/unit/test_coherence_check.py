"""cycles.coherence_broken, the one-pass coherence check, against the relations' own
acyclicity test (``po-loc | rf | co | fr`` of the graph's View) on random graphs:
random accesses of two locations on up to three CPUs, each location's writes in a
random coherence order, each read reading a random write of its location (or none:
a speculating read).  Every event counts as added, so the two must agree on any graph,
coherent or not; and, given only the events a change touched (a read's new source,
a write's new place in coherence order), on graphs that were coherent before it, as
the explorer's are (tests/test_incremental.py checks its graphs at every step)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.graph.view import View
from smpcheck.models.cycles import (
    coherence_broken,
    coherence_covers,
    coherence_witness,
    po_cycle_after,
    write_cycle,
)
from tests.support.random_graphs import LOCS, unsourced
from tests.support.random_graphs import graphs as random_graphs


def _accesses(draw: Any) -> ExecutionGraph:
    """Up to three CPUs of up to four marked reads and writes of the two locations,
    with neither sources nor coherence orders yet."""
    return unsourced(draw, ("R", "W"), ends=False)


def graphs() -> st.SearchStrategy[ExecutionGraph]:
    """A graph of random reads and writes, coherence orders and sources."""
    return random_graphs(("R", "W"), ends=False)


@st.composite
def coherent_graphs(draw: Any) -> ExecutionGraph:
    """A coherent graph of one location: its accesses in one random interleaving of
    three CPUs, each read reading the latest write before it."""
    steps = draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from("RW")),
                          min_size=2, max_size=8))
    g = ExecutionGraph(3, Locations())
    x = LOCS[0]
    ws = g.co[x] = []
    for tid, kind in steps:
        ev = Event((tid, len(g.threads[tid])), kind, x, len(ws) + 1, frozenset({"ONCE"}))
        g.add(ev)
        if kind == "W":
            ws.append(ev.id)
        else:
            g.rf[ev.id] = ws[-1] if ws else g.init_of(x).id
    return g


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_agrees_with_the_relations(g: ExecutionGraph) -> None:
    assert coherence_broken(g, [ev.id for ev in g.events()]) == (not _coherent(g))


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_witness_is_a_cycle_of_its_own(g: ExecutionGraph) -> None:
    """coherence_witness finds a location's cycle whenever there is one, and what it
    names is one: the graph cut down to those events (each read keeping its source,
    the writes their coherence order) is still incoherent, as the explorer's skipped
    revisits rely on."""
    for loc in LOCS:
        witness = coherence_witness(g, loc)
        assert (witness is not None) == (not _coherent(_only(g, loc)))
        if witness is not None:
            assert not _coherent(_only(g, loc, set(witness)))


@settings(max_examples=400, deadline=None)
@given(graphs(), st.data())
def test_write_cycle_is_the_cycle_a_last_write_closes(g: ExecutionGraph,
                                                      data: st.DataObject) -> None:
    """write_cycle, of a CPU's last event, a write nobody reads placed at random in
    coherence order (the explorer's scratch graph at each place): what it names is a
    cycle of its own (cut down to it, the graph stays incoherent); and where the graph
    less that write is coherent (the explorer's), it finds one exactly when the graph
    has one."""
    read = set(g.rf.values())
    last = [t[-1] for t in g.threads
            if t and t[-1] is not None and t[-1].kind == "W" and t[-1].id not in read]
    if not last:
        return
    w = data.draw(st.sampled_from(last))
    assert w.loc is not None
    rest = [x for x in g.co[w.loc] if x != w.id]
    at = data.draw(st.integers(0, len(rest)))
    g.co[w.loc] = [*rest[:at], w.id, *rest[at:]]
    cycle = write_cycle(g, w, rest[at:])
    if cycle is not None:
        assert w.id in cycle and not _coherent(_only(g, w.loc, set(cycle)))
    before = g.copy()
    before.remove({w.id})
    if _coherent(before):
        assert (cycle is not None) == (not _coherent(g))


@st.composite
def coherent_per_location(draw: Any) -> ExecutionGraph:
    """A graph of random reads and writes of two locations on up to three CPUs, each
    location coherent on its own (its accesses in one random interleaving, each read
    reading the latest write before it), the two not necessarily in one order: store
    buffering, message passing and the like, with a cycle of ``po | rf | co | fr``
    through both locations."""
    g = _accesses(draw)
    for loc in LOCS:
        queues = [[ev for ev in t if ev is not None and ev.loc is loc] for t in g.threads]
        ws: list[Any] = []
        while any(queues):
            ready = [q for q in queues if q]
            ev = ready[draw(st.integers(0, len(ready) - 1))].pop(0)
            if ev.kind == "W":
                ws.append(ev.id)
            else:
                g.rf[ev.id] = ws[-1] if ws else g.init_of(loc).id
        g.co[loc] = ws
    return g


@settings(max_examples=300, deadline=None)
@given(coherent_per_location())
def test_one_written_location_cycles_are_coherence_cycles(g: ExecutionGraph) -> None:
    """Where coherence_covers says so (one location written), ``po | rf | co | fr`` has
    no cycle, as coherence has none: the LKMM skips that search there.  Where two
    locations are written it must not say so (such cycles are drawn here)."""
    view = View(g)
    assert _coherent(g)
    if coherence_covers(g):
        assert (view.po | view.rf | view.co | view.fr).is_acyclic()


def _only(g: ExecutionGraph, loc: Any, keep: set[Any] | None = None) -> ExecutionGraph:
    """``g`` less the events of other locations, and those not in ``keep`` if given."""
    out = g.copy()
    out.remove({ev.id for ev in g.events()
                if ev.loc is not loc or (keep is not None and ev.id not in keep)})
    return out


def _coherent(g: ExecutionGraph) -> bool:
    view = View(g)
    return (view.po_loc | view.rf | view.co | view.fr).is_acyclic()


@settings(max_examples=300, deadline=None)
@given(coherent_graphs(), st.data())
def test_one_change_to_a_coherent_graph(g: ExecutionGraph, data: st.DataObject) -> None:
    """Only the CPUs of the changed event and of its readers are looked at: a write
    moved in coherence order changes what its readers are ordered against."""
    assert _coherent(g)
    ev = data.draw(st.sampled_from(list(g.events())))
    assert ev.loc is not None
    ws = g.co[ev.loc]
    if ev.kind == "R":
        g.rf[ev.id] = data.draw(st.sampled_from([g.init_of(ev.loc).id, *ws]))
    else:
        rest = [w for w in ws if w != ev.id]
        at = data.draw(st.integers(0, len(rest)))
        g.co[ev.loc] = [*rest[:at], ev.id, *rest[at:]]
    assert coherence_broken(g, [ev.id]) == (not _coherent(g))


@st.composite
def one_change_to_one_written_location(draw: Any) -> tuple[ExecutionGraph, list[Any]]:
    """A coherent graph whose only written location is x (its accesses in one random
    interleaving of three CPUs, each read reading the latest write before it), with
    fences and reads of y (its initial value) among them; then one change to an
    access of x as the explorer makes them (a read's source; a write's place in
    coherence order, later than it was: a write moved earlier gives its readers fr
    edges to writes it passed, which touch no event changed), and what it added:
    that access, and some other events."""
    steps = draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(("R", "W", "F", "y"))),
                          min_size=2, max_size=9))
    g = ExecutionGraph(3, Locations())
    x, y = LOCS
    ws: list[Any] = []
    g.co[x] = ws
    for tid, kind in steps:
        eid = (tid, len(g.threads[tid]))
        if kind == "F":
            g.add(Event(eid, "F", None, None, frozenset({"MB"})))
            continue
        ev = Event(eid, "R" if kind == "y" else kind, y if kind == "y" else x, len(ws) + 1,
                   frozenset({"ONCE"}))
        g.add(ev)
        if kind == "W":
            ws.append(ev.id)
        else:
            g.rf[ev.id] = g.init_of(ev.loc).id if kind == "y" or not ws else ws[-1]
    accesses = [ev for ev in g.events() if ev.loc is x]
    if not accesses:
        return g, []
    ev = draw(st.sampled_from(accesses))
    if ev.kind == "R":
        g.rf[ev.id] = draw(st.sampled_from([g.init_of(x).id, *ws]))
    else:
        rest = [w for w in ws if w != ev.id]
        at = draw(st.integers(ws.index(ev.id), len(rest)))
        g.co[x] = [*rest[:at], ev.id, *rest[at:]]
    others = draw(st.lists(st.sampled_from([e.id for e in g.events()]), max_size=3))
    return g, [ev.id, *others]


@settings(max_examples=400, deadline=None)
@given(one_change_to_one_written_location())
def test_one_written_location_po_search_is_the_coherence_check(
        case: tuple[ExecutionGraph, list[Any]]) -> None:
    """Where coherence_covers holds, cycle_after asks po_cycle_after (the cheaper
    search) for coherence: the two agree after a change to a coherent graph, fences
    and accesses of other locations among what the change added."""
    g, added = case
    assert coherence_covers(g)
    assert po_cycle_after(g, added) == coherence_broken(g, added) == (not _coherent(g))


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
