"""-j: one exploration split across processes, against one process.

Run as ``.venv/bin/python bench/jobs.py [--mm sc] [--jobs 2] [--shape 4,2,1] [--runs 1]``.  The
model: CPUs incrementing one counter with ``READ_ONCE``/``WRITE_ONCE`` (the shape
gives each CPU's increments; 4,2,1 has 9,723 executions under sc).  Prints each
run's executions, wall time and processor time, whether the results agree, the
speedup by the wall clock and by the processor time of the busiest process (what
the wall clock gives on idle cores; on a shared machine, whose scheduler shares
the cores between sessions, more processes get no more time), and the load average;
then the speedup on idle cores as the processor times give it: the longer of this
process's and of its time until the fork plus a worker's (the part before the fork
is its alone; under load it gets less of it done in its time, so the figure
flatters a longer wait before the fork).  With ``--runs N``, N such pairs in this
process (the first pays for the imports a -j run makes), then each speedup's range
and median, and the range of one fixed loop's processor time timed before each pair
(the machine's own variation).  After each pair, "a perfect split now": one fixed
loop run in ``--jobs`` processes at once against as many in turn in one process, the
speedup a job split with no extra work at all would get on these cores at that moment
(two busy processes here each run slower than one alone: on this 2-core machine it
measured 1.0-1.5x), and -j's wall-clock speedup as a share of it.  Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smpcheck._rt.loader import load_model  # noqa: E402
from smpcheck.explore import workers as workers_module  # noqa: E402
from smpcheck.explore.explorer import Settings  # noqa: E402
from smpcheck.explore.verify import verify  # noqa: E402
from smpcheck.results.result import Result  # noqa: E402
from tests.support.inc_model import inc_source  # noqa: E402


def run_split(model: Any, names: Any, mm: str, jobs: int
              ) -> tuple[Result, float, float, float | None]:
    """The run at ``-j jobs``, as ``smpcheck check -j`` makes it: its result, this
    process's processor time, the processor time of the workers (all of it: what
    they explored, planned, and spent starting and ending, counted when reaped), and
    this process's processor time when it forked them (None: it did not)."""
    clock = time.process_time  # (bound here: a run guards the time module's against models)
    forked_at: list[float] = []
    fork = workers_module._forked

    def forking(n: int, first: Any) -> Any:
        forked_at.append(clock() - start)
        return fork(n, first)

    workers_module._forked = forking
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = clock()
    try:
        r = verify(model, names, mm, Settings(jobs=jobs))
    finally:
        workers_module._forked = fork
    here = clock() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return r, here, workers, forked_at[0] if forked_at else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mm", default="sc")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--shape", default="4,2,1")
    ap.add_argument("--runs", type=int, default=1,
                    help="pairs of runs (-j 1, then -j N) in this process; the ranges at the end")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inc.py"
        path.write_text(inc_source([int(n) for n in args.shape.split(",")], f"inc {args.shape}"))
        model, names = load_model(str(path))
        speedups: list[tuple[float, ...]] = []
        loops = []
        for _ in range(args.runs):
            loops.append(fixed_loop())
            speedups.append(compare(model, names, args.mm, args.jobs))
            ceiling = split_ceiling(args.jobs)
            print(f"a perfect split now: {ceiling:.2f}x (one fixed loop in {args.jobs} "
                  f"processes at once against {args.jobs} in turn); -j {args.jobs} reached "
                  f"{speedups[-1][0] / ceiling:.0%} of it by the wall clock")
            speedups[-1] += (ceiling, speedups[-1][0] / ceiling)
    if args.runs > 1:
        whats = ("wall clock", "busiest process", "on idle cores", "a perfect split",
                 "wall clock / perfect split")
        for i, what in enumerate(whats):
            got = sorted(s[i] for s in speedups)
            print(f"{what}: {got[0]:.2f}-{got[-1]:.2f}x (median {got[len(got) // 2]:.2f}x) "
                  f"in {args.runs} runs")
        print(f"the machine's own variation: one fixed loop took {min(loops):.3f}-"
              f"{max(loops):.3f} s of processor time before the runs "
              f"({max(loops) / min(loops):.2f}x)")


def fixed_loop() -> float:
    """The processor time of one fixed piece of pure-Python work (dict stores): how fast
    this machine runs it now.  On shared cores it varies between runs with nothing
    else changed, and so does every speedup above."""
    start, d = time.process_time(), {}
    for i in range(1_000_000):
        d[i & 1023] = i
    return time.process_time() - start


def split_ceiling(jobs: int, rounds: int = 5) -> float:
    """The speedup a perfectly split job would get on this machine now: ``jobs`` runs
    of :func:`fixed_loop` (``rounds`` times over, about as long as the runs above) in
    turn in this process, against one in each of ``jobs`` processes at once (forked;
    the wall clock until the last ends).  Two busy processes do not each run as fast
    as one alone on these shared cores: this is the most -j can reach."""
    start = time.monotonic()
    for _ in range(jobs * rounds):
        fixed_loop()
    alone = time.monotonic() - start
    start = time.monotonic()
    pids = []
    for _ in range(jobs - 1):
        pid = os.fork()
        if pid == 0:
            for _ in range(rounds):
                fixed_loop()
            os._exit(0)
        pids.append(pid)
    for _ in range(rounds):
        fixed_loop()
    for pid in pids:
        os.waitpid(pid, 0)
    return alone / (time.monotonic() - start)


def compare(model: Any, names: Any, mm: str, jobs: int) -> tuple[float, float, float]:
    """One run at -j 1 and one at -j ``jobs``, printed; the speedups by the wall clock, by
    the busiest process and on idle cores."""
    wall, cpu = time.monotonic(), time.process_time()
    one = verify(model, names, mm, Settings())
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(f"{model.name} under {mm}, -j 1: {one.executions} executions, "
          f"{wall:.2f} s ({cpu:.2f} s of processor time)")
    wall2 = time.monotonic()
    two, here, workers, forked = run_split(model, names, mm, jobs)
    wall2 = time.monotonic() - wall2
    print(f"{model.name} under {mm}, -j {jobs}: {two.executions} executions, "
          f"{wall2:.2f} s (processor time: {here:.2f} s here, {workers:.2f} s in "
          f"{jobs - 1} worker{'s' if jobs > 2 else ''})")
    same = (one.status, one.executions, one.blocked, list(one.outcomes.items())) == (
        two.status, two.executions, two.blocked, list(two.outcomes.items()))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    each = workers / max(1, jobs - 1)
    busiest = max(here, each)
    print(f"same result: {same}; speedup -j {jobs}: {wall / wall2:.2f}x wall clock, "
          f"{cpu / busiest:.2f}x by processor time of the busiest process "
          f"(load average {load} on {os.cpu_count()} cores)")
    idle = max(here, (forked or 0.0) + each)
    if forked is not None:  # (a core each, none waiting: this process, or the fork + a worker)
        print(f"on idle cores: {cpu / idle:.2f}x (the longer of this process's processor "
              f"time, {here:.2f} s, and its time to the fork plus a worker's, "
              f"{forked:.3f} + {each:.2f} s)")
    return wall / wall2, cpu / busiest, cpu / idle


if __name__ == "__main__":
    main()
