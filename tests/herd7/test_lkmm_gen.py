"""Both LKMM paths against herd7 on the generated corpus (tests/data/lkmm-gen).

Each recorded test (tests/support/lkmm_gen.py, seed 1; herd7 7.58's output lines
in herd7.json, recorded by bench/lkmm_gen_record.py) runs under the built-in
LKMM (``smpcheck litmus --mm lkmm``) and under linux-kernel.cfg interpreted by
smpcheck.cat (``smpcheck-herd``); every line herd7 prints but Time and Hash
must be the same.  Every fourth test is a quick slice; the others are marked
slow (``-m 'not slow'`` runs the slice alone).  Tests herd7 did not finish are skipped,
saying so.

The same for corpora of one theme each: tests/data/lkmm-gen-lock (seed 7,
the lock theme), tests/data/lkmm-gen-rmw (seed 3694, the RMW theme, where the
built-in LKMM lost two executions of G3694-265: a revisit cut a read that
smp_mb__before_atomic() orders before a write after the RMW it fences) and
tests/data/lkmm-gen-srcu (seed 614192, the SRCU theme, where the built-in LKMM lost
6 of herd7's 102 executions of G614192-256: a revisit could not cut a write whose
latest coherence place a grace period forbids; Explorer._latest_consistent), and
tests/data/lkmm-gen-srcu2 (seed 839315, the SRCU theme, where it lost one of herd7's
10 executions of G839315-292: a revisit could not cut a read whose latest source a
grace period forbids, after a kept srcu_down_read()), and tests/data/lkmm-gen-srcu3
(seed 195478, the SRCU theme: G195478-574 lost 2 of 21 executions to a first form of
that fix, which judged a cut event's latest place without the events cut after it),
and tests/data/lkmm-gen-srcu4 (seed 24931, the SRCU theme: G24931-124 listed 232 of
herd7's 294 executions: a read cut with its CPU's later events, whose latest source
left one of them, an SRCU unlock, no consistent place), and tests/data/lkmm-gen-lock2
(seed 202, the lock theme: both paths listed 12 executions of G202-164 where herd7 lists 9,
where spin_is_locked() reads an unlock that matches no lock on both sides of a
spin_lock(): herd's cos-opt.cat check ConsCo; LKMM.deferred_inconsistency).

tests/data/lkmm-gen-rmwcycle holds load-buffering rings through RMWs
(tests/support/lkmm_gen_rmwcycle.py), kept by ``bench/rmw_cycles.py --record``
mostly where herd7 lists the cycle the condition names, which smpcheck reaches only
by letting a read speculate (a successful RMW's too).

tests/data/lkmm-gen-spin holds spin-waits (tests/support/lkmm_gen_spin.py, seed 1),
compared on what herd7's unrolling of a loop leaves alone (states, verdicts, flags;
not counts, nor its ``Loop``): a wait whose flag is read again at the end of the
loop's body lost every execution that read it clear first (smpcheck._rt.loops).

tests/data/lkmm-gen-api holds tests of tests/support/lkmm_gen_api.py (seed 6): RMWs
whose operands depend on reads, more dependency shapes, initial values, mixed
conditions (where herd7 drops executions it fails to solve, as in case
herd7-unsolved-cmpxchg-compare, smpcheck lists more: none of this draw).

The kernel's 35 tests (herd7-results.csv) get the same check of their Observation
and Flag lines.

:data:`KNOWN` lists the tests where smpcheck is known to list more executions
than herd7, with the reason; on those the test checks that smpcheck lists every
concrete state herd7 lists (the safe side) and fails once the outputs agree, so
that the entry is removed.  It also lists the tests smpcheck does not finish
(:data:`BUDGET`): no verdict is printed, and the test fails once one is.  None is
known to list fewer.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest

from smpcheck.herd.run import HerdSession
from smpcheck.litmus.syntax import LitmusError
from tests.conftest import LKMM, REPO
from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session, loop_shape

DATA = REPO / "tests" / "data" / "lkmm-gen"
LOCKS = REPO / "tests" / "data" / "lkmm-gen-lock"  # seed 7, the lock theme alone
LOCKS2 = REPO / "tests" / "data" / "lkmm-gen-lock2"  # seed 202, the lock theme alone
RMWS = REPO / "tests" / "data" / "lkmm-gen-rmw"  # seed 3694, the RMW theme alone
SRCUS = REPO / "tests" / "data" / "lkmm-gen-srcu"  # seed 614192, the SRCU theme alone
SRCUS2 = REPO / "tests" / "data" / "lkmm-gen-srcu2"  # seed 839315, the SRCU theme alone
SRCUS3 = REPO / "tests" / "data" / "lkmm-gen-srcu3"  # seed 195478, the SRCU theme alone
SRCUS4 = REPO / "tests" / "data" / "lkmm-gen-srcu4"  # seed 24931, the SRCU theme alone
API = REPO / "tests" / "data" / "lkmm-gen-api"  # tests/support/lkmm_gen_api.py, seed 6
CYCLES = REPO / "tests" / "data" / "lkmm-gen-rmwcycle"  # tests/support/lkmm_gen_rmwcycle.py
SPINS = REPO / "tests" / "data" / "lkmm-gen-spin"  # tests/support/lkmm_gen_spin.py, seed 1
RECORDS: dict[Any, dict[str, dict[str, Any]]] = {
    folder: json.loads((folder / "herd7.json").read_text())["tests"]
    for folder in (DATA, LOCKS, LOCKS2, RMWS, SRCUS, SRCUS2, SRCUS3, SRCUS4, API, CYCLES,
                   SPINS)}
RECORD, LOCK_RECORD = RECORDS[DATA], RECORDS[LOCKS]
WHERE = {name: folder for folder, record in RECORDS.items() for name in record}
ALL = {name: entry for record in RECORDS.values() for name, entry in record.items()}
SLICE = 4  # every SLICE-th test is in the quick slice

THIN_AIR = ("smpcheck lists more: herd7 solves a cycle of values symbolically (S21) or not "
            "at all where smpcheck's speculation takes each value some execution writes")
BUDGET = ("smpcheck stops at its speculation budget: incomplete (exit 3), no verdict "
          "printed, where herd7 lists the executions")
KNOWN: dict[str, str] = {
    **{name: THIN_AIR for name in ("G1-204", "G1-360")},
    "G614192-124": BUDGET,
}


def _cases() -> list[Any]:
    out = []
    for k, name in enumerate(sorted(ALL)):
        entry = ALL[name]
        marks: list[Any] = [] if k % SLICE == 0 else [pytest.mark.slow]
        if "lines" not in entry:
            why = (f"herd7 did not finish in {entry['timeout']:g} s" if "timeout" in entry
                   else f"herd7 rejected it: {entry.get('error')}")
            marks.append(pytest.mark.skip(reason=why))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.fixture(scope="module")
def session() -> HerdSession:
    if not LKMM.is_dir():
        pytest.skip(f"test data {LKMM} is absent")
    return herd_session(LKMM)


def _counts(lines: list[str]) -> tuple[int, int]:
    found = next(line for line in lines if line.startswith("Observation "))
    pos, neg = found.split()[-2:]
    return int(pos), int(neg)


def _states(lines: list[str]) -> set[str]:
    return {line for line in lines if re.fullmatch(r"(\S+=\S*; )*\S+=\S*;", line)}


def check_more(want: list[str], got: list[str]) -> None:
    """``got`` lists every concrete state of ``want`` and at least as many executions
    (the safe side: no outcome herd7 allows is missing)."""
    assert got != want, "smpcheck now agrees with herd7: remove the test from KNOWN"
    symbolic = re.compile(r"=S\d+;")
    assert {st for st in _states(want) if not symbolic.search(st)} <= _states(got)
    (pos, neg), (hpos, hneg) = _counts(got), _counts(want)
    assert pos + neg > hpos + hneg


def _compare(name: str, run: Any) -> None:
    want = ALL[name]["lines"]
    path = WHERE[name] / f"{name}.litmus"
    try:
        got = run(path)
    except LitmusError as exc:
        pytest.skip(f"smpcheck does not parse {path.name}: {exc}")
    if KNOWN.get(name) == THIN_AIR:
        check_more(want, got)
    elif KNOWN.get(name) == BUDGET:
        assert not any(line.startswith("Observation ") for line in got), \
            "smpcheck now finishes this test: remove it from KNOWN"
    elif WHERE[name] == SPINS:
        assert loop_shape(got) == loop_shape(want)
    else:
        assert got == want


@pytest.mark.parametrize("name", _cases())
def test_builtin_lkmm_prints_herd7s_lines(name: str) -> None:
    _compare(name, builtin_lines)


@pytest.mark.parametrize("name", _cases())
def test_cat_lkmm_prints_herd7s_lines(name: str, session: HerdSession) -> None:
    _compare(name, lambda path: herd_lines(path, session))


def test_the_corpus_reaches_the_lkmms_features() -> None:
    """The generator's promise, checked on the recorded tests: each feature is used."""
    text = "\n".join(p.read_text() for p in sorted(DATA.glob("*.litmus")))
    herd = "\n".join(line for e in RECORD.values() for line in e.get("lines", []))
    wanted = ["READ_ONCE", "WRITE_ONCE", "smp_load_acquire", "smp_store_release", "= *x",
              "*y = ", "smp_mb()", "smp_rmb()", "smp_wmb()", "smp_mb__before_atomic()",
              "smp_mb__after_atomic()", "smp_mb__after_spinlock()",
              "smp_mb__after_unlock_lock()", "smp_mb__after_srcu_read_unlock()", "xchg(",
              "cmpxchg_relaxed(", "atomic_fetch_add", "atomic_inc(", "spin_lock(l)",
              "spin_trylock(l)", "rcu_read_lock()", "synchronize_rcu()", "rcu_dereference(",
              "rcu_assign_pointer(", "srcu_read_lock(s)", "srcu_read_unlock(s, ",
              "synchronize_srcu(s)", "srcu_down_read(", "if (r"]
    assert [w for w in wanted if w not in text] == []
    flags = ["data-race", "mixed-accesses", "unmatched-rcu-lock", "unmatched-rcu-unlock",
             "unmatched-srcu-lock", "unmatched-srcu-unlock", "unmatched-unlock",
             "invalid-sleep", "multiple-srcu-matches", "srcu-bad-value-match", "lock-final"]
    assert [f for f in flags if f"Flag {f}" not in herd] == []
    assert len([e for e in RECORD.values() if "lines" in e]) >= 400


def test_the_api_corpus_reaches_what_lkmm_gen_does_not() -> None:
    """tests/support/lkmm_gen_api.py's promise, checked on its recorded tests."""
    text = "\n".join(p.read_text() for p in sorted(API.glob("*.litmus")))
    wanted = [r"(?<!cmp)xchg\w*\(\w, r\d", r"cmpxchg\w*\(\w, r\d", r"cmpxchg\w*\(\w, \S+, r\d",
              r"atomic_fetch_\w+\(r\d", r"atomic_add_unless\(\w, r\d",
              r"atomic_sub_and_test\(r\d", r"\*\(\w \+ r(\d) - r\1\)", r"\(r\d & 0\)\)",
              r", r\d [-+] r\d", r"r\d = r\d [-+*^]", r"if \(r\d [!=]= \d\)\n",
              r"\} else if \(", r"if \(\w+\(\*?\w\) [!=]=", r"if \(atomic_dec_and_test",
              r"\n\w=[1-3];\n", r"~exists \(", r"forall \(", r"\\/ ", r"/\\ ", r"[( ]~(\d:r\d|\w)="]
    assert [w for w in wanted if not re.search(w, text)] == []
    assert len([e for e in RECORDS[API].values() if "lines" in e]) >= 40


def test_the_ring_corpus_reaches_its_cycles() -> None:
    """tests/support/lkmm_gen_rmwcycle.py's promise, on its recorded tests: most list
    the cycle their condition names, rings whose reads are all RMWs among them, and
    every kind of ring is there."""
    from tests.support.lkmm_gen_rmwcycle import kind, reaches

    texts = {name: (CYCLES / f"{name}.litmus").read_text() for name in RECORDS[CYCLES]}
    cycles = [name for name, e in RECORDS[CYCLES].items() if reaches(texts[name], e["lines"])]
    assert len(cycles) >= 35 and len(texts) >= 45
    assert sum(kind(texts[name]).endswith("all-rmw") for name in cycles) >= 10
    assert {kind(text).split()[-1] for text in texts.values()} == {"all-rmw", "mixed", "lock"}


def test_recorded_files_are_the_generators() -> None:
    """The corpus on disk is what tests/support/lkmm_gen.py gives for the recorded seed."""
    from tests.support import lkmm_gen, lkmm_gen_api, lkmm_gen_rmwcycle, lkmm_gen_spin

    generators = {"G": lkmm_gen.generate, "A": lkmm_gen_api.generate,
                  "R": lkmm_gen_rmwcycle.generate, "S": lkmm_gen_spin.generate}
    for name in (sorted(ALL)[::11] + sorted(RECORDS[API])[::3] + sorted(RECORDS[CYCLES])[::3]
                 + sorted(RECORDS[SPINS])[::3]):
        kind, seed, index = re.fullmatch(r"([GARS])(\d+)-(\d+)", name).groups()  # type: ignore[union-attr]
        text = generators[kind](int(seed), int(index))
        assert (WHERE[name] / f"{name}.litmus").read_text() == text


def test_the_spin_corpus_reaches_its_waits() -> None:
    """tests/support/lkmm_gen_spin.py's promise, on its recorded tests: each form of
    wait, and waits herd7 unrolls past its bound (``Loop``), where the flag is found
    clear before it is found set."""
    text = "\n".join(p.read_text() for p in sorted(SPINS.glob("*.litmus")))
    wanted = [r"while \(READ_ONCE\(\*f\) == 0\)", r"while \(smp_load_acquire\(f\)",
              r"while \(atomic_cmpxchg\w*\(f, 1, 2\) != 1\)", r"while \(spin_is_locked",
              r"(r\d) = \w+\(\*?f\);\n\twhile \(\1 [!=]= [01]\) \{\n\t\t\1 = ",
              r"(r\d) = \w+\(\*?f\);\n\tr\d = \1;", r"\nP2\("]
    assert [w for w in wanted if not re.search(w, text)] == []
    loops = [e for e in RECORDS[SPINS].values() if "Loop Ok" in e["lines"]
             or "Loop No" in e["lines"]]
    assert len(loops) >= 20 and len(RECORDS[SPINS]) >= 35


def test_the_lock_corpus_has_lone_unlocks_read() -> None:
    """The lock corpus reaches what lock.cat treats apart: a spin_unlock() that matches
    no lock, in a test where spin_is_locked() may read it."""
    herd = [e["lines"] for e in LOCK_RECORD.values() if "lines" in e]
    lone = [name for name in LOCK_RECORD if "Flag unmatched-unlock" in LOCK_RECORD[name].get(
        "lines", []) and "spin_is_locked" in (LOCKS / f"{name}.litmus").read_text()]
    assert len(herd) >= 60 and len(lone) >= 5


def _kernel_rows() -> list[Any]:
    table = LKMM / "herd7-results.csv"
    if not table.is_file():
        return [pytest.param(None, marks=pytest.mark.skip("shared litmus data absent"))]
    with table.open(newline="") as handle:
        return [pytest.param(row, id=row["test"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize("row", _kernel_rows())
def test_kernel_tests_observation_lines(row: dict[str, str], session: HerdSession) -> None:
    """Both paths print herd7-results.csv's Observation line and flags on the kernel's
    35 tests."""
    path = LKMM / row["file"]
    for lines in (builtin_lines(path), herd_lines(path, session)):
        assert [line for line in lines if line.startswith("Observation ")] == \
            [row["observation_line"]]
        assert ";".join(line[5:] for line in lines if line.startswith("Flag ")) == row["flags"]
