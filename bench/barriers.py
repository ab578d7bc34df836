"""How long the analyses take: barriers over the kernel's litmus tests, and barriers
and --fix on the 2013 KVM design.

Run: .venv/bin/python bench/barriers.py

Prints, for the kernel's 35 litmus tests under the LKMM, the sites found, how many
are load-bearing and the total time (one process); then the 2013 design's core
scenario under TSO: barriers with both fences, and --fix as proposed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smpcheck.analyses.barriers import analyse  # noqa: E402
from smpcheck.analyses.fix import find_fix  # noqa: E402
from smpcheck.analyses.subjects import LitmusSubject  # noqa: E402
from smpcheck.cli.barriers import kvm_subject  # noqa: E402
from smpcheck.explore.explorer import Settings  # noqa: E402

LKMM = Path(__file__).resolve().parents[2] / "shared" / "lkmm"


def main() -> None:
    tests = sorted((LKMM / "litmus-tests").glob("*.litmus"))
    start = time.perf_counter()
    sites = bearing = 0
    for path in tests:
        _, answers = analyse(LitmusSubject(str(path)), ["lkmm"], Settings())
        sites += len(answers)
        bearing += sum(1 for a in answers if a.load_bearing)
    took = time.perf_counter() - start
    print(f"kernel litmus tests: {len(tests)} tests, {sites} sites, {bearing} load-bearing, "
          f"{took:.1f} s under lkmm")
    both = {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb"}
    start = time.perf_counter()
    _, answers = analyse(kvm_subject("unmap-nolock-2013", "core", both), ["tso"], Settings())
    print(f"unmap-nolock-2013 core, both fences, barriers under tso: {len(answers)} sites, "
          f"{sum(1 for a in answers if a.load_bearing)} load-bearing, "
          f"{time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    fix = find_fix(kvm_subject("unmap-nolock-2013", "core", {}), ["tso"], Settings())
    print(f"unmap-nolock-2013 core as proposed, --fix under tso: "
          f"{len(fix.changes or ())} changes, {fix.checks} full checks, {fix.pruned} sets "
          f"ruled out, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
