"""linux-kernel.cat (through linux-kernel.cfg, with the bell file and lock.cat)
on hand-built executions; the verdicts are derived in tests/support/cat_executions.py."""

from __future__ import annotations

from typing import Any

import pytest

from smpcheck.cat import CatModel, CatResult, load_config_model, pin_to_execution
from tests.conftest import need_lkmm
from tests.support import cat_executions as X


@pytest.fixture(scope="module")
def lkmm() -> CatModel:
    return load_config_model(need_lkmm() / "linux-kernel.cfg")


def judge(model: CatModel, exe: dict[str, Any]) -> CatResult:
    pinned = model.check(exe, resolver=pin_to_execution(exe))
    anyalt = model.check(exe)
    assert pinned.consistent == anyalt.consistent
    return pinned


def test_cfg_sets_variant_and_files(lkmm: CatModel) -> None:
    assert lkmm.variants == frozenset({"lkmmv2"})
    assert lkmm.bell is not None and lkmm.bell.endswith("linux-kernel.bell")
    assert lkmm.title == "Linux-kernel memory consistency model"
    checks = dict((name, mode) for mode, name in lkmm.checks)
    for name in ("coherence", "atomic", "happens-before", "propagation", "rcu",
                 "plain-coherence"):
        assert checks[name] == "check"
    assert checks["data-race"] == "flag"


@pytest.mark.parametrize(("mb", "consistent", "failed"), [
    (False, True, []),
    (True, False, ["propagation"]),
])
def test_store_buffering(lkmm: CatModel, mb: bool, consistent: bool, failed: list[str]) -> None:
    r = judge(lkmm, X.sb(mb))
    assert (r.consistent, r.failed, r.flags) == (consistent, failed, [])


def test_message_passing(lkmm: CatModel) -> None:
    assert judge(lkmm, X.mp(False)).consistent
    r = judge(lkmm, X.mp(True))
    assert (r.consistent, r.failed) == (False, ["happens-before"])
    assert r.witnesses["happens-before"] == r.relation("hb")


def test_load_buffering(lkmm: CatModel) -> None:
    assert judge(lkmm, X.lb(False)).consistent
    r = judge(lkmm, X.lb(True))
    assert not r.consistent
    assert r.failed == ["happens-before", "propagation"]


def test_plain_race_is_flagged_not_forbidden(lkmm: CatModel) -> None:
    r = judge(lkmm, X.plain_race())
    assert (r.consistent, r.failed, r.flags) == (True, [], ["data-race"])
    assert r.relation("rw-race").pairs()


def test_release_acquire_orders_plain_accesses(lkmm: CatModel) -> None:
    r = judge(lkmm, X.plain_mp_release_acquire())
    assert (r.consistent, r.flags) == (True, [])
    assert r.set("Plain") == 0b100100  # the plain write and the plain read


def test_coherence_violation(lkmm: CatModel) -> None:
    r = judge(lkmm, X.corr())
    # cos-opt.cat's ConsCo sees it first: the second read's source (the initial
    # write) is observed after the first's, and co0 puts it before every write;
    # that observed order (the write before the initial write) is not in co either
    assert (r.consistent, r.failed) == (False, ["ConsCo", "co-shown-order", "coherence"])


def test_rmw_atomicity_violation(lkmm: CatModel) -> None:
    r = judge(lkmm, X.rmw_atomicity())
    assert (r.consistent, r.failed) == (False, ["atomic"])


def test_spin_is_locked_without_fence_is_allowed(lkmm: CatModel) -> None:
    exe = X.spin_is_locked(False)
    r = judge(lkmm, exe)
    assert (r.consistent, r.failed, r.flags) == (True, [], [])
    # lock.cat's 'with' choices were pinned to the execution's rf
    assert r.relation("rfe-lf").pairs() and list(r.relation("rfe-lf").pairs()) == [(3, 8)]
    assert list(r.relation("rf-ru").pairs()) == [(0, 7)]
    assert list(r.relation("critical").pairs()) == [(3, 5)]
    # UL was merged into co right after its LKW
    assert r.relation("co").has(3, 5) and r.relation("co").has(0, 5)


def test_spin_is_locked_with_after_spinlock_is_forbidden(lkmm: CatModel) -> None:
    r = judge(lkmm, X.spin_is_locked(True))
    assert (r.consistent, r.failed) == (False, ["happens-before", "propagation"])


def test_spin_is_locked_reading_unlock_breaks_coherence(lkmm: CatModel) -> None:
    r = judge(lkmm, X.spin_is_locked_reads_unlock())
    assert (r.consistent, r.failed) == (False, ["coherence"])


def test_resolver_rejects_a_choice_the_model_cannot_make(lkmm: CatModel) -> None:
    exe = X.spin_is_locked(False)
    rf = exe["rf"]
    from smpcheck.graph.relation import Rel
    # RL (event 8) claims to read the initial value: not an LKW, so no
    # alternative of rfe-lf fits and the execution is rejected.
    pairs = [(a, b) for a, b in rf.pairs() if b != 8] + [(0, 8)]
    exe["rf"] = Rel.from_pairs(exe["n"], pairs)
    r = lkmm.check(exe, resolver=pin_to_execution(exe))
    assert (r.consistent, r.failed) == (False, ["with rfe-lf"])


def test_without_co_every_coherence_order_is_tried(lkmm: CatModel) -> None:
    exe = X.rmw_atomicity()
    del exe["co"]
    # some coherence order (the xchg's write right after its read) is fine
    assert lkmm.check(exe).consistent
    assert not judge(lkmm, X.rmw_atomicity()).consistent


def test_stop_on_failure_reports_the_first_failed_check(lkmm: CatModel) -> None:
    exe = X.lb(True)
    r = lkmm.check(exe, resolver=pin_to_execution(exe), stop_on_failure=True)
    assert r.failed == ["happens-before"]


def test_flags_of_unmatched_rcu_lock(lkmm: CatModel) -> None:
    from tests.support.cat_builder import Builder
    b = Builder()
    b.init("x")
    b.fence(0, "rcu-lock")
    b.write(0, "x", "ONCE")
    r = judge(lkmm, b.build())
    assert r.consistent and r.flags == ["unmatched-rcu-lock"]


def test_rcu_grace_period_forbids_rcu_mp(lkmm: CatModel) -> None:
    """RCU-MP: P0: rcu_read_lock; r0=x (1); r1=y (0); rcu_read_unlock
    P1: y=1; synchronize_rcu(); x=1.  The critical section sees x=1 (after
    the grace period) yet misses y=1 (before it): 'rcu' fails."""
    from tests.support.cat_builder import Builder
    b = Builder()
    b.init("x")
    y0 = b.init("y")
    b.fence(0, "rcu-lock")
    r0 = b.read(0, "x", -1, "ONCE")
    b.read(0, "y", y0, "ONCE")
    b.fence(0, "rcu-unlock")
    b.write(1, "y", "ONCE")
    b.fence(1, "sync-rcu")
    b.rf_src[r0] = b.write(1, "x", "ONCE")
    r = judge(lkmm, b.build())
    assert not r.consistent and "rcu" in r.failed
    assert list(r.relation("rcu-rscs").pairs()) == [(2, 5)]
