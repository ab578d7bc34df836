"""``barriers`` on the kernel's litmus tests against herd7 (tests/data/barriers): for
every site, the Observation and flags smpcheck gets with the site weakened by its
runtime are herd7's for the source weakened by hand, and a site is load-bearing
exactly when herd7's Observation changes or it raises a flag it did not.

Where the explorer itself disagrees with herd7 on the hand-weakened test (its known
LKMM gap, README "Known limits"), the runtime weakening must still agree with
``smpcheck litmus`` on that text, and the row is listed in KNOWN_GAPS (strictly:
a gap that closes fails here, so that the list shrinks)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from smpcheck.analyses.barriers import analyse
from smpcheck.analyses.subjects import LitmusSubject
from smpcheck.explore.explorer import Settings
from tests.conftest import need_lkmm

DATA = Path(__file__).resolve().parents[1] / "data"
#: recorded herd7 verdicts -> where their tests are (None: the kernel's, in ../shared)
RECORDINGS = {"kernel-weakened.csv": None, "lkmm-gen-weakened.csv": DATA / "lkmm-gen"}


def _rows() -> dict[tuple[str, str], list[dict[str, str]]]:
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for name in RECORDINGS:
        with (DATA / "barriers" / name).open() as f:
            for row in csv.DictReader(f):
                out.setdefault((name, row["test"]), []).append(row)
    return out


ROWS = _rows()
SLOW = {"G1-004.litmus"}  # (about 140 s on the 2-core machine)


@pytest.mark.parametrize(("recording", "name"), sorted(ROWS), ids=[n for _, n in sorted(ROWS)])
def test_weakened_sites_match_herd7(recording: str, name: str) -> None:
    if name in SLOW and not os.environ.get("SMPCHECK_SLOW_TESTS"):
        pytest.skip(f"{name} takes minutes (its SRCU sections); SMPCHECK_SLOW_TESTS=1 runs it")
    where = RECORDINGS[recording] or need_lkmm() / "litmus-tests"
    rows = ROWS[(recording, name)]
    base = next(r for r in rows if r["line"] == "0")
    _, answers = analyse(LitmusSubject(str(where / name)), ["lkmm"], Settings())
    got = {(a.site.line, a.site.primitive): a for a in answers}
    want = {(int(r["line"]), r["primitive"]): r for r in rows if r["line"] != "0"}
    text = (where / name).read_text()
    lines = text.split("\n")
    # every site is recorded but those issued by another primitive written on the line
    # (atomic_dec_and_test's decrement), which no hand edit can weaken
    assert set(want) == {k for k in got if k[1] in lines[k[0] - 1]}
    for key, row in want.items():
        a = got[key]
        assert a.weakened_to == row["weakened_to"]
        assert a.verdict is not None
        run = a.verdict.extra["run"]
        assert run.verdict == row["observation"], key
        assert sorted(run.flags) == row["flags"].split(), key
        new_flags = set(row["flags"].split()) - set(base["flags"].split())
        changed = row["observation"] != base["observation"] or bool(new_flags)
        assert a.load_bearing is changed, key  # (a flag that goes away is nothing new)
