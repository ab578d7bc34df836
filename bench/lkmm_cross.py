"""The two LKMM paths against each other on new generated programs: the built-in LKMM
(``smpcheck litmus --mm lkmm``) and linux-kernel.cat interpreted (``smpcheck-herd``).

Run: .venv/bin/python bench/lkmm_cross.py [--seed 1] [--count 400] [--api]

Draws ``--count`` programs of tests/support/lkmm_gen.py (of lkmm_gen_api.py with
``--api``; ``generate(seed, index)`` with
seeds and indices drawn from ``--seed``), runs both paths (at most 1,000 executions
each) and prints each program on which both finish and disagree, with the seed and
index to give ``generate`` (then record herd7's verdict on it, bench/lkmm_gen_record.py,
to learn which path is right).  A disagreement is a bug in one of them.  Prints how many
programs were compared, how many disagree, and the rate.  Not part of the test suite
(tests/herd7/test_cross_lkmm.py runs a fixed draw of 40).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from smpcheck.explore.explorer import Settings  # noqa: E402
from smpcheck.litmus.parse_common import parse_litmus  # noqa: E402
from smpcheck.litmus.run import run_litmus  # noqa: E402
from tests.herd7 import test_cross_lkmm as cross  # noqa: E402
from tests.support import lkmm_gen, lkmm_gen_api  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--api", action="store_true", help="lkmm_gen_api.py's programs")
    args = ap.parse_args()
    generate = (lkmm_gen_api if args.api else lkmm_gen).generate
    cat, macros = cross.herd_mode.__wrapped__()  # type: ignore[attr-defined]
    rng = random.Random(args.seed)
    compared = differing = 0
    start = time.monotonic()
    for _ in range(args.count):
        seed, index = rng.randint(2, 2**20), rng.randint(0, 599)
        text = generate(seed, index)
        test = parse_litmus(text, "generated.litmus")
        bound = Settings(max_executions=1000)
        interpreted = run_litmus(test, cat, bound, text, macros)
        builtin = run_litmus(test, "lkmm", bound, text)
        if interpreted.result.incomplete or builtin.result.incomplete:
            continue
        compared += 1
        if cross._summary(builtin) != cross._summary(interpreted):
            differing += 1
            where = f"generate({seed}, {index}){' (api)' if args.api else ''}"
            print(f"{where}: built-in {builtin.positive} {builtin.negative}, "
                  f"cat {interpreted.positive} {interpreted.negative}", flush=True)
    took = time.monotonic() - start
    print(f"{compared} of {args.count} programs compared (both complete), {differing} "
          f"disagree; {compared / took:.1f} programs/s")


if __name__ == "__main__":
    main()
