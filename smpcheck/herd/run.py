"""Running litmus tests the way herd7 does: under cat models, with a .def file's macros.

:class:`HerdSession` holds what the options chose -- the cat model for C
tests (from ``-conf``/``-model``/``-bell``/``-variant``) and the macros of
the ``-macros`` file -- and :meth:`HerdSession.run` checks one litmus file
with the explorer under that model::

    session = HerdSession(parse_options(["-conf", "linux-kernel.cfg"]))
    outcome = session.run("SB+poonceonces.litmus")
    outcome.run.verdict, outcome.run.flags, outcome.graphs

X86 tests use ``-model`` when given, else smpcheck's ``x86tso.cat`` (herd's
default for X86 is its x86-TSO model).  C tests need a model: herd mode has
no built-in one.  Models and macro files are loaded once per session.
"""

from __future__ import annotations

import os
from typing import Any

from smpcheck.cat import load_model, read_defs
from smpcheck.errors import UsageError
from smpcheck.explore.checks import Checker
from smpcheck.explore.verify import Settled, verify
from smpcheck.graph.final import final_state
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.herd.config import HerdOptions, find_file
from smpcheck.herd.defmacros import def_macros
from smpcheck.litmus.c_macros import Macro
from smpcheck.litmus.run import (
    LitmusRun,
    LitmusTest,
    litmus_run,
    load_litmus,
    observed_locations,
    translate,
)
from smpcheck.litmus.syntax import CTest
from smpcheck.model.model import Model
from smpcheck.models.cat import CatMemoryModel
from smpcheck.models.cat_probes import WHERE_USED, allowed, matters
from smpcheck.records import field, mutable_record
from smpcheck.results.result import Result
from smpcheck.settings import Settings

X86_DEFAULT_MODEL = "x86tso.cat"
BATCH = 1024  # complete executions per run of the cat model (as fast as 4096, less memory)


@mutable_record
class HerdOutcome:
    """One litmus file checked: the run, whether -speedcheck settled it early, the
    graphs to draw.  Whether a bound cut it short is ``run.result.complete``."""

    run: LitmusRun
    settled_early: bool = False
    graphs: list[tuple[ExecutionGraph, bool]] = field(default_factory=list)  # (graph, prop)


def _kind(test: LitmusTest) -> str:
    """The kind of test a model is loaded for: C, or anything else (herd's X86)."""
    return "C" if isinstance(test, CTest) else "X86"


class HerdSession:
    """The models and macros herd's options select, loaded on first use."""

    def __init__(self, opts: HerdOptions) -> None:
        self.opts = opts
        self._models: dict[str, CatMemoryModel] = {}
        self._macros: dict[str, Macro] | None = None
        # kind of test -> the probes its model allows that matter only where a test's
        # executions have what they need (smpcheck.models.cat_probes.matters)
        self._allowed: dict[str, list[str]] = {}

    def model_for(self, test: LitmusTest) -> CatMemoryModel:
        """The cat model a test runs under (loaded once per kind of test)."""
        key = _kind(test)
        is_c = key == "C"
        hit = self._models.get(key)
        if hit is not None:
            return hit
        name = self.opts.model
        if name is None and is_c:
            raise UsageError("no model for C litmus tests: give -conf linux-kernel.cfg or "
                             "-model FILE.cat", test.path)
        try:
            cat = load_model(name or X86_DEFAULT_MODEL, self.opts.search_path, self.opts.bell,
                             self.opts.variants)
        except UsageError as exc:
            if exc.path is not None:
                raise
            bell = self.opts.bell
            attr = "bell" if bell is not None and repr(str(bell)) in exc.message else "model"
            path, line = self.opts.origin(attr)
            raise UsageError(exc.message, path, line) from None
        shapes = allowed(cat) if is_c else []
        always = [shape for shape in shapes if shape not in WHERE_USED]
        if always:
            raise _unsupported(always[0], cat.path)
        mm = CatMemoryModel(cat, os.path.basename(cat.path))
        self._models[key] = mm
        self._allowed[key] = shapes
        return mm

    def macros_for(self, test: LitmusTest) -> dict[str, Macro] | None:
        """The -macros file's macros for C tests (None: smpcheck's kernel API names)."""
        if not isinstance(test, CTest) or self.opts.macros is None:
            return None
        if self._macros is None:
            try:
                path = find_file(self.opts.macros, self.opts.search_path, "macro file")
            except UsageError as exc:
                where, line = self.opts.origin("macros")
                raise UsageError(exc.message, where, line) from None
            self._macros = def_macros(read_defs(path), path)
        return self._macros

    def run(self, path: str | os.PathLike[str]) -> HerdOutcome:
        """Check one litmus file under the session's model."""
        test, text = load_litmus(path)
        mm = self.model_for(test)
        model, names = translate(test, text, self.macros_for(test))
        mm.observed = observed_locations(test, names)
        # Complete executions are judged in batches (smpcheck.cat.batch), except under
        # -speedcheck, which wants each verdict as soon as its execution is found.
        batch = 1 if self.opts.speedcheck != "false" else BATCH
        settings = Settings.from_environment(timeout=self.opts.timeout, all_violations=True,
                                             batch=batch, loop_bound=self.opts.unroll)
        watches: list[_Watch] = []

        allowed_here = self._allowed.get(_kind(test), [])  # (none but for C tests)

        def watch(checker: Checker) -> _Watch:
            watches.append(_Watch(self.opts, model, names, checker, allowed_here))
            return watches[-1]

        # herd's output draws no per-state tables: no witness graph per final state
        # (they held 8 KB per state: 780 MB on the 16-CPU ring)
        result = verify(model, names, mm, settings, judge=watch, keep_witnesses=False,
                        subject="test")
        if watches[0].matters is not None:
            raise _unsupported(watches[0].matters, mm.model.path,
                               " (this test's executions may have one)")
        return HerdOutcome(litmus_run(test, model, names, mm.name, result),
                           watches[0].settled, watches[0].graphs)


def _unsupported(shape: str, model: str, why: str = "") -> UsageError:
    """A model smpcheck's explorer cannot judge (smpcheck.models.cat_probes)."""
    return UsageError(f"not supported: the model allows {shape}{why}, which smpcheck's "
                      "explorer never builds (it explores coherent executions with atomic "
                      "RMWs and keeps the kernel model's program order): it would miss "
                      "executions the model allows", model)


class _Watch:
    """Judges each complete execution; keeps graphs for -show; stops for -speedcheck."""

    def __init__(self, opts: HerdOptions, model: Model, names: dict[str, Any],
                 checker: Checker, allowed: list[str]) -> None:
        self.opts = opts
        self.model = model
        self.names = names
        self.checker = checker
        self.show = opts.show if opts.show != "none" or not opts.gv else "prop"
        self.graphs: list[tuple[ExecutionGraph, bool]] = []
        self.settled = False
        self.allowed = allowed  # probes the model allows, which matter where used
        self.matters: str | None = None  # the first that matters to an execution seen

    def reset(self) -> None:
        """Forget what was judged (the explorer starts another pass)."""
        self.checker.reset()
        self.graphs.clear()

    def __call__(self, g: ExecutionGraph, result: Result) -> None:
        self.checker(g, result)
        if self.allowed and self.matters is None:
            self.matters = next((s for s in self.allowed if matters(s, g)), None)
        cond = self.model.condition
        if cond is None:
            return
        if self.show != "none":
            holds = cond.holds_in(final_state(g, self.model, self.names))
            if _shown(self.show, cond.quantifier, holds):
                self.graphs.append((g.copy(), holds))
        if self.opts.speedcheck != "false" and _settled(cond.quantifier, result):
            self.settled = True
            raise Settled


def _shown(show: str, quantifier: str, holds: bool) -> bool:
    if show == "all":
        return True
    if show == "prop":
        return holds
    if show == "neg":
        return not holds
    return holds != (quantifier == "~exists") if quantifier != "forall" else not holds


def _settled(quantifier: str, result: Result) -> bool:
    """Whether the condition's Ok/No is known from the executions seen so far."""
    if quantifier == "forall":
        return result.negative > 0
    return result.positive > 0
