"""Python and C front ends against brute force on programs with loops, a spinlock,
conditionals and BUG_ON: the same executions, final states and verdict under SC and
x86-TSO, whichever front end the program is written for."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from smpcheck._rt.loader import load_model
from smpcheck.c import load_c_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from tests.support.structured import Brute, as_c, as_python, brute, structured_programs

pytestmark = pytest.mark.slow  # exhaustive comparisons (deselect: -m 'not slow')


def _outcome(regs: Any, mem: Any) -> Any:
    """An outcome as the brute force writes it: no loop counter, no lock, values only."""
    cpus = tuple(tuple(kv for kv in r if kv[0] != "i") for r in regs)
    return cpus, tuple(v for name, v in mem if name != "l")


def _check(path: Path, c: bool, mm: str, want: Brute) -> None:
    model, names = load_c_model(str(path), {}) if c else load_model(str(path))
    result = verify(model, names, mm, Settings(all_violations=True))
    kinds = {v.kind.value for v in result.violations}
    assert result.exit_status == (1 if want.bug else 0), (kinds, want.bug)
    if want.bug:
        assert kinds == {"assertion"}
        return
    assert result.executions == len(want.classes)
    assert {_outcome(*o) for o in result.outcomes} == want.finals


def compare(prog: list[Any], mm: str) -> None:
    want = brute(prog, tso=mm == "tso")
    assert not want.stuck
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("gen.py", as_python(prog)), ("gen.c", as_c(prog))):
            path = Path(tmp) / name
            path.write_text(text)
            _check(path, name.endswith(".c"), mm, want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs())
def test_sc_matches_brute_force(prog: list[Any]) -> None:
    compare(prog, "sc")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_programs())
def test_tso_matches_brute_force(prog: list[Any]) -> None:
    compare(prog, "tso")
