"""smpcheck in a kernel developer's own test suite: :func:`assert_safe`.

::

    import pytest
    from smpcheck.testing import assert_safe

    @pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
    def test_handshake(mm):
        assert_safe("models/handshake.py", mm=mm, loop_bound=4, switches={"FENCE": "smp_mb"})

A violation raises ``AssertionError`` whose message is the report ``smpcheck check``
prints: the finding and its CPU-column table.  A run a bound cut short raises too
(it has no verdict, so it never passes), with a message that says which bound and
how to lift it.  A litmus file passes when its outcome is the one it states: the
kernel's `` * Result: Never|Sometimes|Always`` comment when it has one (herd's
Observation), else herd's ``Ok`` for its condition.

The pytest plugin (:mod:`smpcheck.pytest_plugin`) collects ``*.litmus`` files and
model files marked ``SMPCHECK_TEST = True`` through the same functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smpcheck.model.model import Model
from smpcheck.records import field_names
from smpcheck.results.result import Result
from smpcheck.settings import Settings


def assert_safe(model_or_path: Model | str | os.PathLike[str], mm: str | None = None, *,
                names: Mapping[str, Any] | None = None,
                switches: Mapping[str, str] | None = None, width: int = 80,
                **settings: Any) -> Any:
    """Check a model (a :class:`Model`, a model file ``*.py`` or a litmus file
    ``*.litmus``) under ``mm`` and raise ``AssertionError`` unless the run is complete
    and safe (for a litmus file: its stated outcome).  ``settings``: the bounds of
    :class:`Settings` (``max_executions``, ``timeout``, ``loop_bound``, ``max_events``);
    ``switches``: the model's switches (a C file's macros), as ``-D NAME=VALUE``.  Returns
    the result (a :class:`Result`, or the litmus run) for further checks."""
    s = _settings(settings)
    if isinstance(model_or_path, Model):
        if switches:
            raise TypeError("assert_safe(): switches= set a model file's switches; a Model "
                            "is already built")
        return _check_model(model_or_path, dict(names or _globals_of(model_or_path)),
                            mm or "sc", s, width)
    path = os.fspath(model_or_path)
    if path.endswith(".litmus"):
        return assert_litmus(path, mm, s, width)
    from smpcheck.c import FileDesign

    model, found = FileDesign(path).build(None, switches or {})
    return _check_model(model, found, mm or "sc", s, width)


def _settings(given: Mapping[str, Any]) -> Settings:
    known = set(field_names(Settings))
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(f"assert_safe() got an unknown setting {unknown[0]!r} "
                        f"(settings: {', '.join(sorted(known))})")
    return Settings(**given)


def _globals_of(model: Model) -> dict[str, Any]:
    """The named global locations of the module that defines the model's CPUs."""
    import sys

    from smpcheck.model.objects import name_globals

    mod = sys.modules.get(getattr(model.cpus[0], "__module__", "") if model.cpus else "")
    return name_globals(dict(vars(mod))) if mod is not None else {}


def _check_model(model: Model, names: dict[str, Any], mm: str, s: Settings,
                 width: int) -> Result:
    from smpcheck.explore.verify import verify
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.results.result import Status

    result = verify(model, names, mm, s)
    if result.verdict != Status.SAFE:
        text = render_result(result, model, get_model(mm), True, width, options=_options())
        raise AssertionError(_headline(result.verdict is None) + text)
    return result


def _headline(incomplete: bool) -> str:
    if incomplete:
        return "incomplete: a bound cut the run short, so there is no verdict (not safe)\n\n"
    return ""


def _options() -> dict[Any, str]:
    from smpcheck.results.result import Limit

    return {Limit.MAX_EXECUTIONS: "max_executions=", Limit.TIMEOUT: "timeout=",
            Limit.LOOP_BOUND: "loop_bound=", Limit.MAX_EVENTS: "max_events="}


def expected_outcome(run: Any) -> tuple[bool, str]:
    """Whether a litmus run shows the outcome its file states, and what that is."""
    expected = getattr(run.test, "expected", None)
    if expected is not None:
        return run.verdict == expected, f"Result: {expected} (the file's comment)"
    return bool(run.ok), f"Ok: the condition {run.test.condition.quantifier} holds"


def assert_litmus(path: str | Path, mm: str | None = None, settings: Settings | None = None,
                  width: int = 80) -> Any:
    """Check a litmus file; raise ``AssertionError`` (herd's output and a table of an
    execution that contradicts the expectation) unless its outcome is the stated one."""
    from smpcheck.litmus.run import load_litmus, run_litmus
    from smpcheck.report.herd import herd_text

    test, text = load_litmus(path)
    run = run_litmus(test, mm, settings or Settings(), text)
    herd = herd_text(run, _options())
    if not run.result.complete:
        raise AssertionError(_headline(True) + herd)
    good, wanted = expected_outcome(run)
    if not good:
        raise AssertionError(f"{run.test.name} under {run.mm}: expected {wanted}, got "
                             f"{run.verdict}\n\n{herd}{_witness(run, width)}")
    return run


def _witness(run: Any, width: int) -> str:
    """The table of an execution whose final state the expectation rules out: one that
    does not satisfy the proposition when every execution should, else one that does."""
    from smpcheck.models import get_model
    from smpcheck.report.table import render_table, rows_for
    from smpcheck.results.findings import Kind, Violation

    states = run.sorted_states()
    hits = [s for s in states if run.satisfies(s) and s in run.witnesses]
    misses = [s for s in states if not run.satisfies(s) and s in run.witnesses]
    expected = getattr(run.test, "expected", None)
    every = expected == "Always" or (expected is None
                                     and run.test.condition.quantifier == "forall")
    pick = (misses or hits) if every else (hits or misses)
    if not pick:
        return ""
    state = pick[0]
    v = Violation(Kind.CONDITION, "", None, None, run.witnesses[state])
    return (f"\nAn execution under {run.mm} reaching {run.show_state(state)}:\n\n"
            + render_table(rows_for(v, get_model(run.mm)), run.model.cpu_names, width) + "\n")


__all__ = ["assert_litmus", "assert_safe", "expected_outcome"]
