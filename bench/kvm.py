"""Time to the first counterexample and to a complete verdict, per KVM scenario.

Run: .venv/bin/python bench/kvm.py [--mm sc,tso] [--model NAME]

For every model and scenario, under each memory model: the design as
shipped (its default switches) and, where the model has one, its fixed
variant.  "first" stops at the first violation (what `smpcheck kvm check`
does); "complete" explores every execution (`--all`).  Targets (issue 4):
every core and desc-chain verdict under 10 s, the unfixed 2013 design's TSO
counterexample under 1 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smpcheck.explore.explorer import Settings  # noqa: E402
from smpcheck.explore.verify import verify  # noqa: E402
from smpcheck.kvm.registry import KvmModel, models  # noqa: E402

FIXED = {"unmap-nolock-2013": {"fence_after_publish": "smp_mb",
                               "fence_before_check": "smp_mb"}}


def measure(design: KvmModel, scenario: str, variant: dict[str, str], mm: str,
            complete: bool) -> tuple[str, int, float]:
    model, names = design.build(scenario, variant)
    start = time.perf_counter()
    result = verify(model, names, mm, Settings(all_violations=complete, timeout=120))
    return str(result.status), result.executions, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mm", default="sc,tso")
    ap.add_argument("--model", action="append")
    args = ap.parse_args()
    print(f"{'model':18} {'scenario':11} {'variant':8} {'mm':4} {'verdict':10} "
          f"{'first s':>8} {'complete s':>10} {'executions':>10} {'exec/s':>7}")
    for design in models():
        if args.model and design.name not in args.model:
            continue
        variants = {"default": {}, **({"fixed": FIXED[design.name]}
                                      if design.name in FIXED else {})}
        for scenario in design.scenarios:
            for label, variant in variants.items():
                for mm in args.mm.split(","):
                    verdict, _, first = measure(design, scenario.name, variant, mm, False)
                    _, execs, whole = measure(design, scenario.name, variant, mm, True)
                    print(f"{design.name:18} {scenario.name:11} {label:8} {mm:4} "
                          f"{verdict:10} {first:8.2f} {whole:10.2f} {execs:10} "
                          f"{execs / whole:7.0f}", flush=True)


if __name__ == "__main__":
    main()
