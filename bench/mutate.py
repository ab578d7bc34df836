"""Mutants of litmus tests through herd7 and smpcheck, every disagreement printed.

    .venv/bin/python bench/mutate.py [FILE|DIR ...] [--seed 1] [--limit N] [--pairs N]
        [--jobs 2] [--timeout 60] [--mm lkmm|sc|tso] [--out DIR]

Reads the C litmus tests given (default: the kernel's, $SMPCHECK_SHARED/lkmm/
litmus-tests; a directory stands for its *.litmus, recursively), makes every
one-edit mutant of each (bench/mutants.py: fences dropped or swapped, accesses of
another kind, locks made trylocks, RCU and SRCU sections and grace periods,
conditions negated, filtered, given locations, a CPU added, negative and large
constants) and ``--pairs`` mutants with a second edit on top of a first, drawn by
``--seed``; ``--limit`` runs that many, drawn by the seed.  Each is written to
``--out`` and run by herd7 (``herd7 -I LKMM -conf linux-kernel.cfg F``, at most
``--timeout`` seconds) and by smpcheck's two LKMM paths (``smpcheck litmus`` and
``smpcheck-herd -conf linux-kernel.cfg``, the same bound), whose output lines but
Time and Hash must equal herd7's.  ``--mm sc`` compares ``smpcheck litmus --mm sc``
with herd7's sc.cat, ``--mm tso`` with herd7's x86tso.cat (``-archcheck false``) on
the mutants those models can judge: no locks or RCU for SC; for TSO also no full
fence and no RMW, which herd's C events give no x86 meaning (no MFENCE, no locked
instruction), so that only plain, once, acquire and release accesses, smp_rmb() and
smp_wmb() remain.  Prints each disagreement (a different line, a crash, a test only
smpcheck rejects) with its text, then counts by kind of edit and outcome; exit status
1 if any.  A run smpcheck cuts short (incomplete) or herd7 does not finish is counted,
not compared.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lkmm_gen_record import SHARED, herd_lines  # noqa: E402
from mutants import Mutant, single  # noqa: E402

from smpcheck.errors import UsageError  # noqa: E402
from smpcheck.herd.run import HerdSession  # noqa: E402
from smpcheck.settings import Settings  # noqa: E402
from tests.support.lkmm_agree import builtin_lines, difference, herd_session  # noqa: E402
from tests.support.lkmm_agree import herd_lines as cat_lines  # noqa: E402

HERD7_MODEL = {"lkmm": (), "sc": ("-model", "sc.cat"),
               "tso": ("-model", "x86tso.cat", "-archcheck", "false")}
# what a model cannot judge (herd's sc.cat and x86tso.cat know no locks nor RCU; herd's
# C events give x86tso.cat no MFENCE and no locked instruction)
NOT_JUDGED = {"lkmm": None,
              "sc": re.compile(r"\b(spin_\w+|\w*rcu_read_\w+|synchronize_\w+|srcu_\w+)\("),
              "tso": re.compile(r"\b(spin_\w+|\w*rcu_read_\w+|synchronize_\w+|srcu_\w+|"
                                r"smp_mb\w*|\w*xchg\w*|atomic_(?!read|set)\w+)\(")}
# outcomes, the bad ones in capitals
AGREE, DIFFER, CRASH, REJECTS = "agree", "DISAGREE", "CRASH", "ONLY SMPCHECK REJECTS"
INCOMPLETE, HERD_TIMEOUT, BOTH_REJECT = "incomplete", "herd7 timeout", "both reject"
HERD_REJECTS, UNSUPPORTED = "only herd7 rejects", "unsupported"
BAD = (CRASH, DIFFER, REJECTS)

_SESSION: list[HerdSession] = []


def start_session(timeout: float) -> None:
    """A pool worker's smpcheck-herd session (for :func:`judge`)."""
    _SESSION.append(herd_session(SHARED, "-timeout", str(timeout)))


def run_one(path: Path, mm: str, timeout: float) -> tuple[str, str]:
    """One mutant through herd7 and smpcheck: its outcome and what differs."""
    return judge(path, mm, timeout, herd_lines(path, timeout, "herd7", *HERD7_MODEL[mm]))


def judge(path: Path, mm: str, timeout: float, want: dict[str, Any],
          shape: Callable[[list[str]], list[str]] | None = None) -> tuple[str, str]:
    """Both smpcheck paths (one for SC and TSO) on one test against herd7's output
    ``want`` (:func:`lkmm_gen_record.herd_lines`'): the outcome and what differs.
    ``shape``: what of both outputs is compared (default: every line)."""
    paths = {"litmus": lambda: builtin_lines(path, mm, Settings(timeout=timeout))}
    if mm == "lkmm":
        paths["herd"] = lambda: cat_lines(path, _SESSION[0])
    return compare(paths, want, shape)


def compare(paths: dict[str, Callable[[], list[str]]], want: dict[str, Any],
            shape: Callable[[list[str]], list[str]] | None = None) -> tuple[str, str]:
    """Each of smpcheck's runs ``paths`` (name -> its output lines) against herd7's output
    ``want``: the worst outcome and what differs (:func:`judge`)."""
    got = {name: _attempt(run) for name, run in paths.items()}
    crashes = [f"{name}: {out}" for name, (kind, out) in got.items() if kind == CRASH]
    if crashes:
        return CRASH, "\n".join(crashes)
    if "lines" not in want:
        if "timeout" in want:
            return HERD_TIMEOUT, ""
        accepted = [name for name, (kind, _) in got.items() if kind == "lines"]
        return (HERD_REJECTS, f"herd7: {want['error']}") if accepted else (BOTH_REJECT, "")
    outcomes = [_judge(name, want["lines"], kind, out, shape or (lambda lines: lines))
                for name, (kind, out) in got.items()]
    worst = min((o for o, _d in outcomes), key=_RANK.index)
    return worst, "\n".join(d for o, d in outcomes if o == worst and d)


_RANK = (CRASH, DIFFER, REJECTS, UNSUPPORTED, INCOMPLETE, AGREE)


def _attempt(run: Any) -> tuple[str, Any]:
    try:
        return "lines", run()
    except UsageError as exc:
        return "reject", str(exc)
    except Exception:  # noqa: BLE001 - a crash is a finding, whatever it is
        return CRASH, traceback.format_exc(limit=-3)


def _judge(name: str, want: list[str], kind: str, out: Any,
           shape: Callable[[list[str]], list[str]]) -> tuple[str, str]:
    if kind == "reject":
        return (UNSUPPORTED if "not supported" in out else REJECTS), f"{name}: {out}"
    if not any(line.startswith("Observation ") for line in out):
        return INCOMPLETE, f"{name}: " + " ".join(line for line in out
                                                 if line.startswith(("Incomplete", "  ")))
    diff = difference(shape(want), shape(out))
    return (DIFFER, f"{name}: {diff}") if diff else (AGREE, "")


def litmus_files(args: list[str]) -> list[Path]:
    """The C tests named, directories searched (default: the kernel's)."""
    found: list[Path] = []
    for arg in args or [str(SHARED / "litmus-tests")]:
        path = Path(arg)
        found += sorted(path.rglob("*.litmus")) if path.is_dir() else [path]
    return [p for p in found if p.read_text(errors="replace").startswith("C ")]


def draw(files: list[Path], pairs: int, limit: int | None, seed: int, mm: str = "lkmm"
         ) -> list[tuple[str, Mutant]]:
    """(source stem, mutant) for each single edit and ``pairs`` double edits that ``mm``
    can judge, ``limit`` of them drawn by ``seed`` (all, in order, without)."""
    rng, skip = random.Random(seed), NOT_JUDGED[mm]
    singles = [(p.stem, m) for p in files for m in single(p.read_text())
               if skip is None or not skip.search(m[2])]
    out = list(singles)
    while singles and len(out) < len(singles) + pairs:
        stem, (kind, tag, text) = rng.choice(singles)
        seconds = [m for m in single(text) if skip is None or not skip.search(m[2])]
        if seconds:
            kind2, tag2, text2 = rng.choice(seconds)
            out.append((stem, (f"{kind}+{kind2}", f"{tag}+{tag2}", text2)))
    return out if limit is None else rng.sample(out, min(limit, len(out)))


def write(out: Path, stem: str, mutant: Mutant) -> Path:
    """The mutant's file, its test named after the source test and its edits."""
    _kind, tag, text = mutant
    name = f"{re.sub(r'[^A-Za-z0-9+._-]', '', stem)}+{tag}"
    path = out / f"{name}.litmus"
    path.write_text(re.sub(r"\AC\s+\S+", lambda _: f"C {name}", text, count=1))
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="litmus files or directories")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="mutants to run (drawn)")
    ap.add_argument("--pairs", type=int, default=0, help="mutants of two edits to add")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run of each tool")
    ap.add_argument("--mm", choices=sorted(HERD7_MODEL), default="lkmm")
    ap.add_argument("--out", type=Path, default=Path("/tmp/smpcheck-mutants"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    mutants = draw(litmus_files(args.files), args.pairs, args.limit, args.seed, args.mm)
    paths = [write(args.out, stem, m) for stem, m in mutants]
    counts: Counter[tuple[str, str]] = Counter()
    signal.signal(signal.SIGTERM, stop)  # (a stopped run still prints its counts)
    pool = ProcessPoolExecutor(args.jobs, initializer=start_session, initargs=(args.timeout,))
    runs = pool.map(run_one, paths, [args.mm] * len(paths), [args.timeout] * len(paths))
    try:
        for path, (_s, (kind, _t, text)), (outcome, detail) in zip(paths, mutants, runs,
                                                                  strict=True):
            counts["pair" if "+" in kind else kind, outcome] += 1
            if outcome in BAD or outcome in (HERD_REJECTS, INCOMPLETE):
                print("=" * 72, f"{outcome} {path} ({kind})", detail, text, sep="\n",
                      flush=True)
    except Stopped:
        print(f"stopped (SIGTERM) after the first {counts.total()} mutants in draw order")
        pool.shutdown(wait=False, cancel_futures=True)
    else:  # (not waiting here left the pool's exit hook writing to a closed pipe)
        pool.shutdown()
    _summary(counts, len(paths), args)
    return 1 if any(outcome in BAD for _k, outcome in counts) else 0


class Stopped(Exception):
    """SIGTERM: the run ends, its counts printed."""


def generator_args(doc: str, out: str) -> argparse.ArgumentParser:
    """The options of a harness that generates its tests (bench/rmw_cycles.py,
    bench/spin_waits.py): --seed, --count, -j, --timeout and --out (default ``out``)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run of each tool")
    ap.add_argument("--out", type=Path, default=Path(out))
    return ap


def stop(*_: Any) -> None:
    """The SIGTERM handler of a run that prints its counts when stopped."""
    raise Stopped


def _summary(counts: Counter[tuple[str, str]], total: int, args: argparse.Namespace) -> None:
    print(f"{total} mutants (--mm {args.mm} --seed {args.seed} --pairs {args.pairs} "
          f"--limit {args.limit}); by kind of edit:")
    print_counts(counts)


def print_counts(counts: Counter[tuple[str, str]]) -> None:
    """One line per kind (of edit, of ring) with its count of each outcome, then the
    totals."""
    for kind in sorted({k for k, _o in counts}):
        row = ", ".join(f"{o} {n}" for (k, o), n in sorted(counts.items()) if k == kind)
        print(f"  {kind}: {row}")
    totals = Counter[str]()
    for (_k, outcome), n in counts.items():
        totals[outcome] += n
    print("  all: " + ", ".join(f"{o} {n}" for o, n in sorted(totals.items())))


if __name__ == "__main__":
    sys.exit(main())
