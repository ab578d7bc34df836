"""Write the generated LKMM corpus and record herd7's output on each test.

Run (needs herd7 on the PATH, and ../shared/lkmm or $SMPCHECK_SHARED/lkmm):

    .venv/bin/python bench/lkmm_gen_record.py [--seed 1] [--count 500] [--timeout 20] [-j 2]

and the lock corpus (spinlocks, lone unlocks among them, by the lock theme alone):

    .venv/bin/python bench/lkmm_gen_record.py --seed 7 --count 410 --theme lock \
        --out tests/data/lkmm-gen-lock
    .venv/bin/python bench/lkmm_gen_record.py --seed 202 --count 410 --theme lock \
        --out tests/data/lkmm-gen-lock2

and the kernel API corpus (tests/support/lkmm_gen_api.py: register-dependent RMWs, more
dependency shapes, initial values, mixed conditions):

    .venv/bin/python bench/lkmm_gen_record.py --api --seed 6 --count 60 \
        --out tests/data/lkmm-gen-api

and the spin-wait corpus (tests/support/lkmm_gen_spin.py; compared on states and
verdicts, not counts, as bench/spin_waits.py compares):

    .venv/bin/python bench/lkmm_gen_record.py --spin --seed 1 --count 60 \
        --out tests/data/lkmm-gen-spin

and the RMW corpus (atomic RMWs with their fences):

    .venv/bin/python bench/lkmm_gen_record.py --seed 3694 --count 300 --theme rmw \
        --out tests/data/lkmm-gen-rmw
    .venv/bin/python bench/lkmm_gen_record.py --seed 614192 --count 300 --theme srcu \
        --out tests/data/lkmm-gen-srcu
    .venv/bin/python bench/lkmm_gen_record.py --seed 839315 --count 300 --theme srcu \
        --out tests/data/lkmm-gen-srcu2
    .venv/bin/python bench/lkmm_gen_record.py --seed 195478 --count 600 --theme srcu \
        --out tests/data/lkmm-gen-srcu3
    .venv/bin/python bench/lkmm_gen_record.py --seed 24931 --count 150 --theme srcu --timeout 90 \
        --out tests/data/lkmm-gen-srcu4

Writes tests/data/lkmm-gen/G<seed>-<i>.litmus (tests/support/lkmm_gen.py's
``generate(seed, i)``) and tests/data/lkmm-gen/herd7.json: for each test the
lines herd7 printed (``herd7 -I LKMM -conf linux-kernel.cfg FILE``), less
``Time``, ``Hash`` and blank lines, or why there are none (herd7 ran out of
time, or rejected the test).  The test suite reads these and never runs herd7
(tests/herd7/test_lkmm_gen.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import lkmm_gen, lkmm_gen_api, lkmm_gen_spin  # noqa: E402

SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared")) / "lkmm"
OUT = REPO / "tests" / "data" / "lkmm-gen"


def herd_lines(path: Path, timeout: float, herd: str, *extra: str,
               lkmm: Path = SHARED) -> dict[str, Any]:
    """herd7's output lines on one file (options ``extra`` after the LKMM's, whose files
    are looked up in ``lkmm``), or why there are none."""
    cmd = [herd, "-I", str(lkmm), "-conf", "linux-kernel.cfg", *extra, str(path)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    took = round(time.monotonic() - start, 2)
    lines = [line for line in proc.stdout.splitlines()
             if line and not line.startswith(("Time ", "Hash="))]
    if proc.returncode != 0 or not any(line.startswith("Observation ") for line in lines):
        why = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return {"error": why[0] if why else f"exit status {proc.returncode}", "seconds": took}
    return {"lines": lines, "seconds": took}


def write_record(out: Path, outputs: dict[str, dict[str, Any]], generator: str,
                 timeout: float, herd: str = "herd7") -> None:
    """``out``/herd7.json: herd7's output (:func:`herd_lines`) on each test named, how
    the tests were made; and a line of counts."""
    version = subprocess.run([herd, "-version"], capture_output=True, text=True)
    record = {
        "herd7": version.stdout.strip(),
        "command": "herd7 -I LKMM -conf linux-kernel.cfg FILE",
        "generator": generator,
        "timeout_s": timeout,
        "tests": outputs,
    }
    (out / "herd7.json").write_text(json.dumps(record, indent=1) + "\n")
    done = sum("lines" in o for o in outputs.values())
    print(f"{done} of {len(outputs)} tests recorded; "
          f"{sum('timeout' in o for o in outputs.values())} timed out, "
          f"{sum('error' in o for o in outputs.values())} rejected by herd7")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds herd7 gets per test")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--herd", default="herd7")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--api", action="store_true",
                    help="tests/support/lkmm_gen_api.py's tests (A<seed>-<i>), not lkmm_gen's")
    ap.add_argument("--spin", action="store_true",
                    help="tests/support/lkmm_gen_spin.py's tests (S<seed>-<i>): spin-waits")
    ap.add_argument("--theme", choices=lkmm_gen.THEMES + lkmm_gen_api.THEMES,
                    help="only the tests of this theme (of the first --count)")
    args = ap.parse_args()
    gen = lkmm_gen_api if args.api else lkmm_gen_spin if args.spin else lkmm_gen
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.litmus"):
        old.unlink()
    paths = []
    for i in range(args.count):
        if args.theme is not None and gen.THEMES[i % len(gen.THEMES)] != args.theme:
            continue
        text = gen.generate(args.seed, i)
        name = text.split("\n", 1)[0].split()[1]
        path = args.out / f"{name}.litmus"
        path.write_text(text)
        paths.append(path)
    with ThreadPoolExecutor(args.jobs) as pool:
        outputs = list(pool.map(lambda p: herd_lines(p, args.timeout, args.herd), paths))
    generator = (f"{gen.__name__.replace('.', '/')}.py generate({args.seed}, i), "
                 f"i < {args.count}" + (f", theme {args.theme}" if args.theme else ""))
    write_record(args.out, dict(zip((p.stem for p in paths), outputs, strict=True)),
                 generator, args.timeout, args.herd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
