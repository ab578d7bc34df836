"""cProfile over smpcheck's main workloads: where the time goes, top costs printed.

Run: .venv/bin/python bench/profile.py [WORKLOAD ...] [--top N] [--ring N] [--sort KEY]

Workloads (default: all):

* ``kernel-herd``: the kernel's 35 litmus tests through smpcheck-herd (the cat model);
* ``kernel-litmus``: the same through ``smpcheck litmus`` (the built-in LKMM);
* ``inc-sc``, ``inc-tso``, ``inc-lkmm``: bench/inc.py's 3 CPUs x 2 increments through
  ``smpcheck check --mm MM``;
* ``ring-lkmm``, ``ring-cat``: the RCU ring of ``--ring`` CPUs (bench/herd_rings.py,
  default 12) under the built-in LKMM (``smpcheck litmus``) and the cat model
  (smpcheck-herd); ``mp-lkmm``, ``mp-cat``: the release/acquire message-passing ring
  of as many CPUs, the same two ways;
* ``kvm``: the founding KVM case (unmap-nolock-2013, scenario core, under tso, every
  execution).

The ``smpcheck`` workloads run with ``-j 1``, in this process. For each workload: its
wall time, then the functions costing most (cumulative or own time, ``--sort
cumulative|tottime``), as ``pstats`` prints them. The test data is read from
../shared/lkmm ($SMPCHECK_SHARED/lkmm). Not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

# this file is named like the standard library's profile module, which cProfile imports:
# take its directory off the path first (herd_rings is loaded by its path below)
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import cProfile  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared")) / "lkmm"
TESTS = SHARED / "litmus-tests"

INC_MODEL = '''"""3 CPUs each incrementing one counter twice (bench/inc.py)."""
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

c = Var(0)


def cpu():
    for _ in range(2):
        WRITE_ONCE(c, READ_ONCE(c) + 1)


MODEL = Model("inc 3x2", [cpu] * 3)
'''


def quiet(run: Callable[[], object]) -> Callable[[], None]:
    """``run`` with its output swallowed (the figures are what matters here)."""

    def call() -> None:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            run()

    return call


def kernel_files() -> list[str]:
    return sorted(str(p) for p in TESTS.glob("*.litmus"))


def herd(files: list[str]) -> Callable[[], None]:
    from smpcheck.cli.herd import herd_command

    return quiet(lambda: herd_command(["-conf", str(SHARED / "linux-kernel.cfg"), *files]))


def cli(args: list[str]) -> Callable[[], None]:
    """``smpcheck ARGS`` in this process (the workloads give ``-j 1``: split across worker
    processes, the profile would show this process waiting for them, not their work)."""
    from smpcheck.cli.main import main

    return quiet(lambda: main(args))


def workloads(tmp: Path, ring: int) -> dict[str, Callable[[], None]]:
    """Every workload by name, ready to run (files written to ``tmp``)."""
    spec = importlib.util.spec_from_file_location("herd_rings", HERE / "herd_rings.py")
    assert spec is not None and spec.loader is not None
    rings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rings)
    inc = tmp / "inc.py"
    inc.write_text(INC_MODEL)
    ring_file = tmp / f"rcu-ring-{ring}.litmus"
    ring_file.write_text(rings.rcu_ring(ring))
    mp_file = tmp / f"mp-ring-{ring}.litmus"
    mp_file.write_text(rings.mp_ring(ring))
    out = {"kernel-herd": herd(kernel_files()),
           "kernel-litmus": cli(["litmus", "-j", "1", "--mm", "lkmm", *kernel_files()])}
    for mm in ("sc", "tso", "lkmm"):
        out[f"inc-{mm}"] = cli(["check", "-j", "1", "--mm", mm, str(inc)])
    out["ring-lkmm"] = cli(["litmus", "-j", "1", "--mm", "lkmm", str(ring_file)])
    out["ring-cat"] = herd([str(ring_file)])
    out["mp-lkmm"] = cli(["litmus", "-j", "1", "--mm", "lkmm", str(mp_file)])
    out["mp-cat"] = herd([str(mp_file)])
    out["kvm"] = cli(["kvm", "check", "-j", "1", "unmap-nolock-2013", "--scenario", "core", "--mm",
                      "tso", "--all"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", nargs="*", help="workloads to profile (default: all)")
    ap.add_argument("--top", type=int, default=25, help="functions printed per workload")
    ap.add_argument("--ring", type=int, default=12, help="CPUs of the rings")
    ap.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    args = ap.parse_args()
    if not TESTS.is_dir():
        sys.exit(f"no test data at {TESTS} (set SMPCHECK_SHARED)")
    with tempfile.TemporaryDirectory() as tmp:
        table = workloads(Path(tmp), args.ring)
        unknown = [w for w in args.workload if w not in table]
        if unknown:
            sys.exit(f"unknown workload {', '.join(unknown)}; known: {', '.join(table)}")
        for name in args.workload or list(table):
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.runcall(table[name])
            wall = time.perf_counter() - start
            print(f"=== {name}: {wall:.2f} s under the profiler (load "
                  f"{os.getloadavg()[0]:.1f})", flush=True)
            stats = pstats.Stats(profile, stream=sys.stdout)
            stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
