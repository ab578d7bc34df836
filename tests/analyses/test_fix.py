"""``barriers --fix``: the changes found make the design hold, and no smaller set does,
both judged by brute force on the source changed by hand (random MP/SB/LB shapes
and generated tests), and on the examples."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck.analyses.fix import apply_changes, candidates, find_fix
from smpcheck.analyses.subjects import LitmusSubject, PythonSubject
from smpcheck.explore.explorer import Settings
from smpcheck.graph.view import View
from smpcheck.models import get_model
from tests.analyses.oracle import CandidateLimit, change_text, observation
from tests.analyses.test_barriers import shapes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(shapes(ordered=False), st.sampled_from(["tso", "lkmm"]))
def test_fix_holds_and_is_smallest_by_brute_force(tmp_path_factory: pytest.TempPathFactory,
                                                  text: str, mm: str) -> None:
    path = tmp_path_factory.mktemp("fix") / "shape.litmus"
    path.write_text(text)
    try:
        before = observation(text, mm)
    except CandidateLimit:
        return
    subject = LitmusSubject(str(path))
    if subject.check(mm, Settings()).extra["run"].verdict != before:
        # the explorer's known LKMM gap (README, "Known limits"): some load-buffering
        # cycles through plain reads and an RMW are missed; not this test's subject
        assert mm == "lkmm", text
        return
    fix = find_fix(subject, [mm], Settings(), max_changes=2)
    assert fix.already_holds == (before == "Never"), text
    if fix.already_holds:
        return
    if fix.changes is None:  # then no set of at most 2 changes works: try each single one
        assert fix.complete
        return
    assert observation(change_text(text, fix.changes), mm) == "Never", (text, fix.changes)
    for smaller in itertools.combinations(fix.changes, len(fix.changes) - 1):
        assert observation(change_text(text, smaller), mm) != "Never", (text, smaller)
    if len(fix.changes) == 2:  # no single change of those touching a counterexample works
        for cx in fix.counterexamples:
            assert cx.violation.graph is not None
            for c in candidates(cx.violation.graph):
                assert observation(change_text(text, (c,)), mm) != "Never", (text, c)


def test_sb_needs_a_full_fence_on_each_side_under_tso() -> None:
    fix = find_fix(PythonSubject(str(EXAMPLES / "sb.py")), ["tso"], Settings())
    assert fix.changes is not None and len(fix.changes) == 2
    assert {c.kind for c in fix.changes} == {"smp_mb"}
    assert {c.site.line for c in fix.changes} == {15, 21}  # before each CPU's load


def test_mp_is_fixed_by_release_and_acquire_under_lkmm() -> None:
    fix = find_fix(PythonSubject(str(EXAMPLES / "mp.py")), ["lkmm"], Settings())
    assert fix.changes is not None
    assert sorted(c.kind for c in fix.changes) == ["acquire", "release"]
    assert fix.verdicts and all(v.holds for v in fix.verdicts)


def test_a_design_that_fails_under_sc_has_no_fence_fix() -> None:
    fix = find_fix(PythonSubject(str(EXAMPLES / "counter-nolock.py")), ["sc"], Settings(),
                   max_changes=2)
    assert fix.changes is None and fix.complete
    assert fix.checks == 0  # every candidate set leaves the SC counterexample standing


def test_applying_no_change_keeps_the_graph_consistent() -> None:
    fix = find_fix(PythonSubject(str(EXAMPLES / "sb.py")), ["tso"], Settings())
    g = fix.counterexamples[0].violation.graph
    assert g is not None
    tso = get_model("tso")
    assert tso.inconsistency(View(apply_changes(g, ()))) is None
    assert tso.inconsistency(View(apply_changes(g, fix.changes or ()))) is not None


def test_the_2013_design_is_fixed_where_the_reviewer_asked() -> None:
    """The 2013 proposal fails under TSO; the fewest fences that fix it are one before
    the first access after each of the two places its switches can put smp_mb()
    (before the lock holder's check, after the unmapper's publication)."""
    import inspect

    from smpcheck.cli.barriers import kvm_subject
    from smpcheck.kvm import unmap_nolock_2013 as design

    fix = find_fix(kvm_subject("unmap-nolock-2013", "core", {}), ["tso"], Settings())
    assert fix.changes is not None and {c.kind for c in fix.changes} == {"smp_mb"}
    lines = inspect.getsource(design).splitlines()
    want = set()
    for switch in ("fence_before_check", "fence_after_publish"):
        at = next(i for i, t in enumerate(lines) if f'design["{switch}"] == "smp_mb"' in t)
        want.add(next(i + 1 for i in range(at + 2, len(lines)) if "ONCE(" in lines[i]))
    assert {c.site.line for c in fix.changes} == want
