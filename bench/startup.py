"""Start-up time of the command line: ``smpcheck --help`` and ``--version``, and herd7's.

Run: .venv/bin/python bench/startup.py [--runs N]

Each command is run N times (default 10) as a fresh process; printed: the median
wall time and the median CPU time (user + system) of one run, and, when herd7 is
on the PATH, ``herd7 -version`` timed the same way in the same run.  The machine
may be shared: the load average is printed too, and the CPU time is the figure
that load does not inflate.  Goal (issue 13): under 0.15 s.  Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def measure(cmd: list[str], runs: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``cmd`` over ``runs`` runs; its last exit status."""
    walls, cpus, status = [], [], 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        status = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                check=False).returncode
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus), status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    smpcheck = str(BIN / "smpcheck") if (BIN / "smpcheck").exists() else "smpcheck"
    cases = [("smpcheck --help", [smpcheck, "--help"]),
             ("smpcheck --version", [smpcheck, "--version"]),
             ("python -c pass", [sys.executable, "-c", "pass"])]
    herd7 = shutil.which("herd7")
    if herd7:
        cases.append(("herd7 -version", [herd7, "-version"]))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"median of {args.runs} runs")
    results = {}
    for label, cmd in cases:
        wall, cpu, status = measure(cmd, args.runs)
        results[label] = wall
        note = "" if status == 0 else f"  (exit {status})"
        print(f"{label:20} wall {wall:6.3f} s  cpu {cpu:6.3f} s{note}", flush=True)
    if herd7:
        ratio = results["smpcheck --help"] / results["herd7 -version"]
        print(f"smpcheck --help / herd7 -version (wall): {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
