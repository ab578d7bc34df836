"""The LKMM's RCU shortcuts found on the execution graph, without a View, against the
relations they stand for, on random complete graphs: marked or plain accesses of
two locations, rcu_read_lock(), rcu_read_unlock() (balanced or not) and
synchronize_rcu() on up to three CPUs, each location's writes in a random coherence
order, each read reading a random write of its location; sometimes an SRCU event.

* cycles.grace_period_on_cycle against LkmmRelations.grace_period_on_cycle (a
  reachability search over the View's ``po | rf | co | fr | rscs^-1``);
* cycles.rcu_alone (what lets the LKMM skip the relations for flags and races)
  against the flags the relations raise and their plain accesses."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.graph.view import View
from smpcheck.model.objects import Field, Obj
from smpcheck.models import lkmm_flags
from smpcheck.models.cycles import grace_period_on_cycle, rcu_alone
from smpcheck.models.lkmm import MARKED, LkmmRelations

LOCS = [Obj(name, Field(0)).loc(()) for name in ("x", "y")]
FENCES = {"lock": "rcu-lock", "unlock": "rcu-unlock", "gp": "sync-rcu"}
STEP = st.one_of(st.tuples(st.sampled_from("RW"), st.integers(0, 1),
                           st.sampled_from(["ONCE", "ONCE", "ONCE", ""])),
                 st.tuples(st.just("F"), st.sampled_from(sorted(FENCES)), st.just("")),
                 st.tuples(st.just("S"), st.just(0), st.just("")))  # (an SRCU read)


def _event(tid: int, idx: int, step: tuple[str, Any, str]) -> Event:
    kind, what, tag = step
    if kind == "F":
        return Event((tid, idx), "F", None, None, frozenset({FENCES[what]}))
    if kind == "S":
        return Event((tid, idx), "R", LOCS[0], None, frozenset({"srcu-lock"}))
    return Event((tid, idx), kind, LOCS[what], idx + 1, frozenset({tag} - {""}))


@st.composite
def graphs(draw: Any, srcu: bool = False) -> ExecutionGraph:
    """A complete graph of random events (an SRCU read only if ``srcu``)."""
    steps = STEP if srcu else STEP.filter(lambda s: s[0] != "S")
    cpus = draw(st.lists(st.lists(steps, min_size=1, max_size=6), min_size=1, max_size=3))
    g = ExecutionGraph(len(cpus), Locations())
    for tid, evs in enumerate(cpus):
        for idx, step in enumerate(evs):
            g.add(_event(tid, idx, step))
    for loc in LOCS:
        writes = [ev.id for ev in g.events() if ev.kind == "W" and ev.loc is loc]
        g.co[loc] = draw(st.permutations(writes))
        sources = [g.init_of(loc).id, *writes]
        for ev in g.events():
            if ev.kind == "R" and ev.loc is loc:
                g.rf[ev.id] = draw(st.sampled_from(sources))
    return g


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_grace_period_cycle_agrees_with_the_relations(g: ExecutionGraph) -> None:
    assert grace_period_on_cycle(g) == LkmmRelations(View(g)).grace_period_on_cycle()


@settings(max_examples=100, deadline=None)
@given(graphs(srcu=True))
def test_grace_period_cycle_leaves_srcu_to_the_relations(g: ExecutionGraph) -> None:
    found = grace_period_on_cycle(g)
    if any("srcu-lock" in ev.tags for ev in g.events()):
        assert found is None
    else:
        assert found == LkmmRelations(View(g)).grace_period_on_cycle()


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_rcu_alone_means_no_flag_and_no_race(g: ExecutionGraph) -> None:
    """With no lock or SRCU event, rcu_alone is exactly: no plain access (so no race)
    and neither unmatched-rcu flag (so no flag)."""
    rel = LkmmRelations(View(g))
    flags = lkmm_flags.flags(rel)
    unmatched = {"unmatched-rcu-lock", "unmatched-rcu-unlock"} & set(flags)
    alone = rcu_alone(g, MARKED, frozenset(lkmm_flags.LOCK_OPS))
    assert alone == (not rel.plain and not unmatched)
    if alone:
        assert flags == []
