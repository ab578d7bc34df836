"""The kernel's C litmus tests rewritten as C models (tests/c/litmus_to_c.py) through
the C front end: the same positive and negative executions as herd7 under the LKMM
(its recorded output), and as smpcheck's own litmus front end under sc and tso.

Two translations of one program, and an independent oracle for one model: the C
front end must give the explorer the events the litmus interpreter gives it.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from smpcheck.c import load_c_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.litmus.run import check_litmus
from tests.c.litmus_to_c import litmus_to_c
from tests.conftest import LKMM
from tests.support.diff_gen import has_lone_unlock, litmus_tests

TESTS = sorted((LKMM / "litmus-tests").glob("*.litmus")) if LKMM.is_dir() else []


def _herd7() -> dict[str, tuple[int, int]]:
    with open(LKMM / "herd7-results.csv") as f:
        return {r["test"]: (int(r["positive"]), int(r["negative"])) for r in csv.DictReader(f)}


def _as_c(path: Path, tmp_path: Path, mm: str) -> tuple[int, int]:
    c = tmp_path / (path.stem + ".c")
    c.write_text(litmus_to_c(path))
    model, names = load_c_model(str(c))
    r = verify(model, names, mm, Settings(all_violations=True))
    assert not r.incomplete
    return r.positive, r.negative


@pytest.mark.skipif(not TESTS, reason="the kernel's litmus tests (../shared/lkmm) are absent")
@pytest.mark.parametrize("path", TESTS, ids=[p.stem for p in TESTS])
def test_litmus_test_as_c_model(path: Path, tmp_path: Path) -> None:
    assert _as_c(path, tmp_path, "lkmm") == _herd7()[path.stem]
    for mm in ("sc", "tso"):
        run = check_litmus(path, mm)
        assert _as_c(path, tmp_path, mm) == (run.positive, run.negative), mm


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]))
def test_generated_litmus_test_as_c_model(text: str, mm: str) -> None:
    """Generated tests of every access kind the kernel's use (tests/diff/gen.py): the
    C front end and the litmus front end count the same positive and negative
    executions.  Not for a spin_unlock() that matches no lock: a litmus test's is
    lock.cat's (a release nothing orders in coherence, read by spin_is_locked()
    alone), a C model's the kernel API's store of 0."""
    assume(not has_lone_unlock(text))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.litmus"
        path.write_text(text)
        run = check_litmus(path, mm)
        assume(not run.result.incomplete)
        c = Path(tmp) / "gen.c"
        c.write_text(litmus_to_c(path))
        model, names = load_c_model(str(c))
        r = verify(model, names, mm, Settings(all_violations=True))
        assume(not r.incomplete)
        assert (r.positive, r.negative) == (run.positive, run.negative), (text, mm)
