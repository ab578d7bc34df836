"""``smpcheck litmus``: herd7's output format, --compare, --table, --json, exit statuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smpcheck.cli.main import main

SB = """C SB
{}
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)
"""

HERD_SB = """Test SB Allowed
States 4
0:r0=0; 1:r0=0;
0:r0=0; 1:r0=1;
0:r0=1; 1:r0=0;
0:r0=1; 1:r0=1;
Ok
Witnesses
Positive: 1 Negative: 3
Condition exists (0:r0=0 /\\ 1:r0=0)
Observation SB Sometimes 1 3
Time SB TIME
Hash=HASH
"""


@pytest.fixture
def sb(tmp_path: Path) -> Path:
    path = tmp_path / "SB.litmus"
    path.write_text(SB)
    return path


def _masked(out: str) -> str:
    out = re.sub(r"^(Time \S+) [0-9.]+$", r"\1 TIME", out, flags=re.M)
    return re.sub(r"^Hash=[0-9a-f]{32}$", "Hash=HASH", out, flags=re.M)


def test_herd_output_layout(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--mm", "tso"]) == 0
    assert _masked(capsys.readouterr().out) == HERD_SB + "\n"


def test_default_model_and_never(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--mm", "sc"]) == 0
    out = capsys.readouterr().out
    assert "States 3\n" in out and "\nNo\n" in out and "Observation SB Never 0 3" in out


def test_hash_is_stable(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["litmus", str(sb), "--mm", "tso"])
    first = capsys.readouterr().out
    main(["litmus", str(sb), "--mm", "tso"])
    hashes = [re.findall(r"Hash=\w+", out) for out in (first, capsys.readouterr().out)]
    assert hashes[0] == hashes[1]


def test_compare_side_by_side_with_witness(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--compare", "sc,tso"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\* 0:r0=0; 1:r0=0; +- +1$", out, re.M)
    assert re.search(r"^  verdict +Never +Sometimes$", out, re.M)
    assert "0:r0=0; 1:r0=0; is allowed by tso, not by sc:" in out
    assert "CPU 0 (P0)" in out and "(buffered)" in out


def test_table_of_a_witness(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--mm", "tso", "--table"]) == 0
    out = capsys.readouterr().out
    assert "An execution under tso where 0:r0=0 /\\ 1:r0=0 holds" in out
    assert "r0 = READ_ONCE(*y);  -> 0" in out


def test_json(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--mm", "sc", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["complete"], doc["exit"], doc["errors"]) == (True, 0, [])
    (report,) = doc["runs"]
    assert (report["verdict"], report["positive"], report["negative"]) == ("Never", 0, 3)
    assert (report["ok"], report["complete"], report["incomplete"]) == (False, True, [])


def test_bad_file_among_good_ones(sb: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.litmus"
    bad.write_text(SB.replace("READ_ONCE(*y)", "READ_TWICE(*y)"))
    assert main(["litmus", str(bad), str(sb), "--mm", "sc"]) == 2
    captured = capsys.readouterr()
    assert f"{bad}:3:" in captured.err and "Observation SB Never" in captured.out


def test_unknown_memory_model(sb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["litmus", str(sb), "--mm", "arm"]) == 2
    assert "unknown memory model 'arm'" in capsys.readouterr().err


def test_kernel_test_as_herd_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import need_lkmm

    path = need_lkmm() / "litmus-tests" / "MP+onceassign+derefonce.litmus"
    assert main(["litmus", str(path), "--mm", "sc"]) == 0
    out = capsys.readouterr().out
    assert "1:r0=x; 1:r1=1;\n1:r0=y; 1:r1=0;\nNo\n" in out
