"""Ring-shaped litmus tests through smpcheck-herd, in process: wall time per test.

Two rings for N CPUs (``python bench/herd_rings.py 6 10 12``; default 6 8 10):

* RCU ring (tools/memory-model/Documentation/litmus-tests.txt): CPUs
  alternate between a reader, ``rcu_read_lock(); r0 = READ_ONCE(x_i);
  WRITE_ONCE(x_{i+1}, 1); rcu_read_unlock();`` and an updater, ``r0 =
  READ_ONCE(x_i); synchronize_rcu(); WRITE_ONCE(x_{i+1}, 1);``; the cycle of
  all reads seeing 1 is forbidden when there are at least as many grace
  periods as critical sections.
* message-passing ring with release/acquire: ``r0 = smp_load_acquire(x_i);
  smp_store_release(x_{i+1}, 1);``: the all-ones cycle is forbidden.

Each is run with ``-conf linux-kernel.cfg`` from the shared data directory
($SMPCHECK_SHARED or ../shared).  herd7's reference times on the machine of
herd7-results.csv: 3.4 s for a 10-CPU RCU ring, 20 s for a 12-CPU one.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from smpcheck.cli.herd import herd_command

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared")) / "lkmm"
HERD7_SECONDS = {("rcu", 10): 3.4, ("rcu", 12): 20.0}


def _header(n: int) -> str:
    return ", ".join(f"int *x{i}" for i in range(n))


def rcu_ring(n: int) -> str:
    """The RCU ring of ``n`` CPUs (even CPUs readers, odd ones updaters)."""
    threads = []
    for i in range(n):
        nxt = (i + 1) % n
        if i % 2 == 0:
            body = (f"\trcu_read_lock();\n\tr0 = READ_ONCE(*x{i});\n"
                    f"\tWRITE_ONCE(*x{nxt}, 1);\n\trcu_read_unlock();\n")
        else:
            body = f"\tr0 = READ_ONCE(*x{i});\n\tsynchronize_rcu();\n\tWRITE_ONCE(*x{nxt}, 1);\n"
        threads.append(f"P{i}({_header(n)})\n{{\n\tint r0;\n\n{body}}}\n")
    cond = " /\\ ".join(f"{i}:r0=1" for i in range(n))
    return f"C RCU-ring-{n}\n\n{{}}\n\n" + "\n".join(threads) + f"\nexists ({cond})\n"


def mp_ring(n: int) -> str:
    """The release/acquire message-passing ring of ``n`` CPUs."""
    threads = []
    for i in range(n):
        body = f"\tr0 = smp_load_acquire(x{i});\n\tsmp_store_release(x{(i + 1) % n}, 1);\n"
        threads.append(f"P{i}({_header(n)})\n{{\n\tint r0;\n\n{body}}}\n")
    cond = " /\\ ".join(f"{i}:r0=1" for i in range(n))
    return f"C MP-ring-{n}\n\n{{}}\n\n" + "\n".join(threads) + f"\nexists ({cond})\n"


def write_rings(directory: Path, sizes: list[int]) -> list[tuple[str, int, Path]]:
    """Write both rings for each size; (kind, CPUs, path) of each file."""
    out = []
    for n in sizes:
        for kind, make in (("rcu", rcu_ring), ("mp", mp_ring)):
            path = directory / f"{kind}-ring-{n}.litmus"
            path.write_text(make(n))
            out.append((kind, n, path))
    return out


def run_one(path: Path) -> tuple[float, str, int]:
    """Wall time, Observation line and executions of one smpcheck-herd run."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = herd_command(["-conf", str(SHARED / "linux-kernel.cfg"), str(path)])
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"smpcheck-herd failed on {path}: {err.getvalue()}")
    text = out.getvalue()
    obs = re.search(r"^Observation .*$", text, re.M)
    m = re.search(r"^Positive: (\d+) Negative: (\d+)", text, re.M)
    execs = int(m.group(1)) + int(m.group(2)) if m else -1
    return wall, obs.group(0) if obs else "?", execs


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [6, 8, 10]
    if any(not 6 <= n <= 16 for n in sizes):
        raise SystemExit("ring sizes must be 6 to 16 CPUs")
    if not (SHARED / "linux-kernel.cfg").is_file():
        raise SystemExit(f"{SHARED}/linux-kernel.cfg is absent (set SMPCHECK_SHARED)")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n, path in write_rings(Path(tmp), sizes):
            wall, obs, execs = run_one(path)
            ref = HERD7_SECONDS.get((kind, n))
            vs = f"  herd7 {ref:.1f} s: {ref / wall:.2f}x" if ref else ""
            print(f"{kind:3s} ring {n:2d} CPUs  {wall:8.2f} s  {execs:6d} executions  "
                  f"{obs}{vs}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak memory of the process: {peak} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
