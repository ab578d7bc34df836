"""Mutants of the kernel's cat model through herd7 and smpcheck-herd, every disagreement
printed.

    .venv/bin/python bench/cat_mutate.py [FILE|DIR ...] [--seed 1] [--mutants 60]
        [--tests 4] [--sample 40] [-j 1] [--timeout 30] [--kind K] [--out DIR]

Makes the one-edit mutants of the LKMM's model files ($SMPCHECK_SHARED/lkmm: the
model and bell files linux-kernel.cfg names, and the files they include from there;
bench/cat_mutants.py lists the kinds of edit) and draws ``--mutants`` of them by
``--seed``, each kind of edit as likely as another (``--kind``: only that kind).
Each mutant is a copy of the whole model directory under ``--out`` with one file
edited (deleted once judged), run on ``--tests`` tests drawn from the kernel's 35
and ``--sample`` C tests of tests/data (or of the files and directories given) by
herd7 (``herd7 -I COPY -conf linux-kernel.cfg F``, at most ``--timeout`` seconds)
and by smpcheck-herd (``-I COPY -conf linux-kernel.cfg``, in process, the same
bound), as bench/mutate.py judges a mutant: every output line but Time and Hash
equal (states, Observation verdict and counts, flags; not counts where herd7 unrolls
a loop, as bench/spin_waits.py compares; not at all where herd7 leaves a value
unsolved, ``S21``, a known difference).  A model herd7 rejects must
be rejected by smpcheck-herd too, by a usage error naming a file (its message, exit
status 2, no traceback); one herd7 accepts must not be.  Prints each disagreement
with the edit and the test, then counts by kind of edit and outcome; exit status 1
if any.  A run smpcheck cuts short (incomplete) or herd7 does not finish is counted,
not compared.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import signal
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from cat_mutants import GIVEN, Edit, apply, defined, edits  # noqa: E402
from lkmm_gen_record import SHARED, herd_lines  # noqa: E402
from mutate import (  # noqa: E402
    BAD,
    HERD_REJECTS,
    INCOMPLETE,
    Stopped,
    compare,
    litmus_files,
    print_counts,
    stop,
)

from smpcheck.errors import UsageError  # noqa: E402
from smpcheck.herd.run import HerdSession  # noqa: E402
from tests.support.lkmm_agree import herd_lines as cat_lines  # noqa: E402
from tests.support.lkmm_agree import herd_session, loop_shape  # noqa: E402

WRONG = (*BAD, HERD_REJECTS)  # (a model herd7 rejects must be rejected)
HERD_UNSOLVED = "herd7 unsolved"  # herd7 left a value unsolved (S21): README, known limits
UNSOLVED = re.compile(r"=S\d+;")
Pair = tuple[Path, str, str]  # (test, outcome, what differs) of one mutant's run


def model_files(lkmm: Path) -> dict[str, str]:
    """File name -> text of the model and bell files linux-kernel.cfg names and of the
    files of ``lkmm`` they include."""
    cfg = (lkmm / "linux-kernel.cfg").read_text()
    todo = re.findall(r"^(?:bell|model)\s+(\S+)", cfg, re.M)
    files: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name in files or not (lkmm / name).is_file():
            continue
        files[name] = (lkmm / name).read_text()
        todo += re.findall(r'^include\s+"([^"]+)"', files[name], re.M)
    return files


def draw(files: dict[str, str], count: int, seed: int, kind: str | None) -> list[Edit]:
    """``count`` distinct mutants by ``seed``: a kind of edit drawn, then an edit of it."""
    rng = random.Random(seed)
    names = sorted({n for name, text in files.items() for n in defined(text, name)}
                   | set(GIVEN))
    every = [e for name, text in sorted(files.items()) for e in edits(name, text, names, rng)]
    by_kind: dict[str, list[Edit]] = {}
    for e in every:
        if kind is None or e.kind == kind:
            by_kind.setdefault(e.kind, []).append(e)
    chosen: list[Edit] = []
    while by_kind and len(chosen) < count:
        k = rng.choice(sorted(by_kind))
        chosen.append(by_kind[k].pop(rng.randrange(len(by_kind[k]))))
        if not by_kind[k]:
            del by_kind[k]
    return chosen


def run_mutant(edit: Edit, tests: list[Path], out: Path, timeout: float) -> list[Pair]:
    """One mutant (a copy of the model directory, one file edited) on each test: herd7
    against smpcheck-herd."""
    copy = Path(tempfile.mkdtemp(prefix="lkmm-", dir=out))
    try:
        shutil.copytree(SHARED, copy, dirs_exist_ok=True)
        model = copy / edit.name
        model.write_text(apply(edit, model.read_text()))
        session = herd_session(copy, "-timeout", str(timeout))
        pairs: list[Pair] = []
        for test in tests:
            want = herd_lines(test, timeout, "herd7", lkmm=copy)
            lines = want.get("lines", ())
            if any(UNSOLVED.search(line) for line in lines):
                pairs.append((test, HERD_UNSOLVED, ""))
                continue
            loops = any(line.startswith("Loop ") for line in lines)
            outcome, detail = compare({"herd": lambda t=test: _lines(t, session)}, want,
                                      loop_shape if loops else None)
            pairs.append((test, outcome, detail))
        return pairs
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def _lines(test: Path, session: HerdSession) -> list[str]:
    """smpcheck-herd's lines on ``test``; a rejection must name the file at fault."""
    try:
        return cat_lines(test, session)
    except UsageError as exc:
        if exc.path is None:
            raise AssertionError(f"a usage error naming no file: {exc}") from None
        raise


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="litmus files or directories to sample")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mutants", type=int, default=60)
    ap.add_argument("--tests", type=int, default=4, help="tests per mutant")
    ap.add_argument("--sample", type=int, default=40, help="C tests drawn from the files")
    ap.add_argument("-j", "--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run of each tool")
    ap.add_argument("--kind", help="only this kind of edit")
    ap.add_argument("--out", type=Path, default=Path("/tmp/smpcheck-cat-mutants"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = model_files(SHARED)
    mutants = draw(files, args.mutants, args.seed, args.kind)
    rng = random.Random(args.seed)
    pool_tests = litmus_files([str(SHARED / "litmus-tests")])
    others = litmus_files(args.files or [str(REPO / "tests" / "data")])
    pool_tests += rng.sample(others, min(args.sample, len(others)))
    tests = [rng.sample(pool_tests, min(args.tests, len(pool_tests))) for _ in mutants]
    counts: Counter[tuple[str, str]] = Counter()
    signal.signal(signal.SIGTERM, stop)  # (a stopped run still prints its counts)
    pool = ProcessPoolExecutor(args.jobs)
    runs = pool.map(run_mutant, mutants, tests, [args.out] * len(mutants),
                    [args.timeout] * len(mutants))
    try:
        for edit, pairs in zip(mutants, runs, strict=True):
            for test, outcome, detail in pairs:
                counts[edit.kind, outcome] += 1
                if outcome in WRONG or outcome == INCOMPLETE:
                    print("=" * 72, f"{outcome} {edit.kind} {edit.tag(files[edit.name])}",
                          f"test {test}", detail, sep="\n", flush=True)
    except Stopped:
        print(f"stopped (SIGTERM) after {counts.total()} pairs")
        pool.shutdown(wait=False, cancel_futures=True)
    else:
        pool.shutdown()
    print(f"{len(mutants)} mutants x {args.tests} tests (--seed {args.seed} --sample "
          f"{args.sample} --kind {args.kind}); by kind of edit:")
    print_counts(counts)
    return 1 if any(outcome in WRONG for _k, outcome in counts) else 0


if __name__ == "__main__":
    sys.exit(main())
