"""smpcheck against herd7 on the same inputs, in the same run: time ratios and peak memory.

Run: .venv/bin/python bench/vs_herd7.py [--rings 12] [--skip kernel,rings,inc] [--repeat N]

Every figure is one fresh process per command (what a user runs), timed by wall
clock and by CPU time (user + system, which the load of a shared machine
inflates less) of the process and of every process it started (``-j``'s worker
processes and their fork server too: this process is made their reaper, so that
their time is counted where herd7's one process has all of its), with the
process's peak resident memory:

* ``kernel``: the kernel's litmus tests (../shared/lkmm/litmus-tests, all in one
  process) through ``smpcheck-herd -conf linux-kernel.cfg`` (the cat model),
  ``smpcheck litmus --mm lkmm`` (the built-in LKMM) and ``herd7``; with
  ``--repeat N``, N runs of each in turn, the median run's figures and the
  fastest runs' ratio (a fixed loop's CPU time varies by 1.6x between runs on
  this machine: one run each is a draw);
* ``rings``: the RCU ring and the release/acquire message-passing ring of
  ``--rings`` CPUs (bench/herd_rings.py) the same three ways;
* ``inc``: 3 CPUs each incrementing one counter twice (bench/inc.py) through
  ``smpcheck check -j 1 --mm sc|tso|lkmm --json``: executions per CPU-second of the
  whole process (start-up included) and of the exploration alone (the report's
  elapsed time), and the same program as a C litmus test under herd7 (about 45
  CPU-seconds: ``--skip inc-herd7`` leaves it out).  In one process: the CPU time
  of ``-j``'s worker processes (children of its fork server) is not in this
  process's own, so with them the figure would leave out part of the work.

Ratios are herd7's time over smpcheck's (above 1: smpcheck is faster).  herd7
figures are printed only when herd7 is on the PATH.  The load average is
printed with each section.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SMPCHECK_SHARED", HERE.parent.parent / "shared")) / "lkmm"
BIN = Path(sys.executable).parent
CFG = ["-conf", "linux-kernel.cfg"]

INC_MODEL = '''from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

c = Var(0)


def cpu():
    for _ in range(2):
        WRITE_ONCE(c, READ_ONCE(c) + 1)


MODEL = Model("inc 3x2", [cpu] * 3)
'''


def inc_litmus(ncpus: int = 3, incs: int = 2) -> str:
    """The increments as a C litmus test (herd7 explores the same executions)."""
    body = "".join(f"\tr{k} = READ_ONCE(*c);\n\tWRITE_ONCE(*c, r{k} + 1);\n"
                   for k in range(incs))
    regs = "".join(f"\tint r{k};\n" for k in range(incs))
    procs = "\n".join(f"P{i}(int *c)\n{{\n{regs}\n{body}}}\n" for i in range(ncpus))
    return f"C inc-{ncpus}x{incs}\n\n{{}}\n\n{procs}\nexists (c={ncpus * incs})\n"


@dataclass
class Timing:
    wall: float
    cpu: float
    peak_mb: float
    out: str


PR_SET_CHILD_SUBREAPER = 36  # (linux/prctl.h)


def has_bytecode() -> bool:
    """Whether smpcheck's modules have their bytecode written (``make bytecode``)."""
    package = HERE.parent / "smpcheck"
    return all(Path(importlib.util.cache_from_source(str(p))).exists()
               for p in package.rglob("*.py"))


def reap_descendants() -> bool:
    """Make this process the reaper of its descendants whose parent exits (Linux), so
    that a fork server's workers are waited for here and their CPU time counted."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _wait_orphans() -> None:
    """Wait for every descendant left (re-parented here by :func:`reap_descendants`)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run(cmd: list[str], cwd: Path | None = None) -> Timing:
    """Run ``cmd`` once; its wall seconds, the CPU seconds of it and of every process
    it started, its peak memory and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, text=True, cwd=cwd)
        _, _, usage = os.wait4(proc.pid, 0)  # (this child's own rusage)
        wall = time.perf_counter() - start
        proc.returncode = 0  # (reaped here: Popen must not wait for it)
        _wait_orphans()
        out.seek(0)
        text = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu, usage.ru_maxrss / 1024, text)


def line(label: str, t: Timing, ref: Timing | None = None, extra: str = "") -> str:
    vs = f"  herd7/this {ref.wall / t.wall:6.2f}x wall {ref.cpu / t.cpu:6.2f}x cpu" \
        if ref is not None and t.wall > 0 and t.cpu > 0 else ""
    return (f"  {label:34} wall {t.wall:7.2f} s  cpu {t.cpu:7.2f} s  "
            f"peak {t.peak_mb:5.0f} MB{vs}{extra}")


def observations(out: str) -> list[str]:
    return [x for x in out.splitlines() if x.startswith("Observation")]


def compare(title: str, files: list[str], herd7: str | None, repeat: int = 1) -> None:
    """One input set three ways: cat model, built-in LKMM, herd7; with ``repeat`` above
    1, each that many times in turn, and the median run's times (by CPU) and the
    ratio of the fastest runs' CPU times."""
    print(f"{title} (load {os.getloadavg()[0]:.1f}):", flush=True)
    cmds = {"cat": [str(BIN / "smpcheck-herd"), *CFG, *files],
            "built": [str(BIN / "smpcheck"), "litmus", "--mm", "lkmm", *files]}
    if herd7:
        cmds = {"herd7": [herd7, "-I", str(SHARED), *CFG, *files], **cmds}
    runs: dict[str, list[Timing]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for key, cmd in cmds.items():
            runs[key].append(run(cmd, SHARED))
    got = {k: sorted(ts, key=lambda t: t.cpu) for k, ts in runs.items()}
    mid = {k: ts[len(ts) // 2] for k, ts in got.items()}
    ref = mid.get("herd7")

    def best(key: str) -> str:
        if repeat < 2:
            return ""
        fast = f"  fastest {got[key][0].cpu:.2f} s cpu"
        return fast + (f" ({got['herd7'][0].cpu / got[key][0].cpu:.2f}x)"
                       if ref is not None and key != "herd7" else "")

    if repeat > 1:
        print(f"  (median of {repeat} runs each, taken in turn)")
    if ref is not None:
        print(line("herd7", ref, None, best("herd7")), flush=True)
    same = ref is None or observations(ref.out) == observations(mid["cat"].out)
    print(line("smpcheck-herd (cat model)", mid["cat"], ref,
               ("" if same else "  OBSERVATIONS DIFFER") + best("cat")), flush=True)
    print(line("smpcheck litmus --mm lkmm (built-in)", mid["built"], ref, best("built")),
          flush=True)


def inc(tmp: Path, herd7: str | None, with_herd7: bool) -> None:
    print(f"3 CPUs x 2 increments (load {os.getloadavg()[0]:.1f}):", flush=True)
    model = tmp / "inc.py"
    model.write_text(INC_MODEL)
    litmus = tmp / "inc-3x2.litmus"
    litmus.write_text(inc_litmus())
    ref = None
    if herd7 and with_herd7:
        ref = run([herd7, "-I", str(SHARED), *CFG, str(litmus)], SHARED)
        print(line("herd7 (the same as a C litmus test)", ref), flush=True)
    for mm in ("sc", "tso", "lkmm"):
        t = run([str(BIN / "smpcheck"), "check", "-j", "1", "--mm", mm, "--json", str(model)])
        report = json.loads(t.out)
        execs, elapsed = report["executions"], report["elapsed_s"]
        rate = f"  {execs} executions: {execs / t.cpu:7.0f}/CPU-s whole process, " \
               f"{execs / elapsed if elapsed else float('nan'):7.0f}/s exploring (wall)"
        print(line(f"smpcheck check -j 1 --mm {mm}", t, ref if mm == "lkmm" else None, rate),
              flush=True)


def rings(tmp: Path, sizes: list[int], herd7: str | None) -> None:
    spec = importlib.util.spec_from_file_location("herd_rings", HERE / "herd_rings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for _, _, path in mod.write_rings(tmp, sizes):
        compare(path.stem, [str(path)], herd7)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rings", default="12", help="ring sizes, comma-separated (6 to 16)")
    ap.add_argument("--skip", default="", help="sections to skip: kernel,rings,inc, and "
                    "inc-herd7 (herd7 on the increments: about 45 CPU-seconds)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each command on the kernel's tests, taken in turn: the "
                    "median's figures (this machine's speed varies between runs)")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    herd7 = shutil.which("herd7")
    if herd7 is None:
        print("herd7 is not on the PATH: smpcheck's figures only")
    if not reap_descendants():
        print("cannot reap worker processes here: their CPU time is not counted")
    print(f"{os.cpu_count()} CPUs; PYTHONDONTWRITEBYTECODE="
          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r} "
          "(when set, a module without bytecode compiles from source every run); "
          f"smpcheck's bytecode {'present' if has_bytecode() else 'absent (make bytecode)'}")
    with tempfile.TemporaryDirectory() as tmp:
        if "kernel" not in skip:
            tests = sorted(str(p) for p in (SHARED / "litmus-tests").glob("*.litmus"))
            compare(f"the kernel's {len(tests)} litmus tests, one process", tests, herd7,
                    args.repeat)
        if "inc" not in skip:
            inc(Path(tmp), herd7, "inc-herd7" not in skip)
        if "rings" not in skip:
            rings(Path(tmp), [int(n) for n in args.rings.split(",")], herd7)
    return 0


if __name__ == "__main__":
    sys.exit(main())
