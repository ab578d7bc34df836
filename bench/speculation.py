"""The LKMM runs that speculation makes long: graphs explored, seconds, and whether
each run is complete (the speculation budget cuts a run short: exit 3).

    .venv/bin/python bench/speculation.py [--slow]

Cases: G7-470 (tests/support/lkmm_gen.py's generate(7, 470), a failed spin_trylock()
on a load-buffering cycle) under the built-in LKMM and under linux-kernel.cfg's cat
model; three generated tests where RMWs sit on cycles of the site graph (A6-000,
G1-002, G202-050 of tests/data: speculating a success at every RMW site ran them to
23 times their graphs or out of budget); a cmpxchg spin lock with a plain counter,
2 and 3 CPUs; examples/c/waitqueue.c at --loop-bound 2 (``--slow``: also at the
default bound).  One process each (-j 1): the figures are the explorer's own.  The
pure Python core runs (a compiled explorer calls its methods directly, and counted
none): its seconds are not the compiled core's.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["SMPCHECK_PURE"] = "1"  # (before smpcheck is imported: see above)

from smpcheck.cli.main import main as smpcheck  # noqa: E402
from smpcheck.explore.explorer import Explorer  # noqa: E402
from tests.support.lkmm_gen import generate  # noqa: E402
from tests.test_failed_rmw_await import lock_program  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LKMM = REPO.parent / "shared" / "lkmm"


def measure(argv: list[str]) -> tuple[list[int], float, int]:
    """Graphs each pass explored, seconds, and the exit status of ``smpcheck ARGV``."""
    passes = [0]
    extend, restart = Explorer._extend, Explorer._restart

    def extended(self: Explorer, g: object) -> None:
        passes[-1] += 1
        extend(self, g)  # type: ignore[arg-type]

    def restarted(self: Explorer) -> None:
        passes.append(0)
        restart(self)

    Explorer._extend, Explorer._restart = extended, restarted  # type: ignore[method-assign]
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            status = smpcheck(argv)
    finally:
        Explorer._extend, Explorer._restart = extend, restart  # type: ignore[method-assign]
    return passes, time.monotonic() - start, status


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--slow", action="store_true", help="waitqueue.c at the default bound too")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    g7 = tmp / "G7-470.litmus"
    g7.write_text(generate(7, 470))
    cases: list[tuple[str, list[str]]] = [
        ("G7-470, built-in LKMM", ["litmus", "-j", "1", str(g7)]),
        ("G7-470, linux-kernel.cfg", ["herd", "-I", str(LKMM), "-conf", "linux-kernel.cfg",
                                      str(g7)]),
    ]
    for name in ("lkmm-gen-api/A6-000", "lkmm-gen/G1-002", "lkmm-gen-lock2/G202-050"):
        test = str(REPO / "tests" / "data" / f"{name}.litmus")
        cases.append((f"{name.split('/')[1]}, built-in LKMM", ["litmus", "-j", "1", test]))
    for cpus in (2, 3):
        path = tmp / f"cmpxchg-lock-{cpus}.c"
        path.write_text(lock_program("cmpxchg", cpus))
        cases.append((f"cmpxchg lock, {cpus} CPUs", ["check", "--mm", "lkmm", "-j", "1",
                                                     str(path)]))
    waitqueue = str(REPO / "examples" / "c" / "waitqueue.c")
    cases.append(("waitqueue.c, --loop-bound 2", ["check", "--mm", "lkmm", "-j", "1",
                                                  "--loop-bound", "2", waitqueue]))
    if args.slow:
        cases.append(("waitqueue.c", ["check", "--mm", "lkmm", "-j", "1", waitqueue]))
    for name, argv in cases:
        passes, seconds, status = measure(argv)
        state = "incomplete" if status == 3 else f"complete (exit {status})"
        print(f"{name:30} {sum(passes):>7} graphs {passes}  {seconds:6.1f} s  {state}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
