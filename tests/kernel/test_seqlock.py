"""seqcount_t and seqlock_t (smpcheck.kernel.seqlock), against herd7 on a litmus test of
the same events and against hand-derived outcomes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smpcheck.litmus.run import check_litmus
from tests.kernel.helpers import MMS, check, outcomes

DATA = Path(__file__).parent.parent / "data" / "kernel"

# The shape of seqcount.litmus, written with the kernel API.
SHAPE = '''
seq = Var(SeqCount())
x = Var(0)
y = Var(0)

def P0():
    write_seqcount_begin(seq)
    WRITE_ONCE(x, 1)
    WRITE_ONCE(y, 1)
    write_seqcount_end(seq)

def P1():
    r0 = raw_read_seqcount(seq)
    r1 = READ_ONCE(x)
    r2 = READ_ONCE(y)
    retry = read_seqcount_retry(seq, r0)
    return {"r0": r0, "r1": r1, "r2": r2, "retry": retry}

MODEL = Model("seqcount", [P0, P1])
'''


def herd_states(text: str) -> set[tuple[tuple[str, int], ...]]:
    """The final states of a herd7 output, as sorted (register, value) pairs."""
    lines = text.split("States ")[1].splitlines()[1:]
    out = set()
    for line in lines:
        if not line.startswith(tuple("0123456789")):
            break
        out.add(tuple(sorted((k, int(v)) for k, v in re.findall(r"(\d+:\w+)=(\d+)", line))))
    return out


def api_states(result: object) -> set[tuple[tuple[str, int], ...]]:
    """The Python model's states, with retry folded into r3 as the litmus test has it
    (r3 is the count the retry read: r0 when it does not retry)."""
    out = set()
    for state in outcomes(result):  # type: ignore[arg-type]
        regs = dict(state)
        seen = {k: v for k, v in regs.items() if k in ("1:r0", "1:r1", "1:r2")}
        out.add((regs["1:retry"], tuple(sorted(seen.items()))))
    return out


def test_the_litmus_shape_has_herd7s_states_under_the_lkmm(tmp_path: Path) -> None:
    herd = herd_states((DATA / "seqcount.herd7").read_text())
    api = api_states(check(tmp_path, SHAPE, "lkmm"))
    # herd7's states, r3 replaced by whether the reader retries (r3 != r0)
    expected = {(dict(s)["1:r3"] != dict(s)["1:r0"],
                 tuple(sorted((k, v) for k, v in s if k != "1:r3"))) for s in herd}
    assert api == expected


@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_the_litmus_shape_matches_the_litmus_test_run_by_smpcheck(tmp_path: Path,
                                                                   mm: str) -> None:
    run = check_litmus(DATA / "seqcount.litmus", mm)
    names = [f"{ref.thread}:{ref.name}" for ref in run.observed]
    states = {tuple(sorted(zip(names, s, strict=True))) for s in run.states}
    expected = {(dict(s)["1:r3"] != dict(s)["1:r0"],
                 tuple(sorted((k, v) for k, v in s if k != "1:r3"))) for s in states}
    assert api_states(check(tmp_path, SHAPE, mm)) == expected


@pytest.mark.parametrize("mm", MMS)
def test_a_reader_that_does_not_retry_saw_no_write_section_half_done(tmp_path: Path,
                                                                      mm: str) -> None:
    for retry, regs in api_states(check(tmp_path, SHAPE, mm)):
        r = dict(regs)
        if not retry and r["1:r0"] % 2 == 0:
            assert r["1:r1"] == r["1:r2"]


RETRY_LOOP = '''
sl = seqlock_t()
x = Var(0)
y = Var(0)

def writer(v):
    def P():
        write_seqlock(sl)
        WRITE_ONCE(x, v)
        WRITE_ONCE(y, v)
        write_sequnlock(sl)
    return P

def reader():
    while True:
        seq = read_seqbegin(sl)
        a = READ_ONCE(x)
        b = READ_ONCE(y)
        if not read_seqretry(sl, seq):
            break
    return {"a": a, "b": b}

P0 = writer(1)
P1 = writer(2)
MODEL = Model("seqlock", [P0, P1, reader], forall="2:a=2:b")
'''


@pytest.mark.parametrize("mm", MMS)
def test_seqlock_readers_see_whole_write_sections(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, RETRY_LOOP, mm, loop_bound=4)
    assert not result.violations
    seen = {(dict(s)["2:a"], dict(s)["2:b"]) for s in outcomes(result)}
    assert seen == {(0, 0), (1, 1), (2, 2)}
    assert result.complete


@pytest.mark.parametrize("mm,torn", [("sc", False), ("tso", False), ("lkmm", True)])
def test_without_the_read_barriers_a_torn_read_passes_under_the_lkmm(
        tmp_path: Path, mm: str, torn: bool) -> None:
    source = SHAPE.replace("raw_read_seqcount(seq)", "READ_ONCE(seq)").replace(
        "read_seqcount_retry(seq, r0)", "READ_ONCE(seq) != r0")
    torn_seen = any(not retry and dict(r)["1:r0"] == 0 and dict(r)["1:r1"] != dict(r)["1:r2"]
                    for retry, r in api_states(check(tmp_path, source, mm)))
    assert torn_seen == torn
