"""The differential harness for as long as it is given: random litmus tests through
every path, each disagreement printed.

    .venv/bin/python bench/fuzz.py MINUTES [--seed N] [--herd7] [--cpus 3] [--steps 4]
                                   [--theme locks]

Each program (tests/support/diff_gen.py) runs through the explorer under sc, tso and lkmm,
brute force under each, and the cat interpreter on ../shared/lkmm's model; with
--herd7, herd7 itself too (it must be on PATH; ../shared/tools/build_herd7.sh builds
it); --theme locks draws mostly lock operations (tests/support/diff_gen.py's
THEMES).  Prints programs run, programs per second, how many brute force could
enumerate, and every disagreement with its test.  Exit status 1 if any.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests.support.diff_gen import THEMES, litmus_tests  # noqa: E402
from tests.support.diff_harness import (  # noqa: E402
    INCOMPLETE,
    brute,
    disagreements,
    herd7_lines,
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("minutes", type=float)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--herd7", action="store_true", help="compare with herd7 too")
    p.add_argument("--cpus", type=int, default=3)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--theme", choices=sorted(THEMES), default="all")
    args = p.parse_args()
    start = time.monotonic()
    deadline = [start + 60 * args.minutes]
    # SIGTERM ends the run as the deadline does: the figures are printed
    signal.signal(signal.SIGTERM, lambda *_: deadline.__setitem__(0, 0.0))
    stats = {"programs": 0, "brute": 0, "disagreements": 0, "incomplete": 0}

    @seed(args.seed if args.seed is not None else random.randrange(2**32))
    # (generation only, one failure reported: the deadline's _Done must end the run as
    # itself, not shrunk into another example nor grouped with a second raise)
    @settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @given(litmus_tests(max_cpus=args.cpus, max_steps=args.steps, theme=args.theme))
    def one(text: str) -> None:
        if time.monotonic() > deadline[0]:
            raise _Done
        stats["programs"] += 1
        stats["brute"] += brute(text, "sc") is not None
        herd = herd7_lines(text) if args.herd7 else None
        try:
            found = disagreements(text, herd7=herd)
        except Exception as exc:  # a crash is a disagreement too
            found = [f"{type(exc).__name__}: {exc}"]
        cut = [f for f in found if f.startswith(INCOMPLETE)]
        stats["incomplete"] += bool(cut)
        if len(cut) < len(found):
            stats["disagreements"] += 1
            print("=" * 72, text, *found, sep="\n", flush=True)
        elif cut:  # (no verdict: shown, not counted as a disagreement)
            print("-" * 72, text, *cut, sep="\n", flush=True)

    with contextlib.suppress(_Done, ExceptionGroup):  # (a group could only hold _Done)
        one()
    elapsed = time.monotonic() - start
    print(f"programs {stats['programs']} in {elapsed:.0f} s "
          f"({stats['programs'] / elapsed:.2f}/s); brute force enumerated "
          f"{stats['brute']}; disagreeing {stats['disagreements']}; cut short (no verdict, "
          f"not compared) {stats['incomplete']}"
          + ("; herd7 compared" if args.herd7 else ""))
    return 1 if stats["disagreements"] else 0


class _Done(Exception):
    """The time is up."""


if __name__ == "__main__":
    sys.exit(main())
