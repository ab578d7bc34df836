"""One exploration in this process: every execution under a memory model, each judged.

What smpcheck cannot see or repeat is an error, not a verdict.  While a model is
checked:

* calls of known sources of nondeterminism from CPU code are refused
  (:mod:`smpcheck._rt.nondet`);
* each CPU is re-run from scratch once for every new sequence of values it was
  given in a complete execution, and must ask for the same events and return the
  same registers (this catches sources that cannot be refused, such as ``id()``
  or the order of a set of objects, whenever they make a difference in the re-run);
* the Python state model code can reach is fingerprinted before and compared after
  re-runs and at the end (:mod:`smpcheck._rt.pystate`);
* the timeout holds inside pure-Python model code, and a CPU that runs too long
  without reaching a kernel primitive is stopped (:mod:`smpcheck._rt.watchdog`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Protocol

from smpcheck._rt.pystate import PythonState, Root, trace_run
from smpcheck._rt.rewritten import engine_made, model_modules
from smpcheck._rt.runtime import (
    IRQ_HANDLERS,
    Diverged,
    ModelMisuse,
    ModelRaised,
    OpCache,
    Stop,
)
from smpcheck._rt.watchdog import Watchdog, interrupts
from smpcheck.collector import fewer_collections
from smpcheck.errors import UsageError
from smpcheck.explore.checks import Checker
from smpcheck.explore.explorer import Explorer
from smpcheck.explore.replay import Guide, rerun
from smpcheck.graph.events import NO_SOURCE, Source
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import MemoryModel
from smpcheck.records import field, mutable_record
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result
from smpcheck.settings import Settings

if TYPE_CHECKING:  # (imported by -j: not by every run)
    from smpcheck.explore.split import Split


class Judge(Protocol):
    """What judges each complete execution (the :class:`Checker`, or an observer
    wrapped around it): called with the graph and the result so far; ``reset`` when
    the explorer starts another pass."""

    def __call__(self, g: ExecutionGraph, result: Result) -> None: ...

    def reset(self) -> None: ...


class Settled(Exception):  # (a signal, not an error)
    """Raised by a :class:`Judge` when the run need go no further (herd's -speedcheck:
    the condition's verdict is known): exploring stops and the result holds what was
    seen."""


def explore(model: Model, globals_: dict[str, Loc] | None, memory_model: MemoryModel,
            s: Settings, progress: Callable[[Result], None] | None = None,
            guide: Guide | None = None, split: Split | None = None, *,
            judge: Callable[[Checker], Judge] | None = None, keep_witnesses: bool = True,
            subject: str = "model",
            on_violation: Callable[[Violation], None] | None = None,
            carried: Carried | None = None
            ) -> tuple[Result, Explorer, Checker]:
    """One exploration (of the part of the tree ``split`` names, if given), every
    execution judged, without the conclusions drawn at the end (Checker.finish);
    ``carried``: what the explorations of one run's parts in one process share; the
    other arguments as :func:`verify`'s."""
    result = Result(model.name, memory_model.name)
    result.bound = (f"{len(model.cpus)} CPUs, the model's objects, other loops than "
                    f"spin waits at most {s.loop_bound} iterations")
    if any(IRQ_HANDLERS.get(fn) for fn in model.cpus):
        n = s.irq_bound
        result.bound += f", at most {n} interrupt{'' if n == 1 else 's'} per CPU (--irq-bound)"
    explorer = Explorer(model.cpus, memory_model, s, on_progress=progress, guide=guide,
                        split=split, on_violation=on_violation, latent=model.latent,
                        ops=None if carried is None else carried.ops)
    checker = Checker(model, memory_model, globals_ or {}, explorer.report,
                      keep_witnesses=keep_witnesses)
    judging: Judge = checker if judge is None else judge(checker)
    modules = model_modules(model.cpus)
    recheck = Recheck(model, s, PythonState(modules, model.cpus), judging,
                      None if carried is None else carried.rechecked,
                      None if carried is None else carried.fresh)
    explorer.on_complete = recheck
    explorer.on_restart = judging.reset
    start = time.monotonic()
    try:
        with ExitStack() as guards:
            if not all(engine_made(fn) for fn in model.cpus):  # (model code may call them)
                from smpcheck._rt.nondet import refusing_nondeterminism

                guards.enter_context(refusing_nondeterminism(modules + _own_modules(model)))
            guards.enter_context(interrupts())
            guards.enter_context(fewer_collections())
            try:
                with Watchdog(s.timeout):
                    explorer.explore(result)
            except Stop as exc:
                result.cut(exc.cut)
                result.elapsed_s = time.monotonic() - start
            except Settled:
                result.elapsed_s = time.monotonic() - start
            recheck.check_state(None)
    except Diverged as exc:
        changed = recheck.state_error()  # (a change of Python state says more)
        if changed is not None:
            raise _usage(changed, model, s) from None
        if exc.tid is not None and engine_made(model.cpus[exc.tid]):
            raise UsageError(f"{exc}; the litmus interpreter is not deterministic",
                             model.path) from None
        path, line = _divergence_site(exc, model)
        raise UsageError(f"nondeterministic model: {exc}; a CPU function must do the same "
                         "thing every time it is given the same values (no module-level "
                         "Python state that changes, no randomness)", path, line) from None
    except ModelRaised as exc:
        raise UsageError(f"the {subject} raised {exc}", exc.src.path, exc.src.line) from None
    except ModelMisuse as exc:
        raise _usage(exc, model, s) from None
    except UsageError as exc:
        if exc.path is not None and not exc.path.startswith("<"):
            raise
        raise UsageError(exc.message, model.path, model.condition_line) from None
    return result, explorer, checker


@mutable_record
class Carried:
    """What the explorations of one run's parts share in one process (-j's units, the
    probe), as one exploration keeps it throughout: the values each CPU was re-run on
    (:class:`Recheck`: a CPU re-run once on each) and the CPUs' op caches
    (:class:`OpCache`: a CPU run once for each history).  ``fresh``: each (CPU, values)
    re-run here, in order (-j passes them to the other processes, which then need not
    re-run them: :func:`~smpcheck.explore.units.learn`)."""

    rechecked: list[set[Any]]
    ops: OpCache = field(default_factory=OpCache)
    fresh: list[tuple[int, Any]] = field(default_factory=list)


class Recheck:
    """Before each complete execution is judged: re-runs, from scratch, each CPU given a
    sequence of values no earlier execution gave it (a deterministic CPU asks for the
    same events and returns the same registers), and now and then compares the Python
    state model code can reach with what it was."""

    def __init__(self, model: Model, settings: Settings, state: PythonState,
                 judge: Callable[[ExecutionGraph, Result], None],
                 seen: list[set[Any]] | None = None,
                 fresh: list[tuple[int, Any]] | None = None) -> None:
        self.cpus = model.cpus
        self.fresh = fresh  # (each values re-run are noted here too, if given)
        self.settings = settings
        self.state = state
        self.judge = judge
        # smpcheck's own CPU functions (the litmus interpreters') are not re-run
        self.plain = [tid for tid, fn in enumerate(model.cpus) if not engine_made(fn)]
        self.seen = seen if seen is not None else [set() for _ in model.cpus]  # values given
        self.previous: list[Any] = [None for _ in model.cpus]  # its events last time
        self.reruns = 0
        self.next_state_check = 1  # state checks after re-runs 1, 2, 4, 8...
        self.last: ExecutionGraph | None = None

    def __call__(self, g: ExecutionGraph, result: Result) -> None:
        new = [tid for tid in self.plain if self._new_values(g, tid)]
        if new:
            self.last = g
            s = self.settings
            rerun(self.cpus, g, s.loop_bound, s.max_events, new, s.irq_bound)
            self.reruns += 1
            if self.reruns >= self.next_state_check:
                self.next_state_check *= 2
                self.check_state(g)
        self.judge(g, result)

    def _new_values(self, g: ExecutionGraph, tid: int) -> bool:
        """Whether CPU ``tid`` was given values in ``g`` it was not given before."""
        # The same event objects give the same values (a read's source is set when the
        # read is made), and graphs copied from one another share them: many executions
        # are settled by comparing a CPU's events with the previous execution's.
        t = g.threads[tid]
        if t == self.previous[tid]:  # (by identity: Event has no __eq__)
            return False
        self.previous[tid] = t
        try:
            value = g.read_value
            key = tuple([(type(v), v) for v in
                         [value(ev.id) for ev in t if ev is not None and ev.kind == "R"]])
            if key in self.seen[tid]:
                return False
            self.seen[tid].add(key)
            if self.fresh is not None:
                self.fresh.append((tid, key))
        except TypeError:  # (an unhashable value: re-run it every time)
            pass
        return True

    def check_state(self, g: ExecutionGraph | None) -> None:
        """Raise the usage error if model code changed Python state it can reach."""
        error = self.state_error(g)
        if error is not None:
            raise error

    def state_error(self, g: ExecutionGraph | None = None) -> ModelMisuse | None:
        """The usage error for a change of the Python state model code can reach, if
        any; the line that made it is looked for by re-running the CPUs against ``g``
        (else the last execution that gave a CPU new values), traced."""
        root = self.state.changed()
        if root is None:
            return None
        g = g or self.last
        found = self._find_change(root, g) if g is not None else None
        return self.state.error(root, *(found or (None, None)))

    def _find_change(self, root: Root, g: ExecutionGraph) -> tuple[Source, str] | None:
        found: list[tuple[Source, str]] = []
        s = self.settings
        trace_run(lambda: rerun(self.cpus, g, s.loop_bound, s.max_events, None, s.irq_bound),
                  self.state.tracer(root, found))
        return found[0] if found else None


def _usage(exc: ModelMisuse, model: Model, s: Settings) -> UsageError:
    src = _return_site(exc, model, s) or exc.src
    return UsageError(exc.message, None if src is NO_SOURCE else src.path, src.line or None,
                      exc.column)


def _own_modules(model: Model) -> list[Any]:
    """The modules defining the CPU functions (whose names for random.randint and the
    like are guarded too, rewritten by the loader or not)."""
    import sys

    names = {getattr(fn, "__module__", None) for fn in model.cpus if not engine_made(fn)}
    return [sys.modules[n] for n in sorted(n for n in names if n in sys.modules)]


def _return_site(exc: ModelMisuse, model: Model, s: Settings) -> Source | None:
    """For registers a CPU cannot return: the line of its ``return``, found by re-running
    it traced against the execution it returned in."""
    where = exc.returned_in
    if where is None:
        return None
    g, tid = where
    code = getattr(model.cpus[tid], "__code__", None)
    lines: list[Source] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code:
            return None
        if event == "return":
            path, line = code.co_filename, frame.f_lineno
            lines.append(Source(path, line, "", code.co_name))
        return tracer

    trace_run(lambda: rerun(model.cpus, g, s.loop_bound, s.max_events, [tid], s.irq_bound),
              tracer)
    return lines[-1] if lines else None


def _divergence_site(exc: Diverged, model: Model) -> tuple[str, int | None]:
    """The model line that asked for a different event, else the CPU function's ``def``."""
    if exc.src is not NO_SOURCE:
        return exc.src.path, exc.src.line
    code = getattr(model.cpus[exc.tid], "__code__", None) if exc.tid is not None else None
    if code is None:
        return model.path, None
    return code.co_filename, code.co_firstlineno
