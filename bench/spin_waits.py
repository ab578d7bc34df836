"""Litmus tests with spin-waits through herd7 and both smpcheck LKMM paths.

    .venv/bin/python bench/spin_waits.py [--seed 1] [--count 200] [-j 2] [--timeout 60]
        [--out DIR] [--mm lkmm|sc|tso] [--wide]

Writes tests ``S<seed>-<i>`` for i < ``--count`` (tests/support/lkmm_gen_spin.py) to
``--out`` and judges each as bench/mutate.py judges a mutant, herd7 (``herd7 -I LKMM
-conf linux-kernel.cfg F``, which unrolls loops twice) against ``smpcheck litmus`` and
``smpcheck-herd``, on what both must agree on for a loop: the lines but Time and
Hash, less the counts (herd7 counts an execution per number of iterations, smpcheck
one per execution, a wait being an await) and herd7's ``Loop`` before ``Ok``/``No``.
``--mm sc`` and ``--mm tso`` compare ``smpcheck litmus`` with herd7's sc.cat and
x86tso.cat on the tests those can judge (bench/mutate.py's NOT_JUDGED); ``--wide``
draws waits of more forms (lkmm_gen_spin.WIDE).  Prints each disagreement with its
text, then counts by the wait's form and outcome; exit status 1 on any disagreement.
"""

from __future__ import annotations

import re
import signal
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lkmm_gen_record import herd_lines  # noqa: E402
from mutate import (  # noqa: E402
    BAD,
    HERD7_MODEL,
    HERD_REJECTS,
    NOT_JUDGED,
    UNSUPPORTED,
    Stopped,
    generator_args,
    judge,
    print_counts,
    start_session,
    stop,
)

from tests.support.lkmm_agree import loop_shape  # noqa: E402
from tests.support.lkmm_gen_spin import generate  # noqa: E402


def run(path: Path, mm: str, timeout: float) -> tuple[str, str]:
    """One test under ``mm``: its outcome and what differs."""
    skip = NOT_JUDGED[mm]
    if skip is not None and skip.search(path.read_text()):
        return UNSUPPORTED, ""
    want = herd_lines(path, timeout, "herd7", *HERD7_MODEL[mm])
    return judge(path, mm, timeout, want, loop_shape)


def form(text: str) -> str:
    """The wait's form: what CPU 1's loop condition reads."""
    waits = re.findall(r"while \((.*)\)", text)
    if not waits:
        return "lock handoff"
    cond = waits[0]
    return ("register" if re.match(r"r\d+ ", cond) else
            "lock" if "spin_is_locked" in cond else
            "cmpxchg" if "cmpxchg" in cond else "read")


def main() -> int:
    ap = generator_args(__doc__, "/tmp/smpcheck-spin-waits")
    ap.add_argument("--mm", choices=sorted(HERD7_MODEL), default="lkmm")
    ap.add_argument("--wide", action="store_true", help="waits of more forms")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(args.count):
        paths.append(args.out / f"S{args.seed}-{i:03d}.litmus")
        paths[-1].write_text(generate(args.seed, i, args.wide))
    signal.signal(signal.SIGTERM, stop)  # (a stopped run still prints its counts)
    pool = ProcessPoolExecutor(args.jobs, initializer=start_session, initargs=(args.timeout,))
    counts: Counter[tuple[str, str]] = Counter()
    try:
        for path, (outcome, detail) in zip(
                paths, pool.map(run, paths, [args.mm] * len(paths), [args.timeout] * len(paths)),
                strict=True):
            text = path.read_text()
            counts[form(text), outcome] += 1
            if outcome in BAD or outcome == HERD_REJECTS:
                print("=" * 72, f"{outcome} {path}", detail, text, sep="\n", flush=True)
    except Stopped:
        print(f"stopped (SIGTERM) after the first {counts.total()} tests")
    pool.shutdown(cancel_futures=True)
    print(f"{counts.total()} tests (--mm {args.mm} --seed {args.seed} --count {args.count}"
          f"{' --wide' if args.wide else ''}); by the wait's form:")
    print_counts(counts)
    return 1 if any(outcome in BAD for _k, outcome in counts) else 0


if __name__ == "__main__":
    sys.exit(main())
