"""smpcheck-herd judging executions in batches prints what judging one at a time prints.

herd mode hands complete executions to the cat model in batches
(smpcheck/cat/batch.py); with the batch size set to 1 the same run judges each
execution as it is found.  Every block (states, counts, flags, witnesses,
hash) must be the same, Time lines aside, on the kernel's tests, the x86
tests under x86tso.cat, and the RCU ring of bench/herd_rings.py.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sys
from pathlib import Path

import pytest

from smpcheck.cli.herd import herd_command
from smpcheck.herd import run as herd_run
from tests.conftest import REPO, need_lkmm


def _blocks(argv: list[str]) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = herd_command(argv)
    assert status == 0, err.getvalue()
    text = re.sub(r"^Time .*$", "", out.getvalue(), flags=re.M)
    return re.findall(r"^Test \S+ .*?^Hash=\S+$", text, re.M | re.S)


def _both(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> tuple[list[str], ...]:
    batched = _blocks(argv)
    monkeypatch.setattr(herd_run, "BATCH", 1)
    one_by_one = _blocks(argv)
    return batched, one_by_one


def test_kernel_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    root = need_lkmm()
    batched, one = _both(monkeypatch, ["-conf", str(root / "linux-kernel.cfg"),
                                       str(root / "litmus-tests")])
    assert len(batched) == 35
    assert batched == one


def test_x86_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    root = need_lkmm() / "x86"
    with open(root / "x86-results.csv", newline="") as fh:
        files = [str(root / row["file"]) for row in csv.DictReader(fh)]
    batched, one = _both(monkeypatch, files)
    assert len(batched) == len(files) == 76
    assert batched == one


def test_rcu_ring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = need_lkmm()
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from herd_rings import rcu_ring
    finally:
        sys.path.remove(str(REPO / "bench"))
    path = tmp_path / "ring.litmus"
    path.write_text(rcu_ring(6))
    batched, one = _both(monkeypatch, ["-conf", str(root / "linux-kernel.cfg"), str(path)])
    assert "Positive: 0 Negative: 63" in batched[0]
    assert batched == one
