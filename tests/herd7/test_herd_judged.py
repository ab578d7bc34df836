"""smpcheck-herd judged against herd7 7.58, in process, through its text output.

The kernel's 35 tests run with ``-conf linux-kernel.cfg`` from the shared
directory (the interpreted kernel model and linux-kernel.def's macros): each
Observation line (verdict and counts) and each set of flags equals
herd7-results.csv's, and judgelitmus.sh's reading of each test's ``Result:``
comment against the output is Good.  The x86 tests run with smpcheck's
x86tso.cat (Observation line equal to herd7's with x86tso.cat) and sc.cat
(verdict equal to herd7's with sc.cat).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pytest

from smpcheck.cli.herd import herd_command
from tests.conftest import LKMM, need_lkmm
from tests.support.herd import herd, judge


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


KERNEL = _rows(LKMM / "herd7-results.csv")
X86 = _rows(LKMM / "x86" / "x86-results.csv")


@pytest.fixture(scope="module")
def kernel_output() -> dict[str, str]:
    """One smpcheck-herd run over every kernel test: test name -> its block."""
    root = need_lkmm()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = herd_command(["-conf", str(root / "linux-kernel.cfg"),
                               str(root / "litmus-tests")])
    assert status == 0, err.getvalue()
    text = out.getvalue()
    names = re.findall(r"^Test (\S+) ", text, re.M)
    blocks = re.findall(r"^Test \S+ .*?^Hash=\S+$", text, re.M | re.S)
    return dict(zip(names, blocks, strict=True))


def test_every_kernel_test_has_a_block(kernel_output: dict[str, str]) -> None:
    assert sorted(kernel_output) == sorted(r["test"] for r in KERNEL)
    assert len(KERNEL) == 35


@pytest.mark.parametrize("row", KERNEL, ids=[r["test"] for r in KERNEL])
def test_kernel_observation_and_flags_as_herd(kernel_output: dict[str, str],
                                              row: dict[str, str]) -> None:
    block = kernel_output[row["test"]]
    assert re.search(r"^Observation .*$", block, re.M).group(0) == row["observation_line"]
    flags = sorted(re.findall(r"^Flag (\S+)$", block, re.M))
    assert flags == sorted(f for f in row["flags"].split(";") if f)
    assert f"States {row['states']}" in block


@pytest.mark.parametrize("row", KERNEL, ids=[r["test"] for r in KERNEL])
def test_judgelitmus_says_good(kernel_output: dict[str, str], row: dict[str, str]) -> None:
    text = (LKMM / row["file"]).read_text()
    assert judge(text, kernel_output[row["test"]]) == "Good"


def test_judge_spots_a_wrong_verdict_and_a_missing_race() -> None:
    block = "Test T Allowed\nObservation T Never 0 3\nHash=0\n"
    assert judge(" * Result: Sometimes\n", block).startswith("Bad")
    assert judge(" * Result: Never DATARACE\n", block).startswith("Bad")
    assert judge(" * Result: Never\n", block) == "Good"
    assert judge(" * Result: Maybe\n", block) == "Good"


def _x86_run(capsys: pytest.CaptureFixture[str], model: str) -> dict[str, str]:
    root = need_lkmm() / "x86"
    out = herd(capsys, "-model", model, *[root / r["file"] for r in X86])
    assert out.status == 0, out.err
    lines = re.findall(r"^Observation .*$", out.out, re.M)
    assert len(lines) == len(X86)
    return {f"{r['arch']}:{r['file']}": line for r, line in zip(X86, lines, strict=True)}


def test_x86_tests_under_x86tso_cat_as_herd(capsys: pytest.CaptureFixture[str]) -> None:
    got = _x86_run(capsys, "x86tso.cat")
    want = {f"{r['arch']}:{r['file']}": r["observation_line"] for r in X86}
    assert got == want
    assert len(X86) == 76


def test_x86_tests_under_sc_cat_as_herd(capsys: pytest.CaptureFixture[str]) -> None:
    got = {k: v.split()[2] for k, v in _x86_run(capsys, "sc.cat").items()}
    assert got == {f"{r['arch']}:{r['file']}": r["verdict_sc.cat"] for r in X86}
