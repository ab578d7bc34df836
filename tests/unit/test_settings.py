"""Settings: immutable, checked when made, defaults the environment may set (the
command line winning), and a bad value a usage error naming where it came from."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpcheck.errors import UsageError
from smpcheck.litmus.run import load_litmus, run_litmus
from smpcheck.records import FrozenInstanceError
from smpcheck.settings import ENVIRONMENT, LOOP_BOUND, Settings, stall_seconds
from tests.conftest import with_lkmm
from tests.support.cli import herd, smpcheck
from tests.test_incomplete import lkmm_dir, loop_litmus, loop_observation

COUNTS = ["max_executions", "loop_bound", "max_events", "batch", "max_passes",
          "speculation_factor"]


def test_frozen() -> None:
    s = Settings()
    with pytest.raises(FrozenInstanceError):
        s.loop_bound = 3  # type: ignore[misc]


@given(name=st.sampled_from(COUNTS), value=st.integers(-5, 5) | st.booleans() | st.floats())
def test_counts_checked(name: str, value: object) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if ok:
        assert getattr(Settings(**{name: value}), name) == value
    else:
        with pytest.raises(UsageError, match=name):
            Settings(**{name: value})


@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3))
def test_timeout_checked(value: float) -> None:
    if math.isfinite(value) and value > 0:
        assert Settings(timeout=value).timeout == value
    else:
        with pytest.raises(UsageError, match="timeout"):
            Settings(timeout=value)


@given(bound=st.integers(1, 50), events=st.integers(1, 5000), given_bound=st.booleans())
def test_environment_sets_defaults_the_caller_overrides(bound: int, events: int,
                                                         given_bound: bool) -> None:
    env = {ENVIRONMENT["loop_bound"]: str(bound), ENVIRONMENT["max_events"]: str(events)}
    s = Settings.from_environment(env, loop_bound=3 if given_bound else None)
    assert (s.loop_bound, s.max_events) == (3 if given_bound else bound, events)
    assert Settings.from_environment({}) == Settings()


@pytest.mark.parametrize("var,text", [("SMPCHECK_LOOP_BOUND", "0"),
                                      ("SMPCHECK_LOOP_BOUND", "many"),
                                      ("SMPCHECK_TIMEOUT", "-1"),
                                      ("SMPCHECK_MAX_EVENTS", "1.5"),
                                      ("SMPCHECK_STALL_S", "soon")])
def test_bad_environment_names_the_variable(var: str, text: str) -> None:
    read = stall_seconds if var == "SMPCHECK_STALL_S" else Settings.from_environment
    with pytest.raises(UsageError, match=var):
        read({var: text})


def test_callee_keeps_the_callers_settings(tmp_path: Path) -> None:
    mine = Settings(loop_bound=LOOP_BOUND)
    test, text = load_litmus(loop_litmus(tmp_path, 2))
    run_litmus(test, "sc", mine, text)
    assert mine == Settings(loop_bound=LOOP_BOUND)


@with_lkmm
@pytest.mark.parametrize("herd_mode", [False, True])
def test_loop_bound_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         herd_mode: bool) -> None:
    """``SMPCHECK_LOOP_BOUND`` is the bound when no option gives one: a loop of 9
    iterations completes under 10 (the default 8 would cut it), and the option wins."""
    path = loop_litmus(tmp_path, 9)
    monkeypatch.setenv("SMPCHECK_LOOP_BOUND", "10")
    run = ((lambda *a: herd("-conf", lkmm_dir() / "linux-kernel.cfg", *a)) if herd_mode
           else (lambda *a: smpcheck("litmus", *a)))
    res = run(path)
    verdict, pos, neg = loop_observation(9)
    assert res.code == 0 and f"Observation loop9 {verdict} {pos} {neg}" in res.out
    assert run("-unroll" if herd_mode else "--loop-bound", "8", path).code == 3
    monkeypatch.setenv("SMPCHECK_LOOP_BOUND", "zero")
    bad = run(path)
    assert bad.code == 2 and "SMPCHECK_LOOP_BOUND" in bad.err and "Traceback" not in bad.err
