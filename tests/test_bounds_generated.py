"""Every bound set just below what a generated program needs gives no verdict (exit 3),
and just at it the full verdict, with the same executions: through ``smpcheck check``'s
options and their ``SMPCHECK_*`` variables, for Python and C models, under each memory
model.  What a program needs is found by bisection, never written in."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smpcheck.settings import ENVIRONMENT
from tests.support.cli import smpcheck
from tests.support.structured import as_c, as_python, structured_programs

pytestmark = pytest.mark.slow

BOUNDS = {"--max-executions": "max_executions", "--max-events": "max_events",
          "--loop-bound": "loop_bound"}


def run(path: Path, mm: str, option: str, value: int | None, via_env: bool,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``smpcheck check PATH --json --all`` with the bound set (or not), its document
    checked against its exit status."""
    args: list[str | Path] = ["check", path, "--mm", mm, "--json", "--all", "-j", "1"]
    with monkeypatch.context() as env:
        if value is not None and via_env:
            env.setenv(ENVIRONMENT[BOUNDS[option]], str(value))
        elif value is not None:
            args += [option, str(value)]
        res = smpcheck(*args)
    assert "Traceback" not in res.err, res.err
    doc: dict[str, Any] = res.json()
    assert res.code == doc["exit"]
    return doc


def needed(path: Path, mm: str, option: str, via_env: bool,
           monkeypatch: pytest.MonkeyPatch) -> int:
    """The least value of the bound with which the run completes."""
    low, high = 1, 64
    while low < high:
        mid = (low + high) // 2
        if run(path, mm, option, mid, via_env, monkeypatch)["complete"]:
            high = mid
        else:
            low = mid + 1
    return low


def cut(doc: dict[str, Any], option: str, ref: dict[str, Any]) -> None:
    """A run the bound cut: no verdict (exit 3), or a violation found before it
    (exit 1) in a program that has one; the bound named."""
    assert not doc["complete"] and doc["incomplete"], doc
    assert any(c["option"] == option or c["option"] is None for c in doc["incomplete"])
    if doc["verdict"] is None:
        assert doc["exit"] == 3
    else:
        assert (doc["verdict"], doc["exit"], ref["verdict"]) == ("violation", 1, "violation")


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(structured_programs(max_len=2), st.sampled_from(["sc", "tso", "lkmm"]),
       st.sampled_from(sorted(BOUNDS)), st.booleans(), st.booleans(), st.booleans())
@example(prog=[[("r", 0, 0)], [("bug", 0)]], mm="sc", option="--max-executions", c=True,
         while_loops=True, via_env=False)  # (a BUG_ON before any execution ends)
def test_just_below_and_at_each_bound(monkeypatch: pytest.MonkeyPatch, prog: list[Any],
                                      mm: str, option: str, c: bool, while_loops: bool,
                                      via_env: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("gen.c" if c else "gen.py")
        path.write_text(as_c(prog, while_loops) if c else as_python(prog, while_loops))
        ref = run(path, mm, option, None, via_env, monkeypatch)
        assert ref["complete"]
        least = needed(path, mm, option, via_env, monkeypatch)
        at = run(path, mm, option, least, via_env, monkeypatch)
        assert (at["verdict"], at["executions"], at["exit"]) == \
            (ref["verdict"], ref["executions"], ref["exit"])
        if least > 1:
            cut(run(path, mm, option, least - 1, via_env, monkeypatch), option, ref)
        if option == "--max-executions":  # (what it counts: executions and blocked ones)
            counted = ref["executions"] + ref["blocked"]
            # (and the execution a violation stopped, which the report does not count
            # when the run ends there: BUG_ON before any execution ended, 0 counted)
            stopped = ref["verdict"] == "violation"
            assert least == counted or (stopped and least == counted + 1), (least, ref)
