"""Exploration speed: N CPUs each incrementing one counter K times, plus SB and MP.

Run as ``.venv/bin/python bench/inc.py`` (``--big`` adds inc 3x3: 1,824,912 SC
executions).  One line per case: executions explored, executions per second of wall
time and per CPU-second of this process (which the load of a shared machine
inflates less), under each memory model, then this process's peak resident memory.
``--check`` also runs each inc case as users do, ``smpcheck check -j 1 --mm MM FILE``
in this process on a model file written for it (what the command adds: loading the
file, judging and reporting).  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, verify

MODELS = ("sc", "tso", "lkmm")


def inc(ncpus: int, incs: int) -> Model:
    """``WRITE_ONCE(c, READ_ONCE(c) + 1)`` ``incs`` times on each of ``ncpus`` CPUs."""
    c = Var(0)

    def cpu() -> None:
        for _ in range(incs):
            WRITE_ONCE(c, READ_ONCE(c) + 1)

    return Model(f"inc {ncpus}x{incs}", [cpu] * ncpus)


def sb() -> Model:
    """Store buffering: each CPU writes one variable, then reads the other."""
    x, y = Var(0), Var(0)

    def p0() -> Any:
        WRITE_ONCE(x, 1)
        return READ_ONCE(y)

    def p1() -> Any:
        WRITE_ONCE(y, 1)
        return READ_ONCE(x)

    return Model("SB", [p0, p1])


def mp() -> Model:
    """Message passing: x = 1; y = 1 against a reader of y, then x."""
    x, y = Var(0), Var(0)

    def writer() -> None:
        WRITE_ONCE(x, 1)
        WRITE_ONCE(y, 1)

    def reader() -> Any:
        r0 = READ_ONCE(y)
        return (r0, READ_ONCE(x))

    return Model("MP", [writer, reader])


INC_FILE = '''"""{ncpus} CPUs each incrementing one counter {incs} times (bench/inc.py)."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

c = Var(0)


def cpu():
    for _ in range({incs}):
        WRITE_ONCE(c, READ_ONCE(c) + 1)


MODEL = Model("inc {ncpus}x{incs}", [cpu] * {ncpus})
'''


def run_check(ncpus: int, incs: int, mm: str, tmp: Path) -> str:
    """inc ``ncpus`` x ``incs`` through ``smpcheck check -j 1`` (its report swallowed)."""
    from smpcheck.cli.main import main as smpcheck

    path = tmp / f"inc{ncpus}x{incs}.py"
    path.write_text(INC_FILE.format(ncpus=ncpus, incs=incs))
    out = io.StringIO()
    start, cpu_start = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out):
        smpcheck(["check", "-j", "1", "--mm", mm, str(path)])
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    found = re.search(r"(\d+) executions explored", out.getvalue())
    executions = int(found.group(1)) if found else 0
    return _line(f"inc {ncpus}x{incs}", mm + " check", executions, wall, cpu)


def _line(name: str, mm: str, executions: int, wall: float, cpu: float) -> str:
    rate = executions / wall if wall > 0 else float("inf")
    cpu_rate = executions / cpu if cpu > 0 else float("inf")
    return (f"{name:8} {mm:5} executions={executions:<8} "
            f"rate={rate:9.0f}/s  wall={wall:8.3f}s  {cpu_rate:9.0f}/CPU-s")


def run(make: Callable[[], Model], mm: str) -> str:
    model = make()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = verify(model, {}, mm)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return _line(model.name, mm, result.executions, wall, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also inc 3x3 (slow)")
    parser.add_argument("--only-big", action="store_true", help="inc 3x3 alone")
    parser.add_argument("--mm", default=",".join(MODELS), help="memory models (sc,tso,lkmm)")
    parser.add_argument("--check", action="store_true",
                        help="also each inc case through `smpcheck check -j 1`")
    args = parser.parse_args()
    incs: list[tuple[int, int]] = [] if args.only_big else [(2, 2), (3, 2)]
    if args.big or args.only_big:
        incs.append((3, 3))
    cases: list[Callable[[], Model]] = [lambda n=n, k=k: inc(n, k) for n, k in incs]
    if not args.only_big:
        cases += [sb, mp]
    with tempfile.TemporaryDirectory() as tmp:
        for i, make in enumerate(cases):
            for mm in args.mm.split(","):
                print(run(make, mm), flush=True)
                if args.check and i < len(incs):
                    print(run_check(*incs[i], mm, Path(tmp)), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
