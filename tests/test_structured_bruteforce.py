"""Python and C front ends against brute force on programs with loops, a spinlock,
conditionals and BUG_ON: the same executions, final states and verdict under SC and
x86-TSO, whichever front end the program is written for; under the LKMM, against
candidate enumeration."""

from __future__ import annotations

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
from tests.support.candidates import CandidateLimit, executions
from tests.support.structured import Brute, as_c, as_python, brute, structured_programs

pytestmark = pytest.mark.slow  # exhaustive comparisons (deselect: -m 'not slow')


def _outcome(regs: Any, mem: Any) -> Any:
    """An outcome as the brute force writes it: no loop counter, no lock, values only."""
    cpus = tuple(tuple(kv for kv in r if kv[0] != "i") for r in regs)
    return cpus, tuple(v for name, v in mem if name != "l")


def _load(path: Path) -> Any:
    return load_c_model(str(path), {}) if path.suffix == ".c" else load_model(str(path))


def _check(path: Path, c: bool, mm: str, want: Brute) -> None:
    model, names = _load(path)
    result = verify(model, names, mm, Settings(all_violations=True))
    kinds = {v.kind.value for v in result.violations}
    assert result.exit_status == (1 if want.bug else 0), (kinds, want.bug)
    if want.bug:
        assert kinds == {"assertion"}
        return
    assert result.executions == len(want.classes)
    assert {_outcome(*o) for o in result.outcomes} == want.finals


def compare(prog: list[Any], mm: str, while_loops: bool = False) -> None:
    want = brute(prog, tso=mm == "tso")
    assert not want.stuck
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("gen.py", as_python(prog, while_loops)),
                           ("gen.c", as_c(prog, while_loops))):
            path = Path(tmp) / name
            path.write_text(text)
            _check(path, name.endswith(".c"), mm, want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(), st.booleans())
def test_sc_matches_brute_force(prog: list[Any], while_loops: bool) -> None:
    compare(prog, "sc", while_loops)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs(), st.booleans())
def test_tso_matches_brute_force(prog: list[Any], while_loops: bool) -> None:
    compare(prog, "tso", while_loops)


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
