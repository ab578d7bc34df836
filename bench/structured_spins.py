"""Spin-waits in generated Python and C models against brute force, for as long as
it is given.

    .venv/bin/python bench/structured_spins.py MINUTES [--seed N] [--cpus 2] [--len 3]
                                               [--timeout 60]

Each program (tests/support/structured.py, with spin-waits) runs as a Python and a C
model under sc and tso, at a loop bound of 3 or 4, through
tests/test_structured_bruteforce.py's compare: the same verdict, executions and final
states, runs the loop bound cuts included (test_a_cut_stops_only_its_cpu).
A program that takes longer than ``--timeout`` seconds (brute force and smpcheck
together) is printed and counted as slow.  Prints each disagreement with its
program, then counts; exit status 1 on any.
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
from hypothesis import strategies as st  # noqa: E402

from tests.support.structured import brute, structured_programs  # noqa: E402
from tests.test_structured_bruteforce import compare  # noqa: E402


class _Done(Exception):
    pass


class _Slow(Exception):
    pass


def _alarm(*_: object) -> None:
    raise _Slow


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("minutes", type=float)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--len", type=int, default=3)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per program")
    args = p.parse_args()
    start = time.monotonic()
    deadline = [start + 60 * args.minutes]
    signal.signal(signal.SIGTERM, lambda *_: deadline.__setitem__(0, 0.0))
    signal.signal(signal.SIGALRM, _alarm)
    stats = {"programs": 0, "cut": 0, "stuck": 0, "bug": 0, "slow": 0, "disagreements": 0}
    the_seed = args.seed if args.seed is not None else random.randrange(2**32)

    @seed(the_seed)
    @settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @given(structured_programs(args.cpus, args.len, spins=True),
           st.sampled_from(["sc", "tso"]), st.booleans(), st.integers(3, 4))
    def one(prog: list, mm: str, while_loops: bool, bound: int) -> None:
        if time.monotonic() > deadline[0]:
            raise _Done
        stats["programs"] += 1
        signal.setitimer(signal.ITIMER_REAL, args.timeout, 1.0)  # (again each second)
        try:
            want = brute(prog, mm == "tso", bound)
            for key in ("cut", "stuck", "bug"):
                stats[key] += bool(getattr(want, key))
            compare(prog, mm, while_loops, bound)
        except _Slow:
            stats["slow"] += 1
            print("-" * 72, f"slow: prog={prog!r}", f"mm={mm} while_loops={while_loops} "
                  f"loop_bound={bound}", sep="\n", flush=True)
        except Exception as exc:  # a crash is a disagreement too
            stats["disagreements"] += 1
            print("=" * 72, f"prog={prog!r}", f"mm={mm} while_loops={while_loops} "
                  f"loop_bound={bound}", f"{type(exc).__name__}: {exc}"[:2000],
                  sep="\n", flush=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    with contextlib.suppress(_Done, ExceptionGroup):
        one()
    elapsed = time.monotonic() - start
    print(f"seed {the_seed}: programs {stats['programs']} in {elapsed:.0f} s, "
          + ", ".join(f"{k} {v}" for k, v in stats.items() if k != "programs"))
    return 1 if stats["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
