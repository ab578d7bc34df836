"""Small-scope sweeps: every scenario of a :class:`~smpcheck.model.scenarios.Sweep` up to
a bound, each checked exhaustively, the findings merged.

A scenario is an initial state and, for each CPU, a sequence of at most
``max_ops`` calls of the sweep's operations.  Duplicates are removed before
anything runs: initial states that build the same memory with the same calls
(only the first is kept), and CPU permutations (CPUs that may run the same
operations are interchangeable, so only the scenarios whose sequences are in
order among such CPUs are kept).  Each scenario is checked like a model file
(every execution, all violations); its findings are merged by kind and code
location, each kept with the smallest scenario that shows it (fewest calls,
then shortest sequences, then fewest CPUs).

Scenarios run on ``jobs`` worker processes (spawned: each worker loads the
sweep again from its :class:`Source`, a file path or a module function).  The
answer is a violation if anything was found, else incomplete if any scenario
was cut short (it is never "safe" then), else safe for the bound.
"""

from __future__ import annotations

import importlib
import itertools
import math
import multiprocessing
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from smpcheck.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION, UsageError
from smpcheck.explore.explorer import Settings
from smpcheck.model.model import FinalState, Model
from smpcheck.model.objects import Ref
from smpcheck.model.scenarios import Call, Scenario, Sweep, collect
from smpcheck.records import replace
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Limit


@dataclass(frozen=True)
class Source:
    """Where a worker finds the sweep again: a model file (``path``), or a module's
    function called with ``args`` (``module``, ``function``)."""

    path: str | None = None
    module: str | None = None
    function: str | None = None
    args: tuple[tuple[str, str], ...] = ()


_LOADED: dict[Source, Sweep] = {}


def load(source: Source) -> Sweep:
    """The sweep ``source`` names (loaded once per process)."""
    sweep = _LOADED.get(source)
    if sweep is not None:
        return sweep
    if source.path is not None:
        from smpcheck._rt.loader import exec_module

        mod = exec_module(source.path)
        sweep = collect(vars(mod), source.path)
    else:
        mod = importlib.import_module(str(source.module))
        sweep = getattr(mod, str(source.function))(dict(source.args))
        sweep.validate()
    _LOADED[source] = sweep
    return sweep


# -- enumeration --------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """A scenario by indices: initial state, and for each CPU its calls (indices into
    the calls the state allows, in :func:`calls_of`'s order)."""

    state: int
    cpus: tuple[tuple[int, ...], ...]

    @property
    def size(self) -> tuple[int, int, int]:
        lengths = [len(s) for s in self.cpus]
        return sum(lengths), max(lengths, default=0), sum(1 for n in lengths if n)


@dataclass
class Plan:
    """What a sweep will run: the scenarios, and what was removed as duplicates."""

    scenarios: list[Planned]
    states: list[str]                         # initial state names, by index
    duplicate_states: list[tuple[str, str]]   # (dropped, same as)
    calls: dict[int, list[str]]               # state index -> call labels
    before_symmetry: int = 0                  # scenarios counting CPU permutations


def calls_of(sweep: Sweep, state: Mapping[str, Any]) -> list[Call]:
    """Every call the sweep's operations can make on ``state``, in declaration order."""
    return [c for op in sweep.operations for c in op.calls(state)]


def plan(sweep: Sweep, max_ops: int) -> Plan:
    """The scenarios of ``sweep`` with at most ``max_ops`` calls per CPU, duplicates
    removed (see the module docstring)."""
    out = Plan([], [s.name for s in sweep.initial_states], [], {})
    seen: dict[Any, str] = {}
    for index, initial in enumerate(sweep.initial_states):
        state = initial.build()
        calls = calls_of(sweep, state)
        key = state_key(state, calls)
        if key in seen:
            out.duplicate_states.append((initial.name, seen[key]))
            continue
        seen[key] = initial.name
        too_many(sweep.cpus, calls, max_ops, initial.name)
        out.calls[index] = [c.label for c in calls]
        for cpus in sequences(sweep.cpus, calls, max_ops):
            out.scenarios.append(Planned(index, cpus))
        out.before_symmetry += count_unreduced(sweep.cpus, calls, max_ops)
    out.scenarios.sort(key=order)
    return out


MAX_SCENARIOS = 1_000_000


def too_many(ncpus: int, calls: list[Call], max_ops: int, name: str) -> None:
    """A usage error before enumerating a bound no sweep could finish."""
    kinds, limit = len(calls), MAX_SCENARIOS * math.factorial(ncpus)
    if kinds <= 1:
        per_cpu = 1 if kinds == 0 else max_ops + 1
    else:  # sequences of n calls, n = 0..max_ops, summed only while within the limit
        per_cpu = term = 1  # (a huge --max-ops must not take forever to refuse)
        for _ in range(max_ops):
            if per_cpu ** ncpus > limit:
                break
            term *= kinds
            per_cpu += term
    about = per_cpu ** ncpus // math.factorial(ncpus)
    if about > MAX_SCENARIOS:
        raise UsageError(f"--max-ops {max_ops} gives about {about:,} "
                         f"scenarios from initial state {name} ({len(calls)} operations on "
                         f"{ncpus} CPUs): lower --max-ops")


def state_key(state: Mapping[str, Any], calls: list[Call]) -> Any:
    """Equal for initial states that build the same memory and allow the same calls."""
    from smpcheck._rt.loader import name_globals

    locs = name_globals(dict(state))
    memory = tuple(sorted((name, str(loc.obj.init_value(loc.path)), loc.obj.heap)
                          for name, loc in locs.items()))
    return memory, tuple(c.label for c in calls)


def allowed(calls: list[Call], cpu: int) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(calls) if c.op.cpus is None or cpu in c.op.cpus)


def sequences(ncpus: int, calls: list[Call], max_ops: int
              ) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Each CPU's sequence, one representative per CPU permutation: among CPUs allowed
    the same calls, the sequences are in a fixed order (busiest first)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for cpu in range(ncpus):
        groups.setdefault(allowed(calls, cpu), []).append(cpu)
    per_group = []
    for can, members in groups.items():
        seqs = [s for n in range(max_ops, -1, -1) for s in itertools.product(can, repeat=n)]
        per_group.append((members, list(itertools.combinations_with_replacement(
            seqs, len(members)))))
    once = {i for i, c in enumerate(calls) if c.op.once}
    for choice in itertools.product(*(options for _, options in per_group)):
        cpus: list[tuple[int, ...]] = [()] * ncpus
        for (members, _), seqs_ in zip(per_group, choice, strict=True):
            for cpu, seq in zip(members, seqs_, strict=True):
                cpus[cpu] = seq
        if valid(cpus, once):
            yield tuple(cpus)


def valid(cpus: list[tuple[int, ...]], once: set[int]) -> bool:
    """Some CPU does something, and no ``once`` call runs twice."""
    flat = [i for seq in cpus for i in seq]
    return bool(flat) and all(flat.count(i) <= 1 for i in once)


def count_unreduced(ncpus: int, calls: list[Call], max_ops: int) -> int:
    """Scenarios before the CPU-permutation reduction (for the report)."""
    once = {i for i, c in enumerate(calls) if c.op.once}
    per_cpu = [[s for n in range(max_ops + 1) for s in itertools.product(allowed(calls, c),
                                                                          repeat=n)]
               for c in range(ncpus)]
    return sum(1 for cpus in itertools.product(*per_cpu) if valid(list(cpus), once))


# -- building and checking one scenario -------------------------------------------------------
def build(sweep: Sweep, planned: Planned) -> tuple[Model, dict[str, Any], Scenario]:
    """A fresh model of ``planned``: one CPU function per CPU running its calls."""
    from smpcheck._rt.loader import name_globals

    state = sweep.initial_states[planned.state].build()
    calls = calls_of(sweep, state)
    scenario = Scenario(sweep.initial_states[planned.state].name,
                        tuple(tuple(calls[i] for i in seq) for seq in planned.cpus), state)
    runners = [cpu_function(seq, state, sweep) for seq in scenario.cpus]
    extra = sweep.prepare(state, runners) if sweep.prepare else {}
    check = final_check(sweep.check, scenario) if sweep.check else None
    names = [", ".join(c.label for c in seq) or "idle" for seq in scenario.cpus]
    model = Model(f"{sweep.name} [{scenario.describe()}]", runners, forall=check,
                  cpu_names=names, path=sweep.path, description=sweep.description)
    objects = {k: v for k, v in {**state, **extra}.items() if isinstance(v, Ref)}
    return model, name_globals(objects), scenario


def cpu_function(seq: tuple[Call, ...], state: dict[str, Any], sweep: Sweep
                 ) -> Callable[[], Any]:
    """A CPU running ``seq`` in order; its registers: each call's result (``rK``, or a
    dict merged in) and the sweep's ``registers()``."""

    def cpu() -> Any:
        regs: dict[str, Any] = {}
        for k, call in enumerate(seq):
            got = call.run(state)
            if isinstance(got, dict):
                regs.update(got)
            elif got is not None:
                regs[f"r{k}"] = got
        if sweep.registers is not None:
            regs.update(sweep.registers())
        return regs

    # The model's own module: the checks of Python state and nondeterminism look there.
    cpu.__module__ = seq[0].op.fn.__module__ if seq else sweep.operations[0].fn.__module__
    cpu.__qualname__ = cpu.__name__ = "_".join(c.op.name for c in seq) or "idle"
    return cpu


def final_check(check: Callable[[FinalState, Scenario], Any], scenario: Scenario
                ) -> Callable[[FinalState], Any]:
    def holds(final: FinalState) -> Any:
        return check(final, scenario)

    holds.__doc__ = " ".join(str(check.__doc__ or getattr(check, "__name__", "check")).split())
    return holds


@dataclass(frozen=True)
class Job:
    """One scenario for a worker: everything it needs, picklable."""

    source: Source
    planned: Planned
    mm: str
    settings: Settings
    options: Mapping[Limit, str]
    width: int
    deadline: float | None = None  # (time.time() when the sweep's --timeout runs out)


def run_job(job: Job) -> dict[str, Any]:
    """Check one scenario; a summary that crosses processes (plain data, rendered).
    The sweep's --timeout bounds the whole sweep: a scenario gets the time left, and
    one that starts after it ran out is cut at once (and so incomplete)."""
    from smpcheck.explore.verify import verify

    start = time.process_time()
    where = ""
    try:
        sweep = load(job.source)
        model, names, scenario = build(sweep, job.planned)
        where = f" (in the scenario: {scenario.describe()})"
        settings = job.settings
        if job.deadline is not None:
            settings = replace(settings, timeout=max(job.deadline - time.time(), 1e-6))
        result = verify(model, names, job.mm, settings)
        if job.settings.timeout is not None:  # (the cut names the sweep's --timeout)
            result.incomplete = [replace(c, value=job.settings.timeout)
                                 if c.limit == Limit.TIMEOUT else c for c in result.incomplete]
        return summary(job, model, scenario, result, time.process_time() - start)
    except UsageError as exc:
        return {"planned": job.planned,
                "error": [exc.message + where, exc.path, exc.line, exc.column]}


def summary(job: Job, model: Model, scenario: Scenario, result: Any, seconds: float
            ) -> dict[str, Any]:
    from smpcheck.models import get_model
    from smpcheck.report.json_report import violation_dict
    from smpcheck.report.limits import incomplete_dicts
    from smpcheck.report.text import render_violation

    mm = get_model(job.mm)
    return {
        "planned": job.planned, "scenario": scenario_dict(scenario),
        "complete": result.complete, "executions": result.executions,
        "blocked": result.blocked, "cpu_s": seconds,
        "incomplete": incomplete_dicts(result, job.options),
        "findings": [{"key": finding_key(v), "kind": v.kind.value, "message": v.message,
                      "file": v.src.path if v.src else None, "line": v.line,
                      "text": render_violation(v, model, mm, job.width),
                      "json": violation_dict(v, mm)} for v in result.violations],
    }


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    return {"initial_state": scenario.state_name,
            "cpus": [[c.label for c in seq] for seq in scenario.cpus]}


def finding_key(v: Violation) -> tuple[Any, ...]:
    """Kind and code location; a failed check also by its reason, numbers and names'
    indices left out (so "pfn 1" and "pfn 2" are one finding)."""
    reason = re.sub(r"\d+", "N", v.message) if v.kind == Kind.CONDITION else ""
    return (v.kind.value, v.src.path if v.src else None, v.line, reason)


# -- the sweep ------------------------------------------------------------------------------
@dataclass
class Finding:
    """A distinct finding: its smallest scenario's summary and violation, and how many
    scenarios show it."""

    key: tuple[Any, ...]
    smallest: dict[str, Any]
    violation: dict[str, Any]
    scenarios: int = 1


@dataclass
class SweepResult:
    """What a sweep found: the distinct findings, the scenarios cut short, the counts."""

    name: str
    mm: str
    cpus: int
    max_ops: int
    plan: Plan
    jobs: int
    findings: list[Finding] = field(default_factory=list)
    incomplete: list[dict[str, Any]] = field(default_factory=list)
    executions: int = 0
    seconds: float = 0.0      # wall-clock time of the sweep
    cpu_seconds: float = 0.0  # processor time its scenarios took, all workers together

    @property
    def complete(self) -> bool:
        return not self.incomplete

    @property
    def verdict(self) -> str | None:
        if self.findings:
            return "violation"
        return "safe" if self.complete else None

    @property
    def exit_status(self) -> int:
        if self.findings:
            return EXIT_VIOLATION
        return EXIT_OK if self.complete else EXIT_INCOMPLETE


def sweep(source: Source, mm: str, max_ops: int, settings: Settings, jobs: int,
          options: Mapping[Limit, str], width: int = 80) -> SweepResult:
    """Plan the scenarios of ``source`` up to ``max_ops`` calls per CPU and check each
    under ``mm`` on ``jobs`` processes (1: in this one)."""
    from smpcheck.models import get_model

    get_model(mm)
    if max_ops < 1:
        raise UsageError(f"--max-ops takes a number of at least 1, not {max_ops}")
    start = time.monotonic()
    the_sweep = load(source)
    the_plan = plan(the_sweep, max_ops)
    out = SweepResult(the_sweep.name, mm, the_sweep.cpus, max_ops, the_plan, jobs)
    settings = replace(settings, all_violations=True)
    deadline = None if settings.timeout is None else time.time() + settings.timeout
    work = [Job(source, p, mm, settings, dict(options), width, deadline)
            for p in the_plan.scenarios]
    for done in _map(work, jobs):
        merge(out, done)
    out.seconds = time.monotonic() - start
    out.incomplete.sort(key=lambda d: order(d["planned"]))
    out.findings.sort(key=lambda f: (order(f.smallest["planned"]), f.key))
    return out


def _map(work: list[Job], jobs: int) -> Iterator[dict[str, Any]]:
    if jobs <= 1 or len(work) <= 1:
        yield from map(run_job, work)
        return
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(min(jobs, len(work))) as pool:
        yield from pool.imap_unordered(run_job, work, chunksize=1)


def merge(out: SweepResult, done: dict[str, Any]) -> None:
    """Add one scenario's summary: its findings (keeping the smallest scenario of each),
    or what cut it short; an error in the model is a usage error of the sweep."""
    if "error" in done:
        message, path, line, column = done["error"]
        raise UsageError(message, path, line, column)
    out.executions += done["executions"]
    out.cpu_seconds += done["cpu_s"]
    if not done["complete"]:
        out.incomplete.append(done)
    for f in done["findings"]:
        key = tuple(f["key"])
        known = next((x for x in out.findings if x.key == key), None)
        if known is None:
            out.findings.append(Finding(key, done, f))
            continue
        known.scenarios += 1
        if order(done["planned"]) < order(known.smallest["planned"]):
            known.smallest, known.violation = done, f


def order(p: Planned) -> tuple[Any, ...]:
    """Smallest first: fewest calls, shortest sequences, fewest CPUs; then the plan's order."""
    return p.size, p.state, p.cpus

