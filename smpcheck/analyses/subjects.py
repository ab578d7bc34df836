"""What an analysis checks again and again: a Python model file, a litmus test or a
KVM design, each behind one call that runs a check and answers with a
:class:`Verdict`.

A Python model or KVM design *holds* when the check finds nothing.  A litmus test
holds when its condition's proposition is never satisfied (``exists`` and
``~exists``: the outcome it names is forbidden, the kernel tests' convention) or
always is (``forall``); two runs differ when herd's Observation differs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import get_model
from smpcheck.records import replace
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Result, Status

Built = tuple[Model, dict[str, Loc]]


@dataclass
class Verdict:
    """One check's answer as an analysis compares it.

    ``holds``: True (the design holds), False (it fails), None (incomplete, nothing
    found).  ``keys``: what tells two runs' answers apart (the findings' kinds and
    places; a litmus test's Observation), complete only if ``complete``.
    ``violation``: the execution to show, if any."""

    mm: str
    result: Result
    model: Model
    holds: bool | None
    keys: frozenset[Any]
    finding: str = ""
    violation: Violation | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.result.complete


class Subject:
    """A design that can be checked under a memory model; ``file`` is what sites in it
    are reported against."""

    name: str = ""
    file: str = ""
    default_mms: tuple[str, ...] = ("sc", "tso", "lkmm")
    per_cpu: bool = False  # sites per CPU (herd's x86 tests: the CPUs share lines)

    def check(self, mm: str, settings: Settings, switches: Mapping[str, str] | None = None
              ) -> Verdict:
        raise NotImplementedError

    def switches(self) -> list[tuple[str, str, str, int]]:
        """Barrier switches: (name, value set, value when weakened, line)."""
        return []


def model_verdict(mm: str, model: Model, result: Result) -> Verdict:
    status = result.status
    holds = {Status.SAFE: True, Status.VIOLATION: False}.get(status)
    first = result.violations[0] if result.violations else None
    return Verdict(mm, result, model, holds, frozenset(v.key() for v in result.violations),
                   f"{first.kind.value}: {first.message}" if first else "", first)


class PythonSubject(Subject):
    """A Python model file (loaded once, checked many times)."""

    def __init__(self, path: str) -> None:
        from smpcheck._rt.loader import load_model

        self.file = path
        self.model, self.names = load_model(path)
        self.name = self.model.name

    def check(self, mm: str, settings: Settings, switches: Mapping[str, str] | None = None
              ) -> Verdict:
        result = verify(self.model, self.names, mm, copy.copy(settings))
        return model_verdict(mm, self.model, result)


class BuiltSubject(Subject):
    """A design built afresh for each check from switch settings (a KVM design's
    scenario): ``build(settings)`` gives its model and named globals; ``barrier_switches``
    lists (name, value set, value when weakened, line in ``file``)."""

    def __init__(self, name: str, file: str, build: Callable[[Mapping[str, str]], Built],
                 barrier_switches: list[tuple[str, str, str, int]],
                 default_mms: tuple[str, ...] = ("sc", "tso")) -> None:
        self.name = name
        self.file = file
        self.build = build
        self.barrier_switches = barrier_switches
        self.default_mms = default_mms

    def check(self, mm: str, settings: Settings, switches: Mapping[str, str] | None = None
              ) -> Verdict:
        model, names = self.build(switches or {})
        return model_verdict(mm, model, verify(model, names, mm, copy.copy(settings)))

    def switches(self) -> list[tuple[str, str, str, int]]:
        return self.barrier_switches


class LitmusSubject(Subject):
    """A litmus test (C or X86)."""

    def __init__(self, path: str) -> None:
        from smpcheck.litmus.run import default_mm, load_litmus

        self.file = path
        self.test, self.text = load_litmus(path)
        self.name = self.test.name
        self.default_mms = (default_mm(self.test),)
        self.per_cpu = default_mm(self.test) == "tso"  # (an X86 test)

    def check(self, mm: str, settings: Settings, switches: Mapping[str, str] | None = None
              ) -> Verdict:
        from smpcheck.litmus.run import run_litmus

        run = run_litmus(self.test, mm, replace(settings), self.text)
        quantifier = self.test.condition.quantifier
        verdict = run.verdict
        holds = None if verdict is None else (
            verdict == "Always" if quantifier == "forall" else verdict == "Never")
        keys = frozenset() if verdict is None else frozenset(
            {verdict, *(f"flag {f}" for f in run.flags)})
        witness = _litmus_witness(run, want=quantifier != "forall")
        out = Verdict(mm, run.result, run.model, holds, keys, f"Observation {verdict}", witness)
        out.extra["run"] = run
        if witness is not None:
            state = next(s for s, g in run.witnesses.items() if g is witness.graph)
            out.finding = (f"{quantifier} ({_prop(run)}): Observation {verdict}, e.g. "
                           f"{run.show_state(state)}")
        elif verdict is not None:
            out.finding = f"{quantifier} ({_prop(run)}): Observation {verdict}"
        return out


def _prop(run: Any) -> str:
    from smpcheck.litmus.translate import render_prop

    return render_prop(run.test.condition.prop)


def _litmus_witness(run: Any, want: bool) -> Violation | None:
    """An execution whose final state satisfies the proposition (``want``) or not."""
    for state in run.sorted_states():
        if state in run.witnesses and run.satisfies(state) == want:
            g = run.witnesses[state]
            return Violation(Kind.CONDITION, f"{run.show_state(state)}", None, None, g)
    return None


def subject_for(target: str) -> Subject:
    """The subject a file names: a ``.litmus`` test, or a Python model file."""
    if target.endswith(".litmus"):
        return LitmusSubject(target)
    return PythonSubject(target)


def memory_model_names(given: list[str] | None, subject: Subject) -> list[str]:
    """The memory models asked for (``--mm`` repeated or comma-separated), checked."""
    names = [m.strip() for item in (given or []) for m in item.split(",") if m.strip()]
    names = names or list(subject.default_mms)
    for name in names:
        get_model(name)
    return list(dict.fromkeys(names))
