"""refcount_t (smpcheck.kernel.refcount): release on every decrement, acquire when it
reaches zero, against herd7 on a litmus test of the same events, and its warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck import Kind
from tests.kernel.helpers import MMS, check, kinds, outcomes
from tests.kernel.test_seqlock import DATA, herd_states

DROP = '''
ref = Var(RefCount(2))
a = Var(0)
b = Var(0)

def holder(mine, other):
    def P():
        WRITE_ONCE(mine, 1)
        r1 = 0
        last = refcount_dec_and_test(ref)
        if last:
            r1 = READ_ONCE(other)
        return {"r0": 1 if last else 2, "r1": r1}
    return P

P0 = holder(a, b)
P1 = holder(b, a)
MODEL = Model("refcount", [P0, P1])
'''


def states(result: object) -> set[tuple[tuple[str, int], ...]]:
    return {tuple(sorted(s)) for s in outcomes(result)}  # type: ignore[arg-type]


def test_dec_and_test_has_herd7s_states_for_its_events(tmp_path: Path) -> None:
    herd = herd_states((DATA / "refcount.herd7").read_text())
    assert states(check(tmp_path, DROP, "lkmm")) == herd


@pytest.mark.parametrize("mm", MMS)
def test_the_last_holder_sees_what_the_others_wrote(tmp_path: Path, mm: str) -> None:
    # hand-derived: exactly one holder drops the last reference, and it reads 1
    got = states(check(tmp_path, DROP, mm))
    assert got == {(("0:r0", 1), ("0:r1", 1), ("1:r0", 2), ("1:r1", 0)),
                   (("0:r0", 2), ("0:r1", 0), ("1:r0", 1), ("1:r1", 1))}


@pytest.mark.parametrize("mm,stale", [("sc", False), ("tso", False), ("lkmm", True)])
def test_a_relaxed_decrement_would_not_order_it(tmp_path: Path, mm: str, stale: bool) -> None:
    source = DROP.replace("refcount_dec_and_test(ref)",
                          "atomic_fetch_sub_relaxed(1, ref) == 1")
    got = states(check(tmp_path, source, mm))
    assert any(("0:r0", 1) in s and ("0:r1", 0) in s for s in got) == stale


GET = '''
ref = Var(RefCount({INIT}))

def P0():
    return {{"got": 1 if refcount_inc_not_zero(ref) else 0, "now": refcount_read(ref)}}

def P1():
    refcount_inc(ref)

MODEL = Model("get", [P0, P1])
'''


@pytest.mark.parametrize("mm", MMS)
def test_inc_not_zero_takes_no_reference_on_zero(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, GET.format(INIT=0), mm)
    got = {(dict(s)["0:got"], dict(s)["0:now"]) for s in outcomes(result)}
    # P1's increment from 0 warns; P0 gets a reference only after it (count 1 -> 2)
    assert got == {(0, 0), (0, 1), (1, 2)}
    assert [w.message for w in result.warnings] == ["refcount_t: addition on 0; use-after-free."]


@pytest.mark.parametrize("mm", MMS)
def test_inc_not_zero_on_a_live_object(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, GET.format(INIT=1), mm)
    assert {dict(s)["0:got"] for s in outcomes(result)} == {1}
    assert not result.warnings


def test_free_on_last_reference_is_safe_and_a_double_put_is_found(tmp_path: Path) -> None:
    source = '''
class obj_t(Struct):
    ref = RefCount(2)
    a = 0
    b = 0

o = preallocated(obj_t())

def put():
    if refcount_dec_and_test(o.ref):
        kfree(o)

def P0():
    o.a = 1
    put()

def P1():
    o.b = 1
    put()

MODEL = Model("put", [P0, P1])
'''
    for mm in MMS:
        result = check(tmp_path, source, mm)
        assert result.complete and not result.violations, mm
    double = source.replace("RefCount(2)", "RefCount(1)")
    assert kinds(check(tmp_path, double, "sc")) & {Kind.USE_AFTER_FREE, Kind.DOUBLE_FREE}
