"""Python and C front ends against brute force on programs with loops, a spinlock,
conditionals and BUG_ON: the same executions, final states and verdict under SC and
x86-TSO, whichever front end the program is written for; under the LKMM, against
candidate enumeration.

With spin-waits (``while (READ_ONCE(x) != v) { KEEP; cpu_relax(); }``, then a branch
on what KEEP counted), smpcheck must report exactly what the brute force finds with
the same loop bound (tests/support/structured.py :func:`brute`): a wait that keeps
nothing, or a flag it sets once, blocks instead of iterating, so its runs are never
cut: complete, with the final states of every run whose waits end, and an endless
wait wherever a run ends with a CPU waiting.  A wait that counts its spins (an int, a
list, a dict, an object, in C array elements or a struct) is no wait: the runs that
spin ``--loop-bound`` times are cut, so the verdict is incomplete exactly when such a
run exists, and the final states are exactly those of the runs within the bound (the
loop bound cuts each run at the same iteration whatever else happened, so no state
reached within it may be missing, and none beyond it may appear); the executions are
the brute force's too, every counted iteration's read included.  A CPU cut at the
bound, or stopped at its BUG_ON, stops alone: the others run on, so every CPU whose
BUG_ON fires in some run is reported (``--all``).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from smpcheck._rt.loader import load_model
from smpcheck.c import load_c_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.settings import LOOP_BOUND
from tests.support.candidates import CandidateLimit, executions
from tests.support.structured import (
    Brute,
    as_c,
    as_python,
    brute,
    spins_of,
    structured_programs,
)

pytestmark = pytest.mark.slow  # exhaustive comparisons (deselect: -m 'not slow')


def _outcome(regs: Any, mem: Any) -> Any:
    """An outcome as the brute force writes it: t and r0.., v0.., values only (no loop
    counter, no spin-wait's tally, no lock)."""
    cpus = tuple(tuple(kv for kv in r if re.fullmatch(r"t|r\d+", kv[0])) for r in regs)
    return cpus, tuple(v for name, v in mem if re.fullmatch(r"v\d+", name))


def _load(path: Path) -> Any:
    return load_c_model(str(path), {}) if path.suffix == ".c" else load_model(str(path))


WAITS = ("endless-wait", "deadlock")  # (a CPU waiting for the lock a waiting CPU holds)


def _stuck(want: Brute) -> set[str]:
    """What smpcheck may report of the runs where CPUs wait forever."""
    return set(WAITS) if want.stuck else set()


def _check(path: Path, mm: str, want: Brute, loop_bound: int) -> None:
    model, names = _load(path)
    result = verify(model, names, mm, Settings(all_violations=True, loop_bound=loop_bound))
    kinds = {v.kind.value for v in result.violations}
    status = 1 if want.bug or want.stuck else 3 if want.cut else 0
    assert result.exit_status == status, (kinds, want.bug, want.stuck, want.cut)
    # (--all: every CPU whose BUG_ON fires in some run, and no other; the runs where
    # none fires are the executions, whether or not another run's BUG_ON fired)
    assert {v.cpu for v in result.violations if v.kind.value == "assertion"} == want.bugs
    waits = kinds - {"assertion"}
    assert waits <= _stuck(want) and bool(waits) == want.stuck
    assert result.complete == (not want.cut)
    assert result.executions == len(want.classes)
    assert {_outcome(*o) for o in result.outcomes} == want.finals


def compare(prog: list[Any], mm: str, while_loops: bool = False,
            loop_bound: int = LOOP_BOUND) -> None:
    """smpcheck on ``prog`` as a Python and a C model against the brute force."""
    want = brute(prog, tso=mm == "tso", loop_bound=loop_bound)
    assert not want.stuck or any(spins_of(code) for code in prog)
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("gen.py", as_python(prog, while_loops)),
                           ("gen.c", as_c(prog, while_loops))):
            path = Path(tmp) / name
            path.write_text(text)
            _check(path, mm, want, loop_bound)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(), st.booleans())
def test_sc_matches_brute_force(prog: list[Any], while_loops: bool) -> None:
    compare(prog, "sc", while_loops)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(), st.booleans())
def test_tso_matches_brute_force(prog: list[Any], while_loops: bool) -> None:
    compare(prog, "tso", while_loops)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(spins=True), st.sampled_from(["sc", "tso"]), st.booleans(),
       st.integers(3, 4))
def test_spin_waits_match_brute_force(prog: list[Any], mm: str, while_loops: bool,
                                      loop_bound: int) -> None:
    """Spin-waits that keep state or not, at a small loop bound: smpcheck's verdict,
    completeness, executions and final states are the brute force's (module doc)."""
    compare(prog, mm, while_loops, loop_bound)


FOUND = [  # (minimised from test_spin_waits_match_brute_force, each a fixed fault)
    # an unchanged object of the model's class among the locals made every loop head
    # differ from the last (its fields were compared in a new dict, by identity), so
    # the wait for v1 never blocked: it ran to the bound, incomplete, 4 executions
    ([[("w", 1, 2)], [("w", 0, 1), ("spin", 0, 0, 1, "obj"), ("spin", 1, 1, 2, "none")]],
     "sc"),
    # under --all a BUG_ON ended its whole graph: CPU 1's write never came to revisit
    # CPU 0's read, so the run where CPU 0 reads 1 (no BUG_ON) was lost (0 executions)
    ([[("r", 0, 0), ("bug", 0)], [("w", 0, 1)]], "sc"),
    # and CPU 1's own BUG_ON was never reached: one finding where there are two
    ([[("bug", 0)], [("bug", 0)]], "tso"),
]


@pytest.mark.parametrize(("prog", "mm"), FOUND)
def test_found_examples(prog: list[Any], mm: str) -> None:
    compare(prog, mm, loop_bound=4)


CUT = [  # (minimised from test_spin_waits_match_brute_force, each a fixed fault)
    # P0 counts its spins in a dict and spins 3 times before P1 runs (exploration order):
    # the bound stopped the whole graph, so P1's write never came to revisit the reads,
    # and the runs where P0 sees it (0, 1 or 2 spins) were never explored: 0 executions
    # where the brute force has 3, a state set that was empty
    [[("spin", 0, 0, 1, "dict")], [("w", 0, 1)]],
    # the same with a BUG_ON after one spin: no violation found (exit 3, not 1)
    [[("spin", 0, 0, 1, "int"), ("bug", 1)], [("w", 0, 1)]],
]


@pytest.mark.parametrize("prog", CUT, ids=["states", "violation"])
@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_a_cut_stops_only_its_cpu(prog: list[Any], mm: str) -> None:
    """A run cut at the loop bound still lets the other CPUs run: their writes may end
    the wait in other executions, each within the bound."""
    compare(prog, mm, loop_bound=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(), st.booleans())
# (each CPU reads back its own 1 past BUG_ON(t == 0): candidates grew no value from a
# run a guessed 0 stopped, and found no execution where there are 6)
@example([[("w", 0, 1), ("r", 0, 0), ("bug", 0), ("r", 1, 0)]] * 2, False)
def test_lkmm_front_ends_agree_with_candidates(prog: list[Any], while_loops: bool) -> None:
    """Under the LKMM: the Python model (for loops) has the executions and final states
    of herd-style candidate enumeration (tests/support/candidates.py, which takes
    neither C models nor while loops), and the C model, either loop form, the same."""
    if brute(prog, tso=False).bug:
        reject()
    got = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("gen.py", as_python(prog)), ("gen.py", as_python(prog, True)),
                           ("gen.c", as_c(prog, while_loops))):
            path = Path(tmp) / name
            path.write_text(text)
            model, names = _load(path)
            r = verify(model, names, "lkmm", Settings(all_violations=True))
            got.append((r.executions, {_outcome(*o) for o in r.outcomes}))
            if not got[1:]:
                try:
                    count, finals = executions(model, names, "lkmm")
                except CandidateLimit:
                    reject()
                assert got[0] == (count, {_outcome(*o) for o in finals})
    assert got[0] == got[1] == got[2]
