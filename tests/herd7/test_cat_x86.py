"""smpcheck's x86tso.cat and sc.cat against herd7 on 76 x86 litmus tests.

Candidates come from tests/support/x86_brute.py; herd7 7.58's verdicts (and, for
x86-TSO, its counts of executions satisfying / not satisfying the condition)
are in x86/x86-results.csv.
"""

from __future__ import annotations

import csv

import pytest

from smpcheck.cat import CatModel, load_model
from smpcheck.litmus import X86Test, parse_litmus_file
from tests.conftest import LKMM, need_lkmm
from tests.support.litmus_brute import judge_candidates
from tests.support.x86_brute import register, x86_candidates

X86 = LKMM / "x86"


def _rows() -> list[dict[str, str]]:
    path = X86 / "x86-results.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


@pytest.fixture(scope="module")
def models() -> tuple[CatModel, CatModel]:
    return load_model("x86tso.cat"), load_model("sc.cat")


def test_results_file_is_present() -> None:
    need_lkmm()
    assert len(ROWS) == 76


def test_register_spellings() -> None:
    assert register("eax") == register("RAX") == "AX"
    assert register("r8") == "R8"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['arch']}-{r['test']}" for r in ROWS])
def test_same_verdicts_as_herd(models: tuple[CatModel, CatModel], row: dict[str, str]) -> None:
    tso, sc = models
    test = parse_litmus_file(X86 / row["file"])
    assert isinstance(test, X86Test)
    got = judge_candidates(x86_candidates(test), test.condition, tso)
    assert got.verdict == row["herd7_verdict"]
    assert (got.positive, got.negative) == (int(row["positive"]), int(row["negative"]))
    assert judge_candidates(x86_candidates(test), test.condition, sc).verdict == \
        row["verdict_sc.cat"]
