"""smpcheck's own sc.cat and x86tso.cat on the hand-built executions."""

from __future__ import annotations

import os
from typing import Any

import pytest

from smpcheck.cat import MODELS_DIR, CatModel, load_model, pin_to_execution
from tests.support import cat_executions as X


@pytest.fixture(scope="module")
def sc() -> CatModel:
    return load_model("sc.cat")


@pytest.fixture(scope="module")
def tso() -> CatModel:
    return load_model("x86tso.cat")


def verdict(model: CatModel, exe: dict[str, Any]) -> tuple[bool, list[str]]:
    r = model.check(exe, resolver=pin_to_execution(exe))
    return r.consistent, r.failed


def test_models_are_package_files() -> None:
    sc = os.path.join(MODELS_DIR, "sc.cat")
    assert os.path.isfile(sc) and os.path.isfile(os.path.join(MODELS_DIR, "x86tso.cat"))
    assert load_model(sc).title == "Sequential consistency (smpcheck)"


@pytest.mark.parametrize(("build", "sc_ok", "tso_ok"), [
    (lambda: X.sb(False), False, True),
    (lambda: X.sb(True), False, False),
    (lambda: X.mp(False), False, False),
    (lambda: X.mp(True), False, False),
    (lambda: X.lb(False), False, False),
    (lambda: X.lb(True), False, False),
    (X.plain_race, True, True),
    (X.plain_mp_release_acquire, True, True),
    (X.corr, False, False),
    (X.rmw_atomicity, False, False),
    (lambda: X.spin_is_locked(False), False, False),
])
def test_verdicts(sc: CatModel, tso: CatModel, build: Any, sc_ok: bool, tso_ok: bool) -> None:
    exe = build()
    assert verdict(sc, exe)[0] is sc_ok
    assert verdict(tso, exe)[0] is tso_ok


def test_which_checks_fail(sc: CatModel, tso: CatModel) -> None:
    assert verdict(sc, X.sb(False)) == (False, ["sc"])
    assert verdict(tso, X.sb(True)) == (False, ["tso"])
    assert verdict(tso, X.corr()) == (False, ["sc-per-location", "tso"])
    assert verdict(sc, X.rmw_atomicity()) == (False, ["atomic"])
    assert verdict(tso, X.rmw_atomicity()) == (False, ["atomic"])


def test_tso_store_forwarding_is_allowed(tso: CatModel, sc: CatModel) -> None:
    """SB+rfi-pos: P0: x=1; r0=x (1); r1=y (0)   P1: y=1; r2=y (1); r3=x (0).
    rfi is not global in TSO, so there is no ghb cycle; SC forbids it."""
    from tests.support.cat_builder import Builder
    b = Builder()
    x0 = b.init("x")
    y0 = b.init("y")
    wx = b.write(0, "x")
    b.read(0, "x", wx)
    b.read(0, "y", y0)
    wy = b.write(1, "y")
    b.read(1, "y", wy)
    b.read(1, "x", x0)
    exe = b.build()
    assert verdict(tso, exe) == (True, [])
    assert verdict(sc, exe) == (False, ["sc"])


def test_tso_locked_rmw_is_a_fence(tso: CatModel) -> None:
    """SB with xchg in place of each store: the locked instructions order the
    later loads, so the SB outcome is forbidden."""
    from tests.support.cat_builder import Builder
    b = Builder()
    x0 = b.init("x")
    y0 = b.init("y")
    r = b.read(0, "x", x0, cls=("RMW",))
    w = b.write(0, "x", cls=("RMW",))
    b.dep("rmw", r, w)
    b.read(0, "y", y0)
    r2 = b.read(1, "y", y0, cls=("RMW",))
    w2 = b.write(1, "y", cls=("RMW",))
    b.dep("rmw", r2, w2)
    ry = b.read(1, "x", x0)
    exe = b.build()
    assert verdict(tso, exe) == (False, ["tso"])
    assert ry == 7
