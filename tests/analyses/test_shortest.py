"""``check --shortest``: the counterexample kept is one of the cheapest violating
executions (fewest steps, then fewest reordered pairs), against brute force, which
lists every execution and prices each with the same function."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck._rt.loader import load_model
from smpcheck.analyses.shortest import cost, shortest
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.graph.final import final_state
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import translate
from smpcheck.results.findings import Kind
from tests.analyses.oracle import CandidateLimit, brute_graphs
from tests.analyses.test_barriers import shapes
from tests.support.diff_gen import litmus_tests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _check(text: str, mm: str) -> None:
    text = text.replace("\nexists (", "\n~exists (")  # every satisfying execution is bad
    test = parse_litmus(text, "gen.litmus")
    model, names = translate(test, text)
    model.observe_only = False  # (a litmus condition is an observation; here a check)
    try:
        graphs = brute_graphs(model, mm, limit=20000)
    except CandidateLimit:
        return
    cond = model.condition
    assert cond is not None
    bad = [g for g in graphs if cond.holds_in(final_state(g, model, names))]
    result = shortest(model, names, mm, Settings(all_violations=True))
    assert result.complete
    if mm == "lkmm" and result.executions != len(graphs):
        return  # the explorer's known LKMM gap (README, "Known limits")
    found = [v for v in result.violations if v.kind == Kind.CONDITION]
    assert bool(found) == bool(bad), text
    if bad:
        assert found[0].graph is not None
        assert cost(found[0].graph) == min(cost(g) for g in bad), text


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]))
def test_generated_tests_against_brute_force(text: str, mm: str) -> None:
    _check(text, mm)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(shapes(ordered=False), st.sampled_from(["sc", "tso", "lkmm"]))
def test_shapes_against_brute_force(text: str, mm: str) -> None:
    _check(text, mm)


def test_shortest_is_never_longer_than_the_first_found() -> None:
    for name, mm in (("peterson.py", "tso"), ("uaf.py", "tso"), ("counter-nolock.py", "sc")):
        model, names = load_model(str(EXAMPLES / name))
        first = verify(model, names, mm, Settings()).violations[0]
        short = shortest(model, names, mm, Settings()).violations[0]
        assert first.graph is not None and short.graph is not None
        assert cost(short.graph) <= cost(first.graph)


def test_reordered_pairs_by_hand() -> None:
    """SB's violation under TSO reorders both CPUs' store-load pairs; MP's under the
    LKMM both pairs; SC executions reorder nothing."""
    for name, mm, pairs in (("sb.py", "tso", 2), ("mp.py", "lkmm", 2)):
        model, names = load_model(str(EXAMPLES / name))
        v = shortest(model, names, mm, Settings()).violations[0]
        assert v.graph is not None and cost(v.graph) == (4, pairs)
    model, names = load_model(str(EXAMPLES / "uaf.py"))
    v = shortest(model, names, "sc", Settings()).violations[0]
    assert v.graph is not None and cost(v.graph)[1] == 0
