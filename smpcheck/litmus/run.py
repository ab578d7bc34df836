"""Checking a litmus test: parse, translate, explore every execution, observe the states.

:func:`check_litmus` runs a test under one memory model and returns a
:class:`LitmusRun`: the explorer's :class:`~smpcheck.results.result.Result` (every
execution, not only up to a first witness), the final states projected on the
locations herd prints, how many executions reach each, and herd's verdict::

    run = check_litmus("SB+poonceonces.litmus", "lkmm")
    run.verdict, run.positive, run.negative      # 'Sometimes', 1, 3
    run.states                                   # {(0, 0): 1, (0, 1): 1, ...}

The default memory model is the LKMM for C tests and x86-TSO for X86 tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from smpcheck.explore.verify import verify
from smpcheck.graph.final import final_state
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.lazy import cached
from smpcheck.litmus.c_macros import Macro
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.syntax import CTest, LitmusError, LocRef, X86Test
from smpcheck.litmus.translate import SourceLines, herd_loc, observed, prop_locations
from smpcheck.litmus.translate_c import translate_c
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import get_model
from smpcheck.models.base import MemoryModel
from smpcheck.records import field, mutable_record, record, replace
from smpcheck.results.findings import Kind
from smpcheck.results.result import Result
from smpcheck.settings import Settings
from smpcheck.text import read_text

LitmusTest = CTest | X86Test
State = tuple[Any, ...]



def translate(test: LitmusTest, text: str | None = None,
              macros: Mapping[str, Macro] | None = None) -> tuple[Model, dict[str, Loc]]:
    """The model of a litmus test and its shared locations by name.

    ``text`` is the file's text (for the source lines of reports); by default
    it is read from ``test.path`` when that file exists.  ``macros`` are the
    functions a C test may call (default :data:`.c_macros.MACROS`)."""
    lines = SourceLines(test.path, text)
    try:
        if isinstance(test, CTest):
            return translate_c(test, lines, macros)
        from smpcheck.litmus.translate_x86 import translate_x86  # (X86 tests alone)

        return translate_x86(test, lines)
    except RecursionError:
        raise LitmusError("the code is nested too deeply to translate", test.path) from None


def default_mm(test: LitmusTest) -> str:
    """``lkmm`` for C tests, ``tso`` for X86 and X86_64 tests."""
    return "lkmm" if isinstance(test, CTest) else "tso"


def load_litmus(path: str | os.PathLike[str]) -> tuple[LitmusTest, str]:
    """Read and parse a litmus file; its tree and its text."""
    text = read_text(path, LitmusError, "litmus file")
    return parse_litmus(text, str(path)), text


@mutable_record
class LitmusRun:
    """One litmus test checked under one memory model."""

    test: LitmusTest
    model: Model
    names: dict[str, Loc]
    mm: str
    result: Result
    observed: list[LocRef]
    states: dict[State, int] = field(default_factory=dict)
    witnesses: dict[State, ExecutionGraph] = field(default_factory=dict)

    @property
    def positive(self) -> int:
        """Executions where the condition's proposition holds."""
        return self.result.positive

    @property
    def negative(self) -> int:
        return self.result.negative

    @property
    def verdict(self) -> str | None:
        """herd's Observation: Never (no execution satisfies the proposition), Always
        (every one does) or Sometimes; None when the run was cut short (no verdict:
        the counts cover only the executions visited)."""
        if not self.result.complete:
            return None
        if self.positive == 0:
            return "Never"
        return "Always" if self.negative == 0 else "Sometimes"

    @property
    def ok(self) -> bool | None:
        """herd's Ok (True) or No (False): whether the condition is validated
        (``exists``: some execution satisfies the proposition; ``~exists``: none does;
        ``forall``: all do); None when the run was cut short."""
        if self.verdict is None:
            return None
        quantifier = self.test.condition.quantifier
        if quantifier == "~exists":
            return self.positive == 0
        return self.positive > 0 if quantifier == "exists" else self.negative == 0

    @property
    def flags(self) -> list[str]:
        """herd's flags: ``data-race`` when some execution has one, and the flags a
        cat model raised (:meth:`~smpcheck.models.base.MemoryModel.flags`)."""
        raced = any(v.kind == Kind.DATA_RACE for v in self.result.violations)
        return sorted(set(self.result.flags) | ({"data-race"} if raced else set()))

    @property
    def findings(self) -> list[str]:
        """Other findings (deadlocks, endless waits, ...), which herd has no line for."""
        return [f"{v.kind.value}: {v.message}" for v in self.result.violations
                if v.kind != Kind.DATA_RACE]

    def show_state(self, state: State) -> str:
        """``0:r0=0; 1:r0=1; [x]=2;`` as herd prints a final state."""
        return " ".join([f"{loc}={value};" for loc, value in zip(self.labels, state,
                                                                  strict=True)])

    @cached
    def labels(self) -> list[str]:
        """The observed locations as herd prints them (``0:r0``, ``[x]``)."""
        return [herd_loc(loc) for loc in self.observed]

    def sorted_states(self) -> list[State]:
        """The final states in herd's order (:func:`state_order`)."""
        if all(type(v) is int for state in self.states for v in state):
            return sorted(self.states)  # (the same order, without a key per state)
        return sorted(self.states, key=state_order)

    def satisfies(self, state: State) -> bool:
        """Whether the condition's proposition holds in executions reaching ``state``."""
        g = self.witnesses[state]
        cond = self.model.condition
        assert cond is not None
        return cond.holds_in(final_state(g, self.model, self.names))


def state_order(state: State) -> tuple[tuple[int, Any], ...]:
    """herd's order of final states: by value, location by location (numbers first)."""
    return tuple([(0, v) if isinstance(v, int) else (1, str(v)) for v in state])


def run_litmus(test: LitmusTest, mm: str | MemoryModel | None = None,
               settings: Settings | None = None, text: str | None = None,
               macros: Mapping[str, Macro] | None = None, keep_witnesses: bool = True
               ) -> LitmusRun:
    """Check a parsed test under ``mm`` (a name, default by the test's kind, or a
    memory model such as a cat model), exploring every execution.  ``macros``
    replaces the C macros of :mod:`.c_macros` (herd mode: those of a .def file).
    ``keep_witnesses`` false keeps no execution per final state (``witnesses`` stays
    empty: herd's text needs none, and a split run makes each again)."""
    memory_model = get_model(mm or default_mm(test)) if not isinstance(mm, MemoryModel) else mm
    model, names = translate(test, text, macros)
    memory_model.observed = observed_locations(test, names)
    if macros is None and text is not None:
        model.recipe = LitmusText(text, test.path)
    settings = replace(settings or Settings(), all_violations=True)
    result = verify(model, names, memory_model, settings, keep_witnesses=keep_witnesses)
    return litmus_run(test, model, names, memory_model.name, result)


@record
class LitmusText:
    """How another process builds a litmus test's model again (-j): from its text."""

    text: str
    path: str

    def build(self, mm: str) -> tuple[Model, dict[str, Loc], MemoryModel]:
        test = parse_litmus(self.text, self.path)
        model, names = translate(test, self.text, None)
        memory_model = get_model(mm)
        memory_model.observed = observed_locations(test, names)
        return model, names, memory_model


def observed_locations(test: LitmusTest, names: dict[str, Loc]) -> frozenset[Loc]:
    """The shared locations whose final values the test reads (condition, filter and
    ``locations``): herd's final writes ``FW`` are theirs."""
    refs = [*test.locations, *prop_locations(test.condition.prop), *prop_locations(test.filter)]
    return frozenset(names[ref.name] for ref in refs if ref.thread is None and ref.name in names)


def litmus_run(test: LitmusTest, model: Model, names: dict[str, Loc], mm: str,
               result: Result) -> LitmusRun:
    """The run of a translated test from the explorer's result: final states projected
    on the locations herd prints."""
    run = LitmusRun(test, model, names, mm, result, observed(test))
    maps: dict[Any, dict[str, Any]] = {}  # (a CPU's part of a key is one of few)
    for key, count in result.outcomes.items():
        state = _project(key, run.observed, maps)
        run.states[state] = run.states.get(state, 0) + count
        if key in result.witnesses:
            run.witnesses.setdefault(state, result.witnesses[key])
    return run


def check_litmus(path: str | os.PathLike[str], mm: str | MemoryModel | None = None,
                 settings: Settings | None = None) -> LitmusRun:
    """Parse, translate and check a litmus file."""
    test, text = load_litmus(path)
    return run_litmus(test, mm, settings, text)


def _project(key: tuple[Any, ...], locs: list[LocRef], maps: dict[Any, dict[str, Any]]
             ) -> State:
    """The values of ``locs`` in a final state (:meth:`FinalState.key` layout); ``maps``
    remembers each part of a key as a dict."""
    regs, mem = key
    reg_maps = [maps.get(r) or maps.setdefault(r, dict(r)) for r in regs]
    memory = maps.get(mem) or maps.setdefault(mem, dict(mem))
    out = []
    for loc in locs:
        value = memory.get(loc.name) if loc.thread is None else reg_maps[loc.thread].get(loc.name)
        out.append(0 if value == "NULL" or value is None else value)
    return tuple(out)
