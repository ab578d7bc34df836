"""Both LKMM paths against herd7 on new tests of tests/support/lkmm_gen_api.py.

Run (needs herd7; the shared data at ../shared/lkmm or $SMPCHECK_SHARED/lkmm):

    .venv/bin/python bench/lkmm_api_diff.py [--seed 11] [--count 300] [--timeout 20]

Writes each test ``A<seed>-<i>`` to ``--out``, runs herd7 on it, then
``smpcheck litmus --mm lkmm`` and ``smpcheck-herd -conf linux-kernel.cfg`` and
compares every line but Time and Hash.  Tests herd7 rejects, does not finish, or
prints a symbolic value for (``S21``, a value it left unsolved) are counted apart,
and so are those smpcheck does not finish (its speculation budget: no verdict).
Where a path differs, herd7 under ``-model sc.cat`` and ``smpcheck litmus --mm sc``
are compared too: if herd7 lists fewer executions even under SC, the test is one
where herd7 drops executions it fails to solve, if smpcheck lists every state herd7
lists and more executions (case
tests/data/herd7/cases/herd7-unsolved-cmpxchg-compare); any other difference is
printed as a disagreement, to be fixed or kept as a known-* case.  Prints the
counts of each kind.  Not part of the test suite (tests/data/lkmm-gen-api is a
recorded draw, compared in tests/herd7/test_lkmm_gen.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lkmm_gen_record import SHARED, herd_lines  # noqa: E402  (bench/, the script's folder)

from smpcheck.herd.run import HerdSession  # noqa: E402
from tests.support.lkmm_agree import builtin_lines, difference, herd_session  # noqa: E402
from tests.support.lkmm_agree import herd_lines as cat_lines  # noqa: E402
from tests.support.lkmm_gen_api import generate  # noqa: E402


def executions(lines: list[str]) -> int:
    found = next(line for line in lines if line.startswith("Observation "))
    return sum(int(n) for n in found.split()[-2:])


def more(want: list[str], got: list[str]) -> bool:
    """``got`` lists every state of ``want``, and more executions."""
    states = {line for line in want if re.fullmatch(r"(\S+=\S*; )*\S+=\S*;", line)}
    return states <= set(got) and executions(got) > executions(want)


def classify(path: Path, args: argparse.Namespace, session: HerdSession) -> tuple[str, str]:
    """The kind of outcome on one test, and what to print about it."""
    herd = herd_lines(path, args.timeout, args.herd)
    if "lines" not in herd:
        return ("herd7 timeout" if "timeout" in herd else "herd7 rejects"), ""
    want = herd["lines"]
    if any(re.search(r"=S\d+;", line) for line in want):
        return "herd7 symbolic", ""
    got = {"builtin": builtin_lines(path), "cat": cat_lines(path, session)}
    diffs = {name: difference(want, lines) for name, lines in got.items()}
    if not any(diffs.values()):
        return "agree", ""
    if any(line.startswith("Incomplete ") for lines in got.values() for line in lines):
        return "smpcheck incomplete", ""  # its speculation budget: no verdict, never a wrong one
    sc = herd_lines(path, args.timeout, args.herd, "-model", "sc.cat")
    if "lines" in sc and executions(sc["lines"]) < executions(builtin_lines(path, "sc")) \
            and all(more(want, lines) for lines in got.values()):
        return "herd7 drops executions", ""
    return "DISAGREE", " | ".join(f"{k}: {v or 'ok'}" for k, v in diffs.items())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds herd7 gets per test")
    ap.add_argument("--herd", default="herd7")
    ap.add_argument("--out", type=Path, default=Path("/tmp/lkmm-api-diff"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    session = herd_session(SHARED)
    kinds: Counter[str] = Counter()
    for i in range(args.count):
        text = generate(args.seed, i)
        path = args.out / f"A{args.seed}-{i:03d}.litmus"
        path.write_text(text)
        kind, why = classify(path, args, session)
        kinds[kind] += 1
        if kind != "agree":
            print(f"{path.stem}: {kind} {why}".rstrip(), flush=True)
    print(f"{args.count} generated: " + ", ".join(f"{n} {k}" for k, n in kinds.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
