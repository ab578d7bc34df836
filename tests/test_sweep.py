"""Scenario sweeps: the enumeration against brute force, the seeded bug found at the right
bound, the JSON report, incomplete scenarios and bad input."""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.analyses.sweep import Source, load, plan
from smpcheck.errors import UsageError
from tests.support.cli import EXAMPLES, smpcheck

STACK = EXAMPLES / "sweep" / "stack.py"


def write(tmp_path: Path, body: str, name: str = "m.py") -> Path:
    path = tmp_path / name
    path.write_text("from smpcheck import *\nfrom smpcheck.model.scenarios import *\n"
                    + textwrap.dedent(body))
    return path


# -- the enumeration ---------------------------------------------------------------------------
def brute_force(ncpus: int, calls: list[tuple[str, bool, frozenset[int] | None]],
                max_ops: int) -> tuple[int, int]:
    """Scenarios (all, and distinct up to CPU permutations that keep what each CPU may
    run), by listing every assignment and every permutation."""
    allowed = [tuple(i for i, (_, _, cpus) in enumerate(calls) if cpus is None or c in cpus)
               for c in range(ncpus)]
    per_cpu = [[s for n in range(max_ops + 1) for s in itertools.product(a, repeat=n)]
               for a in allowed]
    keeps = [p for p in itertools.permutations(range(ncpus))
             if all(allowed[p[c]] == allowed[c] for c in range(ncpus))]
    once = [i for i, (_, o, _) in enumerate(calls) if o]
    total, distinct = 0, set()
    for assignment in itertools.product(*per_cpu):
        flat = [i for seq in assignment for i in seq]
        if not flat or any(flat.count(i) > 1 for i in once):
            continue
        total += 1
        distinct.add(min(tuple(assignment[p[c]] for c in range(ncpus)) for p in keeps))
    return total, len(distinct)


SMALL = """
x = None

@initial_state
def start():
    return {"v": Var(0)}

@operation
def a(v):
    WRITE_ONCE(v, 1)

@operation(i=[0, 1], once=True)
def b(v, i):
    WRITE_ONCE(v, i)

@operation(cpus=[0])
def c(v):
    READ_ONCE(v)

SWEEP = Sweep("small", cpus=NCPUS)
"""


@settings(max_examples=8, deadline=None)
@given(ncpus=st.integers(1, 3), max_ops=st.integers(1, 2))
def test_enumeration_matches_brute_force(tmp_path_factory: pytest.TempPathFactory,
                                         ncpus: int, max_ops: int) -> None:
    path = write(tmp_path_factory.mktemp("sweep"), SMALL.replace("NCPUS", str(ncpus)))
    got = plan(load(Source(str(path))), max_ops)
    calls = [("a", False, None), ("b", True, None), ("b", True, None),
             ("c", False, frozenset({0}))]
    total, distinct = brute_force(ncpus, calls, max_ops)
    assert (got.before_symmetry, len(got.scenarios)) == (total, distinct)
    assert len(set(got.scenarios)) == len(got.scenarios)


def test_scenario_counts_by_hand() -> None:
    """Two interchangeable CPUs, push and pop: 3 choices each at one operation (6
    unordered pairs, less both idle: 5); 7 sequences at two (28 pairs, less 1: 27)."""
    one = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1", "--json").json()
    two = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "1", "--json").json()
    assert (one["scenarios"], one["before_symmetry"]) == (5, 3 * 3 - 1)
    assert (two["scenarios"], two["before_symmetry"]) == (27, 7 * 7 - 1)


def test_identical_initial_states_run_once(tmp_path: Path) -> None:
    path = write(tmp_path, """
        @initial_state(n=[0, 1])
        def first(n):
            return {"v": Var(n)}

        @initial_state
        def again():
            return {"v": Var(0)}

        @operation
        def a(v):
            WRITE_ONCE(v, 1)
        """)
    got = plan(load(Source(str(path))), 1)
    assert got.duplicate_states == [("again", "first(n=0)")]
    assert sorted({p.state for p in got.scenarios}) == [0, 1]


# -- findings and verdicts ------------------------------------------------------------------------
def test_seeded_bug_needs_two_operations_on_one_cpu() -> None:
    """The third push overflows: two CPUs with one operation each never reach it."""
    safe = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1")
    assert safe.code == 0 and "sweep under sc: safe" in safe.out
    found = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "1", "--json")
    assert found.code == 1, found.err
    data = found.json()
    assert data["verdict"] == "violation" and data["exit"] == 1 and data["complete"]
    [finding] = data["findings"]
    assert (finding["kind"], Path(finding["file"]).name) == ("assertion", "stack.py")
    assert "BUG_ON" in STACK.read_text().splitlines()[finding["line"] - 1]
    assert finding["scenario"] == {"initial_state": "empty",
                                   "cpus": [["push", "push"], ["push"]]}
    [v] = finding["violations"]
    assert v["kind"] == "assertion" and v["trace"] and v["trace"][-1]["failing"]
    # Merged by kind and place: the scenarios where three pushes can be outstanding,
    # push+push against push, push+push, push+pop or pop+push (by hand).
    assert finding["scenarios"] == 4


def test_text_report_has_the_table() -> None:
    out = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "1").out
    assert "finding 1 of 1" in out and "CPU 0: push, push; CPU 1: push" in out
    assert "CPU 0 (push, push)" in out and "=>" in out


def test_workers_agree_with_one_process() -> None:
    """Spawned workers load the sweep again from its file and find the same."""
    one = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "1", "--json").json()
    two = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "2", "--json").json()
    for key in ("scenarios", "executions", "verdict", "exit"):
        assert one[key] == two[key]
    assert [f["scenario"] for f in one["findings"]] == [f["scenario"] for f in two["findings"]]
    assert two["jobs"] == 2


def test_incomplete_scenarios_make_no_verdict() -> None:
    """A scenario cut short (one execution of two) is listed; the sweep says no verdict."""
    res = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1", "--max-executions", "1",
                   "--json")
    data = res.json()
    assert res.code == data["exit"] == 3
    assert data["verdict"] is None and not data["complete"] and data["incomplete"]
    assert all(s["incomplete"] for s in data["incomplete"])
    text = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1", "--max-executions", "1")
    assert text.code == 3 and "safe" not in text.out and "no verdict" in text.out


def test_timeout_bounds_the_whole_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """--timeout is the sweep's, not each scenario's: on a clock that moves 10 s each time
    the sweep reads it, a 25-s budget lets the first scenarios start and cuts every one
    that starts after it ran out, each cut naming the sweep's 25 s."""
    import smpcheck.analyses.sweep as sweep_module

    now = [1000.0]

    def clock() -> float:
        now[0] += 10
        return now[0]

    monkeypatch.setattr(sweep_module.time, "time", clock)
    whole = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1", "--json").json()
    data = smpcheck("sweep", STACK, "--max-ops", "1", "-j", "1", "--timeout", "25",
                    "--json").json()
    cut = [s["scenario"] for s in data["incomplete"]]
    assert 0 < len(cut) < data["scenarios"] == whole["scenarios"]
    assert all(c["limit"] == "timeout" and c["value"] == 25
               for s in data["incomplete"] for c in s["incomplete"])
    assert data["verdict"] is None and data["exit"] == 3


def test_a_finding_outranks_incomplete_scenarios() -> None:
    res = smpcheck("sweep", STACK, "--max-ops", "2", "-j", "1", "--max-executions", "2",
                   "--json")
    data = res.json()
    assert res.code == 1 and data["verdict"] == "violation" and not data["complete"]


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("kvm", "sweep", "no-such-design"),
    ("kvm", "sweep", "rmap-aging-6.15", "--set", "no_switch=1"),
    ("sweep", STACK, "--max-ops", "0"),
    ("sweep", STACK, "--max-ops", "two"),
    ("sweep", STACK, "--max-ops", "30"),
    ("sweep", STACK, "--mm", "arm"),
    ("sweep", "no-such-file.py"),
])
def test_bad_input_exits_2(args: tuple[str, ...]) -> None:
    res = smpcheck(*args)
    assert res.code == 2 and "Traceback" not in res.err and "error" in res.err


def test_an_operation_that_raises_is_the_files_error(tmp_path: Path) -> None:
    path = write(tmp_path, """
        @initial_state
        def start():
            return {"v": Var(0)}

        @operation
        def a(v):
            WRITE_ONCE(v, 1)
            raise ValueError("oops")
        """)
    res = smpcheck("sweep", path, "-j", "1", "--json")
    assert res.code == 2 and res.json()["error"]["file"] == str(path)
    lines = path.read_text().splitlines()
    assert "raise ValueError" in lines[res.json()["error"]["line"] - 1]


def test_a_file_without_operations_is_bad_input(tmp_path: Path) -> None:
    path = write(tmp_path, """
        @initial_state
        def start():
            return {"v": Var(0)}
        """)
    res = smpcheck("sweep", path)
    assert res.code == 2 and "no operations" in res.err


# -- the KVM designs' sweeps ----------------------------------------------------------------------
@pytest.mark.parametrize("design", ["unmap-nolock-2013", "fast-invalidate-3.11",
                                    "rmap-aging-6.15"])
def test_kvm_sweeps_plan_and_build(design: str) -> None:
    """Each design's sweep: its scenarios at one operation per CPU are the brute-force
    count, and one scenario of each initial state builds into a model."""
    from smpcheck.analyses.sweep import build, calls_of
    from smpcheck.kvm.sweeps import SWEEPS

    sweep = load(Source(module=SWEEPS[design], function="sweep"))
    got = plan(sweep, 1)
    expected = 0
    for index, initial in enumerate(sweep.initial_states):
        if index not in got.calls:
            continue
        calls = [(c.label, c.op.once, c.op.cpus) for c in calls_of(sweep, initial.build())]
        expected += brute_force(sweep.cpus, calls, 1)[1]
        first = next(p for p in got.scenarios if p.state == index)
        model, names, scenario = build(sweep, first)
        assert len(model.cpus) == sweep.cpus and names
        assert scenario.state_name == initial.name
    assert len(got.scenarios) == expected


@given(st.integers(0, 5), st.integers(1, 40), st.integers(1, 4))
def test_too_many_scenarios_as_the_plain_sum_says(ncalls: int, max_ops: int, ncpus: int) -> None:
    """The refusal of a bound no sweep could finish agrees with the plain count of call
    sequences (which it no longer sums to the end: --max-ops 10**11 took forever)."""
    from smpcheck.analyses.sweep import MAX_SCENARIOS, too_many

    per_cpu = sum(ncalls ** n for n in range(max_ops + 1))
    refused = per_cpu ** ncpus // math.factorial(ncpus) > MAX_SCENARIOS
    calls: list[Any] = [object()] * ncalls
    try:
        too_many(ncpus, calls, max_ops, "s")
    except UsageError:
        assert refused
    else:
        assert not refused


def test_huge_max_ops_is_refused_at_once() -> None:
    res = smpcheck("sweep", STACK, "--max-ops", str(10 ** 11), "-j", "1")
    assert res.code == 2 and "lower --max-ops" in res.err
