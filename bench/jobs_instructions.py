"""-j 2 against -j 1 counted in instructions (callgrind), which no load on the machine moves.

Run as ``.venv/bin/python bench/jobs_instructions.py [--mm sc] [--shape 4,2,1] [--node 250]``
(valgrind needed; about a minute per run).  Three runs, each a fresh process under
callgrind: the model loaded and nothing run (the base: start-up, imports, the model),
then one run at -j 1, then one at -j 2 whose walk forks its worker at node ``--node``
(the time-based fork of a native run would fall elsewhere under valgrind's slower
clock).  Each process ends with ``os._exit`` once its run is done (no interpreter
shutdown is counted), and the worker ends at the end of its tasks rather than being
killed, so that callgrind writes its counts.  A forked worker's counts include its
parent's up to the fork.  Prints each count and, with B the base:

* the speedup on idle cores: (-j 1 - B) / (max(parent, worker) - B), the instructions
  of the longer of the two processes against one process's;
* the work -j 2 adds: (parent + worker - 2 B) against (-j 1 - B), which counts the
  walk before the fork twice (it is in both processes' counts).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RUN = """
import os, sys
sys.path.insert(0, {root!r})
from smpcheck._rt.loader import load_model
from smpcheck.explore import forks, parallel, units, workers  # noqa: F401 (in the base)
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify


def stop(self):  # (the worker ends at the end of its tasks: callgrind writes its counts)
    if self.pid is not None:
        pid, self.pid = self.pid, None
        self.done()
        os.waitpid(pid, 0)


forks.Fork.stop = stop
parallel.PROBE_POPS = {node}
model, names = load_model({path!r})
if {jobs}:
    r = verify(model, names, {mm!r}, Settings(jobs={jobs}))
    print(r.executions, r.status, file=sys.stderr)
sys.stderr.flush()
os._exit(0)
"""


def counted(script: str, out: Path) -> list[int]:
    """Run ``script`` under callgrind, its files in ``out``: each process's instructions
    (this process's first)."""
    out.mkdir()
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p",
                    sys.executable, "-c", script], check=True, capture_output=True)
    files = sorted(glob.glob(str(out / "cg.*")), key=lambda f: int(f.rsplit(".", 1)[1]))
    counts = []
    for f in files:
        m = re.search(r"^summary: (\d+)", Path(f).read_text(), re.M)
        if m:
            counts.append(int(m.group(1)))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mm", default="sc")
    ap.add_argument("--shape", default="4,2,1")
    ap.add_argument("--node", type=int, default=250, help="the walk forks at this node")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.inc_model import inc_source

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "inc.py"
        model.write_text(inc_source([int(n) for n in args.shape.split(",")]))
        runs = {}
        for jobs in (0, 1, 2):
            script = _RUN.format(root=str(ROOT), node=args.node, path=str(model),
                                 jobs=jobs, mm=args.mm)
            runs[jobs] = counted(script, Path(tmp) / f"j{jobs}")
    (base,), (one,), two = runs[0], runs[1], runs[2]
    if len(two) != 2:
        sys.exit(f"-j 2 left {len(two)} counts, not a parent's and a worker's")
    parent, worker = two
    m = 1e6
    print(f"inc {args.shape} under {args.mm}, instructions (callgrind): base {base / m:.1f}M, "
          f"-j 1 {one / m:.1f}M, -j 2 parent {parent / m:.1f}M, worker {worker / m:.1f}M "
          f"(forked at node {args.node})")
    print(f"on idle cores: {(one - base) / (max(parent, worker) - base):.3f}x; "
          f"-j 2's work against -j 1's: {(parent + worker - 2 * base) / (one - base):.3f} "
          f"(the walk before the fork counted twice); commit "
          f"{os.popen(f'git -C {ROOT} rev-parse --short HEAD').read().strip()}")


if __name__ == "__main__":
    main()
