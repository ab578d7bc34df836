"""Evaluations per second of linux-kernel.cat on hand-built executions.

Run: .venv/bin/python bench/cat_eval.py [seconds-per-case]

The model is loaded through linux-kernel.cfg (bell, lock.cat, variant
lkmmv2) from ../shared/lkmm (or $SMPCHECK_SHARED/lkmm).  The main figure is
a 10-event execution (MP with wmb/rmb, a release/acquire pair and a plain
write); larger shapes show how the cost grows with the number of events.
Last, executions of one shape judged one at a time against in one batch
(smpcheck/cat/batch.py).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from smpcheck.cat import (  # noqa: E402
    CatModel,
    Execution,
    load_config_model,
    load_model,
    pin_to_execution,
)
from smpcheck.cat.batch_eval import evaluate_batch  # noqa: E402
from tests.support.cat_builder import Builder  # noqa: E402

SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared"))


def ten_events() -> dict[str, Any]:
    """IW x, y, z; P0: x=1; smp_wmb(); smp_store_release(y, 1)
    P1: smp_load_acquire(y) (1); smp_rmb(); READ_ONCE(x) (0); z=1 (plain)."""
    b = Builder()
    x0 = b.init("x")
    b.init("y")
    b.init("z")
    b.write(0, "x", "ONCE")
    b.fence(0, "wmb")
    wy = b.write(0, "y", "RELEASE")
    b.read(1, "y", wy, "ACQUIRE")
    b.fence(1, "rmb")
    b.read(1, "x", x0, "ONCE")
    b.write(1, "z")
    return b.build()


def wide(cpus: int, per_cpu: int, rng: random.Random | None = None) -> dict[str, Any]:
    """``cpus`` CPUs each doing ``per_cpu`` ONCE accesses round-robin over 4
    locations, with an smp_mb() in the middle; reads see the initial value, or
    with ``rng`` a write of their location chosen at random."""
    b = Builder()
    writes = {loc: [b.init(loc)] for loc in "abcd"}
    for cpu in range(cpus):
        for k in range(per_cpu):
            loc = "abcd"[(cpu + k) % 4]
            if k == per_cpu // 2:
                b.fence(cpu, "MB")
            if (cpu + k) % 2:
                src = rng.choice(writes[loc]) if rng else writes[loc][0]
                b.read(cpu, loc, src, "ONCE")
            else:
                writes[loc].append(b.write(cpu, loc, "ONCE"))
    return b.build()


def batch_rates(model: CatModel, size: int) -> tuple[float, float]:
    """Executions judged per second, one at a time and in one batch, over ``size``
    executions of one shape (6 CPUs x 6 accesses) whose reads read at random."""
    rng = random.Random(1)
    exes = [Execution(wide(6, 6, rng)) for _ in range(size)]
    sample = exes[:100]
    start = time.perf_counter()
    for exe in sample:
        model.check(exe, resolver=pin_to_execution(exe))
    one = len(sample) / (time.perf_counter() - start)
    start = time.perf_counter()
    evaluate_batch(model.program, exes)
    return one, size / (time.perf_counter() - start)


def rate(model: CatModel, exe: dict[str, Any], seconds: float) -> tuple[float, bool]:
    resolver = pin_to_execution(exe)
    verdict = model.check(exe, resolver=resolver).consistent
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            model.check(exe, resolver=resolver)
        count += 20
    return count / (time.perf_counter() - start), verdict


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    cfg = SHARED / "lkmm" / "linux-kernel.cfg"
    if not cfg.is_file():
        sys.exit(f"{cfg} is absent (set SMPCHECK_SHARED to the directory holding lkmm/)")
    start = time.perf_counter()
    lkmm = load_config_model(cfg)
    print(f"load linux-kernel.cfg (parse + compile): {(time.perf_counter() - start) * 1e3:.1f} ms")
    cases = [("MP+wmb+rmb, rel/acq, plain", ten_events()),
             ("4 CPUs x 4 accesses, smp_mb", wide(4, 4)),
             ("6 CPUs x 6 accesses, smp_mb", wide(6, 6))]
    for label, exe in cases:
        per_s, ok = rate(lkmm, exe, seconds)
        print(f"linux-kernel.cat  {label:30} n={exe['n']:2}  {per_s:8.0f} evaluations/s"
              f"  ({1e3 / per_s:.3f} ms; consistent={ok})")
    for name in ("sc.cat", "x86tso.cat"):
        per_s, ok = rate(load_model(name), ten_events(), seconds)
        print(f"{name:17} {cases[0][0]:30} n=10  {per_s:8.0f} evaluations/s"
              f"  ({1e3 / per_s:.3f} ms; consistent={ok})")
    for size in (256, 4096):
        one, batched = batch_rates(lkmm, size)
        print(f"linux-kernel.cat  6x6 shape, rf at random: one at a time {one:7.0f}/s, "
              f"in a batch of {size}: {batched:8.0f}/s ({batched / one:.0f}x)")


if __name__ == "__main__":
    main()
