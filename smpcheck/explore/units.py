"""Work units of one exploration: a path of choices in its tree, explored by any process.

The exploration is a depth-first walk of a tree: each node is a graph popped from the
explorer's stack, its children the graphs its last step pushed (a read's sources, a
write's coherence places and revisits), in the order the walk takes them.  A node is
named by its *path*, the index of the child taken at each choice from the root, so
paths in lexicographic order are the walk's order.  A node with one child is no
choice: the child has its parent's path, so the nodes of one path are a chain from
one choice to the next.  The walk is deterministic (the CPUs must be), so every
process that builds the model again (:attr:`Model.recipe`) walks the same tree.

:func:`split_tree` walks the tree down to a depth ``k`` and lists the nodes at depth
``k`` and the leaves above it: their subtrees partition the leaves, so the units
together explore exactly the executions of one process, each once.  A unit's
process walks from the root along its path (a :class:`.split.Split` keeps only the child
the path names at each choice above it), then the whole subtree, and returns a
:class:`UnitResult`: counts, final states, and findings and witnesses as the paths
of the nodes that made them, nothing that only its own process can hold.
"""

from __future__ import annotations

import contextlib
import marshal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from smpcheck.errors import UsageError
from smpcheck.explore.explorer import Explorer, Settings
from smpcheck.explore.split import Frontier, Path, Split
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc, Ref
from smpcheck.model.values import Val, deps_of, raw
from smpcheck.models import MemoryModel, get_model
from smpcheck.records import replace
from smpcheck.results.result import Cut, Limit, Result

if TYPE_CHECKING:
    from smpcheck.explore.session import Carried

UNITS_PER_JOB = 32  # units wanted per process: enough to even out unequal subtrees
# (the subtrees of one depth differ a hundredfold; a process takes several small units
# in one walk, :class:`~smpcheck.explore.workers._BothEnds`, so that many cost little)
MAX_DEPTH = 64


def beyond(units: list[Path], left: list[Path]) -> list[Path]:
    """The units of a walk that went as far as the nodes ``left`` (:meth:`.split.Split.left`):
    a unit the walk did not enter is kept (a node ``left`` holds or one below it), a
    unit it went into is replaced by the nodes ``left`` holds in it, and a unit it
    finished is dropped.  Together they cover the leaves after the walk's, each once."""
    out: list[Path] = []
    for u in units:
        inside = [p for p in left if p[:len(u)] == u and p != u]
        if inside:
            out.extend(inside)
        elif any(u[:len(p)] == p for p in left):
            out.append(u)
    return out


def split_tree(model: Model, globals_: dict[str, Loc], mm: MemoryModel, settings: Settings,
               depth: int, carried: Carried | None = None) -> list[Path]:
    """The units of a split at ``depth``: the nodes there and the leaves above, in the
    walk's order (walked as a run is, under its guards and bounds; what the walk
    finds is found again by the units); ``carried``: what it shares with the
    process's other explorations of the run (:func:`rechecked`)."""
    from smpcheck.explore.session import explore

    s = replace(settings, all_violations=True, max_passes=1, max_executions=None)
    split = Split(depth=depth)
    scratch = explore(model, globals_, mm, s, split=split, carried=carried)[0]
    if any(c.limit in (Limit.TIMEOUT, Limit.STALL) for c in scratch.incomplete):
        raise Unsplit("the walk was cut short")  # (the run in one process says why)
    split.note(scratch)
    return split.units


class Unsplit(Exception):
    """The tree could not be split: the run is made in one process."""


def units_for(model: Model, globals_: dict[str, Loc], mm: MemoryModel, settings: Settings,
              jobs: int, carried: Carried | None = None) -> list[Path]:
    """A split with about :data:`UNITS_PER_JOB` units per process (or at the depth the
    settings force): the shallowest such depth (its walks, each deeper than the last,
    find the CPU histories of the one before in ``carried``'s caches)."""
    if settings.split_depth is not None:
        return split_tree(model, globals_, mm, settings, settings.split_depth, carried)
    units: list[Path] = [()]
    for depth in range(1, MAX_DEPTH + 1):
        units = split_tree(model, globals_, mm, settings, depth, carried)
        if len(units) >= UNITS_PER_JOB * jobs or all(len(u) < depth for u in units):
            break
    return units


# -- what a unit's process returns ----------------------------------------------------------
@dataclass
class UnitResult:
    """A unit's counts and findings, in terms every process shares (no graphs)."""

    path: Path
    executions: int = 0
    blocked: int = 0
    outcomes: dict[Any, int] = field(default_factory=dict)
    positive: int = 0
    negative: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    incomplete: list[Cut] = field(default_factory=list)
    violations: list[tuple[Any, Path]] = field(default_factory=list)  # (key, node)
    warnings: list[tuple[Any, Path]] = field(default_factory=list)
    witnesses: dict[Any, Path] = field(default_factory=dict)
    stopped_early: bool = False
    error: tuple[str, str | None, int | None, int | None] | None = None  # a UsageError
    executed: set[bytes] | None = None  # execution digests (models with dependencies)
    sites: tuple[Any, Any, Any] | None = None  # the domain's site graph, locations named
    cpu_s: float = 0.0  # processor time the unit took (bench/jobs.py)
    rechecked: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)  # (:func:`learn`)


@dataclass(frozen=True)
class Task:
    """What a process needs to explore one unit: how to build the model, under which
    memory model, with which bounds, and the unit; ``deadline`` is wall-clock time."""

    recipe: Any
    mm: str
    settings: Settings
    path: Path
    deadline: float | None = None
    keep_witnesses: bool = True  # a graph per final state (verify_parallel's)
    more: tuple[Path, ...] = ()  # the units after ``path`` explored in the same walk
    frontier: Frontier | None = field(default=None, compare=False)  # (this process's walk)
    rechecked: tuple[tuple[int, tuple[Any, ...]], ...] = field(default=(), compare=False)
    # (values the sending process re-ran CPUs on since its last task: :func:`learn`)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The units this task explores, in the walk's order."""
        return (self.path, *self.more)


BUILT: dict[Any, tuple[Model, dict[str, Loc], MemoryModel]] = {}  # per process


def build(recipe: Any, mm: str) -> tuple[Model, dict[str, Loc], MemoryModel]:
    """The model of ``recipe`` under ``mm``, built once per process (one at a time: a
    model file's module has one name, and a long-lived worker serves many runs)."""
    key = (recipe, mm)
    built = BUILT.get(key)
    if built is None:
        BUILT.clear()
        model, names, memory_model = recipe.build(mm)
        if memory_model is None:  # (a recipe may leave it to the caller)
            memory_model = get_model(mm)
        built = BUILT[key] = (model, names, memory_model)
    return built


def forget_built() -> None:
    """Forget the model built in this process."""
    BUILT.clear()
    RECHECKED.clear()


RECHECKED: dict[Any, Carried] = {}  # per process: what the units' explorations share


def _key(task: Task) -> tuple[Any, ...]:
    s = task.settings
    return (task.recipe, task.mm, s.loop_bound, s.max_events, s.irq_bound)


def rechecked(task: Task, cpus: int) -> Carried:
    """What the explorations of ``task``'s model share in this process, under the
    task's bounds (:class:`~smpcheck.explore.session.Carried`: the units of a run meet
    the same values and histories again and again)."""
    from smpcheck.explore.session import Carried

    key = _key(task)
    seen = RECHECKED.get(key)
    if seen is None:
        RECHECKED.clear()
        seen = RECHECKED[key] = Carried([set() for _ in range(cpus)])
    return seen


LENT: dict[str, Any] = {}  # this process's model and Carried, for workers forked from it


@contextlib.contextmanager
def lent(task: Task, built: tuple[Model, dict[str, Loc], MemoryModel],
         carried: Carried) -> Iterator[None]:
    """While the ``with`` runs, workers forked from this process (:func:`adopt`) explore
    ``task``'s units with this process's model and what its explorations share (as
    its own units do), not a model built again with empty caches."""
    LENT.update(key=(task.recipe, task.mm), built=built, rechecked=(_key(task), carried))
    try:
        yield
    finally:
        LENT.clear()


def adopt() -> None:
    """(In a worker just forked) take what the process it was forked from lent."""
    if LENT:
        BUILT.clear()
        BUILT[LENT["key"]] = LENT["built"]
        RECHECKED.clear()
        key, carried = LENT["rechecked"]
        carried.fresh.clear()  # (what it re-ran before the fork, it knows)
        RECHECKED[key] = carried


_PLAIN = frozenset({int, bool, str, type(None)})  # (values another process holds the same)


def fresh_rechecks(carried: Carried) -> list[tuple[int, tuple[Any, ...]]]:
    """The values each CPU was re-run on here since the last call, as another process can
    hold them (plain values only: a pointer names this process's object)."""
    out = [(tid, tuple([v for _, v in key])) for tid, key in carried.fresh
           if all(t in _PLAIN and type(v) is t for t, v in key)]
    carried.fresh.clear()
    return out


def learn(carried: Carried, rechecked: list[tuple[int, tuple[Any, ...]]]) -> None:
    """Note that another process of the run re-ran each CPU on these values (its
    :func:`fresh_rechecks`): the explorations here need not re-run them (one re-run
    per CPU and values for the run, as in one process)."""
    for tid, values in rechecked:
        carried.rechecked[tid].add(tuple([(type(v), v) for v in values]))


@dataclass(frozen=True)
class Plan:
    """A request to a worker: the units of ``task``'s model for ``jobs`` processes
    (:func:`units_for`), planned there while the process that asked walks on."""

    task: Task
    jobs: int


def plan_units(plan: Plan) -> list[Path]:
    """The units :class:`Plan` asks for; none where the tree cannot be split."""
    task = plan.task
    try:
        model, names, mm = build(task.recipe, task.mm)
        return units_for(model, names, mm, task.settings, plan.jobs,
                         rechecked(task, len(model.cpus)))  # (warmed for its runs)
    except (Unsplit, UsageError):  # (the walk that asked explores it all, and reports it)
        return []


def run_unit(task: Task) -> UnitResult:
    """Explore one unit (in a worker process or a Ray task)."""
    try:
        model, names, mm = build(task.recipe, task.mm)
    except UsageError as exc:
        return UnitResult(task.path, error=(exc.message, exc.path, exc.line, exc.column))
    seen = rechecked(task, len(model.cpus))
    learn(seen, list(task.rechecked))
    return explore_unit(model, names, mm, task, seen)


def walked(path: Path, result: Result, split: Split, explorer: Explorer,
           timeout: float | None) -> UnitResult:
    """What a walk made with ``split`` (one unit, or the start of the tree) found, as a
    unit's result."""
    out = UnitResult(path)
    split.note(result)
    _fill(out, result, split, explorer, timeout)
    return out


def explore_unit(model: Model, names: dict[str, Loc], mm: MemoryModel, task: Task,
                 seen: Carried | None = None,
                 progress: Callable[[Result], None] | None = None) -> UnitResult:
    """Explore one unit of the model built in this process (``seen``: what the
    explorations of its run share here, see :func:`rechecked`; ``progress``: called
    with the walk's result as it goes)."""
    from smpcheck.explore.session import explore

    out = UnitResult(task.path)
    start = time.process_time()
    s = task.settings
    if task.deadline is not None:
        left = task.deadline - time.time()
        if left <= 0:
            assert s.timeout is not None
            out.incomplete.append(Cut(Limit.TIMEOUT, s.timeout))
            return out
        s = replace(s, timeout=left)
    try:
        split = Split(follow=task.paths, frontier=task.frontier)
        result, explorer, _ = explore(model, names, mm, s, progress, split=split,
                                      keep_witnesses=task.keep_witnesses, carried=seen)
    except UsageError as exc:
        out.error = (exc.message, exc.path, exc.line, exc.column)
        return out
    out = walked(task.path, result, split, explorer, task.settings.timeout)
    out.cpu_s = time.process_time() - start
    if seen is not None:
        out.rechecked = fresh_rechecks(seen)
    return out


def _fill(out: UnitResult, result: Result, split: Split, explorer: Explorer,
          timeout: float | None) -> None:
    out.executions, out.blocked = result.executions, result.blocked
    out.outcomes = {portable(k): n for k, n in result.outcomes.items()}
    out.flags = result.flags
    out.positive, out.negative = result.positive, result.negative
    out.incomplete = [Cut(c.limit, timeout) if c.limit == Limit.TIMEOUT and timeout else c
                      for c in result.incomplete]
    out.stopped_early = result.stopped_early
    for mine, found in ((out.violations, result.violations),
                        (out.warnings, result.warnings)):
        mine.extend(zip([v.key() for v in found], split.found.get(id(found), []),
                        strict=True))
    out.witnesses = {portable(k): split.witnessed[k] for k in result.witnesses}
    if explorer.seen_executions is not None:
        out.executed = explorer.seen_executions
        d = explorer.domain
        out.sites = (d.edges, {s: {str(loc) for loc in locs} for s, locs in d.wrote_at.items()},
                     {str(loc): sites for loc, sites in d.read_at.items()})


def portable(value: Any) -> Any:
    """A final state's key as another process can hold it: pointers by their names
    (the objects they point to are this process's)."""
    try:  # (marshal takes the exact built-in types alone: no pointer, no Val inside)
        marshal.dumps(value)
        return value
    except ValueError:
        pass
    if isinstance(value, tuple):
        return tuple([portable(v) for v in value])
    if isinstance(value, Val):
        return Val(portable(raw(value)), deps_of(value))
    if isinstance(value, Ref):
        return str(value)
    return value
