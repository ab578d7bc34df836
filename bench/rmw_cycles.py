"""Rings of RMWs through herd7 and both smpcheck LKMM paths, every disagreement printed.

    .venv/bin/python bench/rmw_cycles.py [--seed 1] [--count 200] [-j 2] [--timeout 60]
        [--out DIR] [--record DIR --keep 50]

Writes tests ``R<seed>-<i>`` for i < ``--count`` (tests/support/lkmm_gen_rmwcycle.py:
load-buffering rings whose reads are RMWs mostly) to ``--out`` and runs each as
bench/mutate.py runs a mutant: herd7 (``herd7 -I LKMM -conf linux-kernel.cfg F``, at
most ``--timeout`` seconds) against ``smpcheck litmus`` and ``smpcheck-herd``, every
line but Time and Hash equal.  Prints each disagreement (a different line, a crash, a
test only smpcheck rejects) with its text, then counts by the ring's kind (its CPUs'
reads: all RMWs, some a plain or marked read, a spinlock among them) and outcome, and
how many agreeing tests reach the cycle (herd7 lists the state the condition names:
smpcheck had to speculate to list it).  A run smpcheck cuts short ("incomplete": its
speculation budget) or herd7 does not finish is counted, not compared.  Exit status 1
on any disagreement.

``--record DIR`` also writes ``--keep`` of the agreeing tests with herd7's output
(DIR/herd7.json, as bench/lkmm_gen_record.py does) for tests/herd7/test_lkmm_gen.py:
four in five that reach the cycle, the rest that do not, each checked by smpcheck in
under a second.  The same tests mutated: ``bench/mutate.py --out /tmp/m DIR``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lkmm_gen_record import herd_lines, write_record  # noqa: E402
from mutate import (  # noqa: E402
    AGREE,
    BAD,
    HERD_REJECTS,
    Stopped,
    generator_args,
    judge,
    print_counts,
    start_session,
    stop,
)

from tests.support.lkmm_gen_rmwcycle import generate, kind, reaches  # noqa: E402

FAST = 1.0  # seconds: the most both smpcheck paths may take on a recorded test


def run(path: Path, timeout: float) -> tuple[str, str, dict[str, Any], float]:
    """One test: its outcome, what differs, herd7's output, smpcheck's seconds."""
    want = herd_lines(path, timeout, "herd7")
    start = time.monotonic()
    outcome, detail = judge(path, "lkmm", timeout, want)
    return outcome, detail, want, time.monotonic() - start


def main() -> int:
    ap = generator_args(__doc__, "/tmp/smpcheck-rmw-cycles")
    ap.add_argument("--record", type=Path, help="write --keep agreeing tests here")
    ap.add_argument("--keep", type=int, default=50)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    texts = {f"R{args.seed}-{i:03d}": generate(args.seed, i) for i in range(args.count)}
    paths = []
    for name, text in texts.items():
        paths.append(args.out / f"{name}.litmus")
        paths[-1].write_text(text)
    signal.signal(signal.SIGTERM, stop)  # (a stopped run still prints its counts)
    pool = ProcessPoolExecutor(args.jobs, initializer=start_session, initargs=(args.timeout,))
    counts: Counter[tuple[str, str]] = Counter()
    kept: dict[str, tuple[bool, dict[str, Any]]] = {}
    try:
        for path, (outcome, detail, want, took) in zip(
                paths, pool.map(run, paths, [args.timeout] * len(paths)), strict=True):
            text = texts[path.stem]
            reached = outcome == AGREE and reaches(text, want["lines"])
            counts[kind(text), outcome + (" (cycle)" if reached else "")] += 1
            if outcome in BAD or outcome == HERD_REJECTS:
                print("=" * 72, f"{outcome} {path}", detail, text, sep="\n", flush=True)
            if outcome == AGREE and took < FAST:
                kept[path.stem] = (reached, want)
    except Stopped:
        print(f"stopped (SIGTERM) after the first {counts.total()} tests")
    pool.shutdown(cancel_futures=True)
    _summary(counts, args)
    if args.record is not None:
        _record(args, texts, kept)
    return 1 if any(outcome in BAD for _k, outcome in counts) else 0


def _summary(counts: Counter[tuple[str, str]], args: argparse.Namespace) -> None:
    print(f"{counts.total()} tests (--seed {args.seed} --count {args.count}); by kind of ring "
          "(\"(cycle)\": herd7 lists the state the condition names):")
    print_counts(counts)


def _record(args: argparse.Namespace, texts: dict[str, str],
            kept: dict[str, tuple[bool, dict[str, Any]]]) -> None:
    """Write ``--keep`` agreeing tests, four in five reaching the cycle, and herd7.json."""
    cycle = [n for n, (reached, _w) in kept.items() if reached]
    other = [n for n, (reached, _w) in kept.items() if not reached]
    names = cycle[:args.keep * 4 // 5]
    names = sorted(names + other[:args.keep - len(names)])
    args.record.mkdir(parents=True, exist_ok=True)
    for old in args.record.glob("*.litmus"):
        old.unlink()
    for name in names:
        (args.record / f"{name}.litmus").write_text(texts[name])
    write_record(args.record, {n: kept[n][1] for n in names},
                 f"tests/support/lkmm_gen_rmwcycle.py generate({args.seed}, i), "
                 f"i < {args.count}, kept by bench/rmw_cycles.py --record --keep {args.keep}",
                 args.timeout)


if __name__ == "__main__":
    sys.exit(main())
