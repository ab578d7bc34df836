"""linux-kernel.cat against herd7 on the kernel's 35 litmus tests.

Candidate executions come from a brute-force herd-style generator
(tests/support/litmus_brute.py); each is judged by our interpreter through
linux-kernel.cfg.  The verdict (Never / Sometimes / Always), the number of
consistent executions satisfying and not satisfying the final condition, and
the flags must equal herd7 7.58's, recorded in herd7-results.csv.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smpcheck.cat import CatModel, load_config_model, pin_to_execution, read_defs
from smpcheck.cat.defs import MacroDef
from smpcheck.litmus import CTest, parse_litmus_file
from tests.conftest import LKMM, need_lkmm
from tests.support.litmus_brute import candidates, judge


def _rows() -> list[dict[str, str]]:
    path = LKMM / "herd7-results.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def lkmm() -> tuple[CatModel, dict[str, MacroDef]]:
    root = need_lkmm()
    return load_config_model(root / "linux-kernel.cfg"), read_defs(root / "linux-kernel.def")


ROWS = _rows()


def test_results_file_is_present() -> None:
    need_lkmm()
    assert len(ROWS) == 35


@pytest.mark.parametrize("row", ROWS, ids=[r["test"] for r in ROWS])
def test_same_verdict_and_counts_as_herd(lkmm: tuple[CatModel, dict[str, MacroDef]],
                                         row: dict[str, str]) -> None:
    model, table = lkmm
    test = parse_litmus_file(Path(need_lkmm()) / row["file"])
    assert isinstance(test, CTest)
    outcome = judge(test, table, model)
    assert outcome.verdict == row["herd7_verdict"]
    assert (outcome.positive, outcome.negative) == (int(row["positive"]), int(row["negative"]))
    assert sorted(outcome.flags) == sorted(f for f in row["flags"].split(";") if f)
    assert test.expected in (None, outcome.verdict)


LOCK_TESTS = [r for r in ROWS if "lock" in r["test"] or "sil" in r["test"]]


@pytest.mark.parametrize("row", LOCK_TESTS, ids=[r["test"] for r in LOCK_TESTS])
def test_unpinned_with_gives_the_same_verdicts(lkmm: tuple[CatModel, dict[str, MacroDef]],
                                               row: dict[str, str]) -> None:
    """Without a resolver lock.cat tries every rf choice for LF/RL/RU reads;
    consistency and flags must not change."""
    model, table = lkmm
    test = parse_litmus_file(Path(need_lkmm()) / row["file"])
    assert isinstance(test, CTest)
    for cand in candidates(test, table):
        pinned = model.check(cand.execution, resolver=pin_to_execution(cand.execution))
        free = model.check(cand.execution)
        assert (pinned.consistent, pinned.flags) == (free.consistent, free.flags)
