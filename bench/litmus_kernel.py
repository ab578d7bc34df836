"""Wall time of the kernel's 35 litmus tests (and herd's x86 tests) checked in one process.

Run: .venv/bin/python bench/litmus_kernel.py [--repeat N]

Reads the tests and herd7's own per-test times from ../shared/lkmm (or
$SMPCHECK_SHARED/lkmm).  Prints, for the kernel tests under lkmm and the x86
tests under tso: the number of tests, executions explored, smpcheck's total
wall time (best of N runs) and herd7's total from its CSV, and their ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from smpcheck.litmus.run import check_litmus  # noqa: E402

SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared")) / "lkmm"


def rows(csv_path: Path) -> list[dict[str, str]]:
    with csv_path.open(newline="") as f:
        return list(csv.DictReader(f))


def total(files: list[Path], mm: str, repeat: int) -> tuple[float, int]:
    best, execs = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        execs = sum(executions(f, mm) for f in files)
        best = min(best, time.perf_counter() - start)
    return best, execs


def executions(path: Path, mm: str) -> int:
    try:
        return check_litmus(path, mm).result.executions
    except Exception as exc:  # a bug: say so, and go on timing the others
        print(f"  {path.name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 0


def report(label: str, table: Path, base: Path, mm: str, repeat: int) -> None:
    data = rows(table)
    files = [base / r["file"] for r in data]
    herd = sum(float(r["herd7_time_s"]) for r in data)
    ours, execs = total(files, mm, repeat)
    print(f"{label:26} {len(files):3} tests  {execs:6} executions  smpcheck {ours:6.2f} s  "
          f"herd7 {herd:6.2f} s  ratio {ours / herd if herd else float('inf'):5.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"no test data at {SHARED}")
    report("kernel tests under lkmm", SHARED / "herd7-results.csv", SHARED, "lkmm", args.repeat)
    report("x86 tests under tso", SHARED / "x86" / "x86-results.csv", SHARED / "x86", "tso",
           args.repeat)


if __name__ == "__main__":
    main()
