"""One exploration split across processes (``-j N``) or Ray tasks (``--ray ADDRESS``).

The exploration is a depth-first walk of a tree: each node is a graph popped from the
explorer's stack, its children the graphs its last step pushed (a read's sources, a
write's coherence places and revisits), in the order the walk takes them.  A node is
named by its *path*, the index of the child taken at each choice from the root, so paths in
lexicographic order are the walk's order.  The walk is deterministic (the CPUs must
be), so every process that builds the model again walks the same tree.

A node with one child is no choice: the child has its parent's path, so a path is
the choices made, and the nodes of one path a chain from the first to the next choice.
A *work unit* is a path.  :func:`split_tree` walks the tree down to a depth ``k`` and
lists the nodes at depth ``k`` and the leaves above it: their subtrees partition the
leaves, so the units together explore exactly the executions of one process, each
once.  A unit's process walks from the root along its path (a :class:`Split` keeps
only the child the path names at each choice above it), then the whole subtree.

The units' results are merged in the walk's order (:func:`merge`): counts and final
states add up, findings are merged by kind and place keeping the first, and a run
that stops at its first violation stops at the first unit that found one, with the
counts of the units before it and of that unit up to it: what one process reports.
Findings and witnesses are executions of other processes: each is made again here by
walking its node's path alone (:class:`_Again`), so the report holds this process's
graph, the same as one process would have found.

Where splitting cannot give the same answer the run is made in one process: a model
with no recipe to build it again (:attr:`Model.recipe`), ``--max-executions`` (a
bound on the walk's order), a replay, and, under the LKMM, a run whose reads must
speculate (a second pass over values all units saw) or in which two units reach one
execution (revisits through a cycle); both are rare, and found from what the units
return.  A run that ends within :data:`PROBE_S` in this process is not split; else
this process starts the workers and explores units from the first, in order, while
they start.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from smpcheck.errors import InternalError, UsageError
from smpcheck.explore.explorer import Explorer, Settings
from smpcheck.explore.speculation import Domain, Site
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc, Ref
from smpcheck.model.values import Val
from smpcheck.models import MemoryModel, get_model
from smpcheck.results.findings import Violation
from smpcheck.results.result import Cut, Limit, Result

Path = tuple[int, ...]
PROBE_S = 0.05  # a run that ends within this many seconds is not split
START_S = 0.0  # seconds this process explores units alone before workers are started
UNITS_PER_JOB = 8  # units wanted per process: enough to even out unequal subtrees
MAX_DEPTH = 64


def default_jobs() -> int:
    """The processes ``-j`` defaults to: the cores this process may run on."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return max(1, count() or 1)
    return max(1, len(os.sched_getaffinity(0)))


# -- the part of the tree one exploration walks -------------------------------------------
class Split:
    """Hooks an :class:`Explorer` calls at each pop and push (its ``split``).

    ``follow``: keep only the child the path names at each choice above its end, then
    walk everything below it (``exact``: nothing past the next choice).  ``depth``: walk down to
    that depth only, listing the units (:attr:`units`).  Findings and witnesses are
    noted with the path of the node whose step made them."""

    def __init__(self, follow: Path = (), depth: int | None = None, exact: bool = False):
        self.follow = follow
        self.depth = depth
        self.exact = exact
        self.units: list[Path] = []
        self.found: dict[int, list[Path]] = {}  # id(result list) -> path of each entry
        self.witnessed: dict[Any, Path] = {}
        self.start()

    def start(self) -> None:
        """A pass begins at the root."""
        self.paths: list[Path] = [()]
        self.current: Path | None = None
        self.children = 0

    def popped(self, result: Result) -> bool:
        """The walk pops its next node: whether to extend it (else it is a unit)."""
        self.note(result)
        path = self.paths.pop()
        if self.depth is not None and len(path) >= self.depth:
            self.units.append(path)
            self.current = None
            return False
        self.current, self.children = path, 0
        return True

    def pushed(self, children: list[Any]) -> list[Any]:
        """The children the current node's step made: those this walk takes."""
        here = self.current
        if here is None:
            raise InternalError("a push outside a step")
        d = len(here)
        if len(children) == 1:  # no choice: the child is named as its parent
            self.children += 1
            self.paths.append(here)
            return children
        if d < len(self.follow):
            i = self.follow[d]
            if i >= len(children):
                raise InternalError(f"path {self.follow} leaves the tree at depth {d}")
            picked = [(i, children[i])]
        elif self.exact:
            picked = []
        else:
            picked = list(enumerate(children))
        self.children += len(children)
        self.paths.extend(reversed([(*here, i) for i, _ in picked]))
        return [c for _, c in picked]

    def note(self, result: Result) -> None:
        """Credit what ``result`` gained since the last call to the current node; in
        ``depth`` mode, list that node as a unit if it was a leaf."""
        here = self.current
        if here is None:
            return
        for found in (result.violations, result.warnings):
            paths = self.found.setdefault(id(found), [])
            paths.extend([here] * (len(found) - len(paths)))
        for key in result.witnesses:
            self.witnessed.setdefault(key, here)
        if self.depth is not None and self.children == 0:
            self.units.append(here)
        self.current = None


def split_tree(model: Model, mm: MemoryModel, settings: Settings, depth: int) -> list[Path]:
    """The units of a split at ``depth``: the nodes there and the leaves above, in the
    walk's order.  Nothing is judged here (each unit's process judges its own)."""
    s = replace(settings, all_violations=True, max_passes=1, timeout=None,
                max_executions=None)
    split = Split(depth=depth)
    scratch = Result(model.name, mm.name)
    Explorer(model.cpus, mm, s, split=split).explore(scratch)
    split.note(scratch)
    return split.units


def units_for(model: Model, mm: MemoryModel, settings: Settings, jobs: int) -> list[Path]:
    """A split with about :data:`UNITS_PER_JOB` units per process (or at the depth the
    settings force): the shallowest such depth."""
    if settings.split_depth is not None:
        return split_tree(model, mm, settings, settings.split_depth)
    units: list[Path] = [()]
    for depth in range(1, MAX_DEPTH + 1):
        units = split_tree(model, mm, settings, depth)
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


@dataclass(frozen=True)
class Task:
    """What a process needs to explore one unit: how to build the model, under which
    memory model, with which bounds, and the unit; ``deadline`` is wall-clock time."""

    recipe: Any
    mm: str
    settings: Settings
    path: Path
    deadline: float | None = None


_BUILT: dict[Any, tuple[Model, dict[str, Loc], MemoryModel]] = {}  # per process


def _build(recipe: Any, mm: str) -> tuple[Model, dict[str, Loc], MemoryModel]:
    """The model of ``recipe`` under ``mm``, built once per process (one at a time: a
    model file's module has one name, and a long-lived worker serves many runs)."""
    key = (recipe, mm)
    built = _BUILT.get(key)
    if built is None:
        _BUILT.clear()
        built = _BUILT[key] = recipe.build(mm)
    return built


def run_unit(task: Task) -> UnitResult:
    """Explore one unit (in a worker process or a Ray task)."""
    try:
        model, names, mm = _build(task.recipe, task.mm)
    except UsageError as exc:
        return UnitResult(task.path, error=(exc.message, exc.path, exc.line, exc.column))
    return explore_unit(model, names, mm, task)


def explore_unit(model: Model, names: dict[str, Loc], mm: MemoryModel, task: Task
                 ) -> UnitResult:
    """Explore one unit of the model built in this process."""
    from smpcheck.explore.verify import explore

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
        split = Split(follow=task.path)
        result, explorer, _ = explore(model, names, mm, s, split=split)
    except UsageError as exc:
        out.error = (exc.message, exc.path, exc.line, exc.column)
        return out
    split.note(result)
    _fill(out, result, split, explorer, task.settings.timeout)
    out.cpu_s = time.process_time() - start
    return out


def _fill(out: UnitResult, result: Result, split: Split, explorer: Explorer,
          timeout: float | None) -> None:
    out.executions, out.blocked = result.executions, result.blocked
    out.outcomes = {_portable(k): n for k, n in result.outcomes.items()}
    out.flags = result.flags
    out.positive, out.negative = result.positive, result.negative
    out.incomplete = [Cut(c.limit, timeout) if c.limit == Limit.TIMEOUT and timeout else c
                      for c in result.incomplete]
    out.stopped_early = result.stopped_early
    for mine, found in ((out.violations, result.violations),
                        (out.warnings, result.warnings)):
        mine.extend(zip([v.key() for v in found], split.found.get(id(found), []),
                        strict=True))
    out.witnesses = {_portable(k): split.witnessed[k] for k in result.witnesses}
    if explorer.seen_executions is not None:
        out.executed = explorer.seen_executions
        d = explorer.domain
        out.sites = (d.edges, {s: str(loc) for s, loc in d.wrote_at.items()},
                     {str(loc): sites for loc, sites in d.read_at.items()})


def _portable(value: Any) -> Any:
    """A final state's key as another process can hold it: pointers by their names
    (the objects they point to are this process's)."""
    if isinstance(value, tuple):
        return tuple([_portable(v) for v in value])
    if isinstance(value, Val):
        return Val(_portable(value.v), value.deps)
    if isinstance(value, Ref):
        return str(value)
    return value


# -- the merge --------------------------------------------------------------------------------
@dataclass
class Merged:
    """The merged result, and the node of each finding and witness to make again."""

    result: Result
    violations: list[tuple[Any, Path]] = field(default_factory=list)
    warnings: list[tuple[Any, Path]] = field(default_factory=list)
    witnesses: dict[Any, Path] = field(default_factory=dict)
    sequential: str | None = None  # why the run must be made in one process instead


def merge(units: Iterable[UnitResult], result: Result, all_violations: bool) -> Merged:
    """Add up ``units``, in the walk's order, into ``result`` as one process would have
    counted them (see the module's docstring)."""
    m = Merged(result)
    keys: set[Any] = set()
    executed: set[bytes] = set()
    domain: Domain | None = None
    for u in units:
        if u.error is not None:
            raise UsageError(*u.error)
        result.executions += u.executions
        result.blocked += u.blocked
        result.positive += u.positive
        result.negative += u.negative
        _add(result.outcomes, u.outcomes)
        _add(result.flags, u.flags)
        for cut in u.incomplete:
            if cut.limit == Limit.VALUE_PASSES:
                m.sequential = "reads may speculate"
            else:
                result.cut(cut)
        for mine, theirs in ((m.violations, u.violations), (m.warnings, u.warnings)):
            for key, path in theirs:
                if key not in keys:
                    keys.add(key)
                    mine.append((key, path))
        for key, path in u.witnesses.items():
            m.witnesses.setdefault(key, path)
        if u.executed is not None:
            if not executed.isdisjoint(u.executed):
                m.sequential = "two units reached one execution"
            executed |= u.executed
        if u.sites is not None:
            domain = domain or Domain()
            _add_sites(domain, u.sites)
        if u.stopped_early and not all_violations:
            result.stopped_early = True
            break
    if domain is not None and result.complete and not result.stopped_early \
            and domain.close():  # (one process would explore again, speculating)
        m.sequential = "reads may speculate"
    return m


def _add(into: dict[Any, int], counts: dict[Any, int]) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def _add_sites(domain: Domain, sites: tuple[Any, Any, Any]) -> None:
    """Add a unit's site graph (locations named) to ``domain``: enough for ``close``."""
    edges, wrote_at, read_at = sites
    for r, ws in edges.items():
        out = domain.edges.setdefault(r, {})
        for w, unordered in ws.items():
            out[w] = out.get(w, False) or unordered
    wrote: dict[Site, Any] = domain.wrote_at
    wrote.update(wrote_at)
    read: dict[Any, set[Site]] = domain.read_at
    for loc, rs in read_at.items():
        read.setdefault(loc, set()).update(rs)


# -- running the units ---------------------------------------------------------------------
Stop = Callable[[int, UnitResult], bool]  # after unit i: whether the rest is not needed
Local = Callable[[Task], UnitResult]  # run a unit in this process
Runner = Callable[[list[Task], Stop, Local], Iterator[UnitResult]]


def run_processes(jobs: int, start_after: float = START_S) -> Runner:
    """Run tasks on ``jobs`` processes: this one and ``jobs - 1`` workers (forkserver:
    each starts from a process that has imported smpcheck, never from this one's
    state).  This process runs units in order, starts the workers once it has worked
    ``start_after`` seconds, goes on while they start, then takes the units no worker
    has taken yet; results come in order."""
    def runner(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
        if jobs < 2:
            yield from _in_order((local(t) for t in tasks), stop)
            return
        yield from _in_order(_with_workers(tasks, jobs - 1, local, start_after), stop)
    return runner


class _Workers:
    """A pool of worker processes started in the background, each with the model built
    (until then :attr:`pool` is None)."""

    def __init__(self, n: int, first: Task) -> None:
        import threading

        self.pool: Any = None
        self.closed = False
        self.lock = threading.Lock()
        self.ready = threading.Event()
        threading.Thread(target=self._start, args=(n, first), daemon=True).start()

    def _start(self, n: int, first: Task) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["smpcheck.explore.parallel",
                                        "smpcheck.explore.verify"])
            pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)
            pool.submit(_build_only, first.recipe, first.mm).result()
        except Exception:  # (no workers: this process runs every unit)
            pool = None
        with self.lock:
            self.pool = pool
            if self.closed:
                self._stop()
        self.ready.set()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self._stop()

    def _stop(self) -> None:
        if self.pool is not None:
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()  # (a unit no longer needed: do not wait for it)
            self.pool.shutdown(wait=False, cancel_futures=True)


def _build_only(recipe: Any, mm: str) -> None:
    _build(recipe, mm)


def _with_workers(tasks: list[Task], most: int, local: Local, start_after: float
                  ) -> Iterator[UnitResult]:
    """Each task's result in order: run here until the workers are up, then shared."""
    began = time.monotonic()
    workers: _Workers | None = None
    i = 0
    try:
        while i < len(tasks):
            if workers is None and len(tasks) - i > 1 and \
                    time.monotonic() - began >= start_after:
                workers = _Workers(min(most, len(tasks) - i - 1), tasks[i])
            if workers is not None and workers.ready.is_set():
                break
            yield local(tasks[i])
            i += 1
        rest = tasks[i:]
        if not rest:
            return
        if workers is None or workers.pool is None:
            yield from (local(t) for t in rest)
            return
        futures = [workers.pool.submit(run_unit, t) for t in rest]
        try:
            yield from _shared(rest, futures, local)
        finally:
            for f in futures:
                f.cancel()
    finally:
        if workers is not None:
            workers.close()


def _shared(tasks: list[Task], futures: list[Any], local: Local) -> Iterator[UnitResult]:
    """Each task's result in order; a task no worker has started is run here (from the
    front while the next result is not started, else from the back while waiting)."""
    results: list[UnitResult | None] = [None] * len(tasks)
    back = len(tasks) - 1
    for i, f in enumerate(futures):
        while results[i] is None:
            if f.cancel():
                results[i] = local(tasks[i])
            elif f.done() or back <= i:
                results[i] = f.result()
            else:
                if futures[back].cancel():
                    results[back] = local(tasks[back])
                back -= 1
        done = results[i]
        assert done is not None
        yield done


def _in_order(units: Iterable[UnitResult], stop: Stop) -> Iterator[UnitResult]:
    for i, u in enumerate(units):
        yield u
        if stop(i, u):
            return


def run_here(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
    """Run tasks one after the other in this process, each task and result sent through
    pickle as to another process, the model built again from its recipe (a fine split
    at ``-j 1``: tests, debugging)."""
    from smpcheck._rt.loader import REWRITTEN

    saved = {name: sys.modules[name] for name in REWRITTEN if name in sys.modules}
    try:
        yield from _in_order((pickle.loads(pickle.dumps(run_unit(pickle.loads(
            pickle.dumps(t))))) for t in tasks), stop)
    finally:  # (the model built again took its module's name: give the name back)
        _BUILT.clear()
        sys.modules.update(saved)


def run_ray(address: str) -> Runner:
    """Run tasks as Ray tasks on the cluster at ``address`` (``auto``, ``ray://host:port``
    or a head's ``host:port``), results in order."""
    def runner(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs Ray: pip install 'smpcheck[ray]'") from None
        if not ray.is_initialized():
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        remote = ray.remote(run_unit)
        refs = [remote.remote(t) for t in tasks]
        try:
            yield from _in_order((ray.get(ref) for ref in refs), stop)
        finally:
            for ref in refs:
                ray.cancel(ref)
    return runner


def map_ordered(fn: Callable[[Any], Any], items: list[Any], jobs: int) -> Iterator[Any]:
    """``fn`` of each item, in order, on up to ``jobs`` worker processes (``fn`` and the
    items must pickle: a module's function, plain values); here if ``jobs`` < 2.
    Used to split many files by file."""
    if jobs < 2 or len(items) < 2:
        yield from map(fn, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx) as pool:
        yield from pool.map(fn, items)


# -- the whole run ----------------------------------------------------------------------------
def verify_parallel(model: Model, globals_: dict[str, Loc], mm: MemoryModel, s: Settings,
                    progress: Callable[[Result], None] | None = None,
                    runner: Runner | None = None) -> Result | None:
    """Check ``model`` with the exploration split (see the module's docstring); None when
    it must run in one process instead (the caller then runs it there)."""
    if model.recipe is None or s.max_executions is not None or _unnamed(mm):
        return None
    start = time.monotonic()
    one = replace(s, jobs=1, ray=None, split_depth=None)
    if s.split_depth is None:  # a small run: one process is faster
        probe = _probe(model, globals_, mm, one, progress)
        if probe is not None:
            return probe
    try:
        units = units_for(model, mm, one, s.jobs)
    except Exception:  # (what the model raises is reported by the run in one process)
        return None
    deadline = time.time() + s.timeout if s.timeout is not None else None
    unit_s = replace(one, max_passes=1, batch=1)
    tasks = [Task(model.recipe, mm.name, unit_s, u, deadline) for u in units]
    runner = runner or (run_ray(s.ray) if s.ray else run_here if s.jobs < 2 else
                        run_processes(s.jobs))
    result = Result(model.name, mm.name)
    stop = _stopper(s.all_violations)
    merged = merge(runner(tasks, stop, lambda t: explore_unit(model, globals_, mm, t)),
                   result, s.all_violations)
    if merged.sequential is not None:
        return None
    _finish(model, globals_, mm, one, merged)
    result.elapsed_s = time.monotonic() - start
    result.bound = (f"{len(model.cpus)} CPUs, the model's objects, other loops than "
                    f"spin waits at most {s.loop_bound} iterations")
    if progress is not None:
        progress(result)
    return result


def _probe(model: Model, globals_: dict[str, Loc], mm: MemoryModel, one: Settings,
           progress: Callable[[Result], None] | None) -> Result | None:
    """The run in this process if it ends within :data:`PROBE_S` (or the run's own
    timeout, if shorter): what one process reports; None if it takes longer."""
    from smpcheck.explore.verify import explore

    box = PROBE_S if one.timeout is None else min(one.timeout, PROBE_S)
    probe, _, checker = explore(model, globals_, mm, replace(one, timeout=box), progress)
    if (one.timeout is None or one.timeout > PROBE_S) and any(
            c.limit == Limit.TIMEOUT for c in probe.incomplete):
        return None  # (cut by the probe's own time, not the run's)
    checker.finish(probe)
    return probe


def _unnamed(mm: MemoryModel) -> bool:
    """Whether another process cannot get ``mm`` by its name (e.g. a cat model)."""
    try:
        return type(get_model(mm.name)) is not type(mm)
    except UsageError:
        return True


def _stopper(all_violations: bool) -> Callable[[int, UnitResult], bool]:
    """Whether the units after this one are not needed: one process stops at its first
    violation (and at a model error); a unit whose reads must speculate sends the run
    to one process."""
    def stop(i: int, u: UnitResult) -> bool:
        return (u.error is not None or (u.stopped_early and not all_violations)
                or any(c.limit == Limit.VALUE_PASSES for c in u.incomplete))
    return stop


def _finish(model: Model, globals_: dict[str, Loc], mm: MemoryModel, s: Settings,
            merged: Merged) -> None:
    """Make each finding and witness again in this process, then draw the run's
    conclusions (Checker.finish)."""
    from smpcheck.explore.checks import Checker

    result = merged.result
    again = _Again(model, globals_, mm, s)
    result.violations = [again.finding(k, p) for k, p in merged.violations]
    result.warnings = [again.finding(k, p) for k, p in merged.warnings]
    result.witnesses = {k: again.witness(k, p) for k, p in merged.witnesses.items()}

    def report(v: Violation) -> None:
        if all(v.key() != w.key() for w in result.violations):
            result.violations.append(v)

    Checker(model, mm, globals_, report).finish(result)


class _Again:
    """Findings and witnesses made again by walking one node's path alone."""

    def __init__(self, model: Model, globals_: dict[str, Loc], mm: MemoryModel,
                 s: Settings) -> None:
        self.args = (model, globals_, mm, replace(s, all_violations=True, timeout=None))
        self.results: dict[Path, Result] = {}

    def _walk(self, path: Path) -> Result:
        from smpcheck.explore.verify import explore

        hit = self.results.get(path)
        if hit is None:
            model, globals_, mm, s = self.args
            hit = explore(model, globals_, mm, s, split=Split(follow=path, exact=True))[0]
            self.results[path] = hit
        return hit

    def finding(self, key: Any, path: Path) -> Violation:
        r = self._walk(path)
        for v in (*r.violations, *r.warnings):
            if v.key() == key:
                return v
        raise InternalError(f"a finding of another process ({key}) is not found again")

    def witness(self, key: Any, path: Path) -> Any:
        for mine, g in self._walk(path).witnesses.items():
            if _portable(mine) == key:  # (keys as the units sent them)
                return g
        raise InternalError("a witness of another process is not found again")
