"""One exploration split across processes (``-j N``) or Ray tasks (``--ray ADDRESS``).

The exploration's tree is cut into work units, paths of choices whose subtrees
partition its executions (:mod:`smpcheck.explore.units`), run by worker processes,
this process or Ray tasks (:mod:`smpcheck.explore.workers`).

The units' results are merged in the walk's order (:func:`merge`): counts and final
states add up, findings are merged by kind and place keeping the first, and a run
that stops at its first violation stops at the first unit that found one, with the
counts of the units before it and of that unit up to it: what one process reports.
Findings and witnesses are executions of other processes: each is made again here by
walking its node's path alone (:class:`_Again`), so the report holds this process's
graph, the same as one process would have found.

Where splitting cannot give the same answer the run is made in one process: a model
with no recipe to build it again (:attr:`Model.recipe`), ``--max-executions`` (a
bound on the walk's order), a replay, a memory model another process cannot get by
its name (a cat model), and, under the LKMM, a run whose reads must speculate (a
second pass over values all units saw) or in which two units reach one execution
(revisits through a cycle); both are rare, and found from what the units return.
Where workers can be forked from this process (Linux, no other thread), the run is
one walk of the whole tree here that, once it has gone on for :data:`SHARE_AFTER_S`,
forks the workers from inside and goes on (:class:`~smpcheck.explore.workers.Sharing`):
the first worker plans the units while the walk goes on, then the workers take
runs of them from the last one backwards until they meet the walk
(:class:`~smpcheck.explore.workers._BothEnds`); a run that ends sooner is the run
in one process.  Elsewhere (and with a runner given, Ray) a probe walks first: a
run that ends within :data:`PROBE_S` is not split.  Else what that first walk
explored counts: it stopped between two nodes, so the nodes left on its stack hold
all it did not explore (:func:`~smpcheck.explore.units.beyond`), and the units are
those; this process starts the workers and walks the units from the first on, in
one walk, while the workers take runs of them from the last one backwards.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from smpcheck.errors import InternalError, UsageError
from smpcheck.explore.by_file import default_jobs
from smpcheck.explore.explorer import Settings
from smpcheck.explore.speculation import Domain, Site
from smpcheck.explore.split import Path, Split
from smpcheck.explore.units import (
    Task,
    UnitResult,
    Unsplit,
    beyond,
    explore_unit,
    lent,
    portable,
    split_tree,
    units_for,
    walked,
)
from smpcheck.explore.workers import (
    Runner,
    Sharing,
    run_here,
    run_processes,
    run_ray,
)
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import MemoryModel, get_model
from smpcheck.records import replace
from smpcheck.results.findings import Violation
from smpcheck.results.result import Limit, Result

if TYPE_CHECKING:
    from smpcheck.explore.session import Carried

PROBE_S = 0.05  # a run that ends within this many seconds is not split (the probe's way)
SHARE_AFTER_S = 0.01  # a walk shares its tree after so many seconds (forked workers' way)

__all__ = ["default_jobs", "merge", "split_tree", "verify_parallel"]


# -- the merge --------------------------------------------------------------------------------
@dataclass
class Merged:
    """The merged result, and the node of each finding and witness to make again."""

    result: Result
    violations: list[tuple[Any, Path]] = field(default_factory=list)
    warnings: list[tuple[Any, Path]] = field(default_factory=list)
    witnesses: dict[Any, Path] = field(default_factory=dict)
    sequential: str | None = None  # why the run must be made in one process instead


def merge(units: Iterable[UnitResult], result: Result,  # noqa: C901 - every merge rule in one place
          all_violations: bool) -> Merged:
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
        for w, weight in ws.items():
            domain.edge(r, w, weight)
    wrote: dict[Site, Any] = domain.wrote_at
    wrote.update(wrote_at)
    read: dict[Any, set[Site]] = domain.read_at
    for loc, rs in read_at.items():
        read.setdefault(loc, set()).update(rs)


# -- the whole run ----------------------------------------------------------------------------
def verify_parallel(model: Model, globals_: dict[str, Loc], mm: MemoryModel, s: Settings,
                    progress: Callable[[Result], None] | None = None,
                    runner: Runner | None = None, keep_witnesses: bool = True
                    ) -> Result | None:
    """Check ``model`` with the exploration split (see the module's docstring); None when
    it must run in one process instead (the caller then runs it there).
    ``keep_witnesses`` false makes no graph per final state again here."""
    if model.recipe is None or s.max_executions is not None or _unnamed(mm):
        return None
    start = time.monotonic()
    one = replace(s, jobs=1, ray=None, split_depth=None)
    if runner is None and s.ray is None and s.split_depth is None and s.jobs > 1 \
            and s.batch == 1 and Sharing.possible():
        return _shared_walk(model, globals_, mm, s, progress, keep_witnesses)
    head: list[UnitResult] = []  # what the probe explored, if it can count
    left: list[Path] | None = None
    from smpcheck.explore.session import Carried

    seen = Carried([set() for _ in model.cpus])  # (for this process's explorations)
    if s.split_depth is None:  # a small run: one process is faster
        probe, first = _probe(model, globals_, mm, one, progress, seen)
        if probe is not None:
            return probe
        if first is not None:
            head, left = [first[0]], first[1]
    try:
        units = units_for(model, globals_, mm, one, s.jobs, seen)
    except (Unsplit, UsageError):  # (the run in one process reports it)
        return None
    if left is not None:
        units = beyond(units, left)
    deadline = time.time() + s.timeout if s.timeout is not None else None
    unit_s = replace(one, max_passes=1, batch=1)
    tasks = [Task(model.recipe, mm.name, unit_s, u, deadline, keep_witnesses) for u in units]
    runner = runner or (run_ray(s.ray) if s.ray else run_here if s.jobs < 2 else
                        run_processes(s.jobs))
    result = Result(model.name, mm.name)
    stop = _stopper(s.all_violations)
    with lent(tasks[0], (model, globals_, mm), seen) if tasks else contextlib.nullcontext():
        done = runner(tasks, stop, lambda t: explore_unit(
            model, globals_, mm, t, seen, _walking(result, start, progress, t)))
        merged = merge(_shown(itertools.chain(head, done), result, start, progress), result,
                       s.all_violations)
    return _concluded(model, globals_, mm, s, merged, start, progress, keep_witnesses)


def _concluded(model: Model, globals_: dict[str, Loc], mm: MemoryModel, s: Settings,
               merged: Merged, start: float, progress: Callable[[Result], None] | None,
               keep_witnesses: bool) -> Result | None:
    """The merged run's result, its findings and witnesses made again here; None when it
    must be made in one process."""
    if merged.sequential is not None:
        return None
    result = merged.result
    if not keep_witnesses:
        merged.witnesses = {}
    _finish(model, globals_, mm, replace(s, jobs=1, ray=None, split_depth=None), merged)
    result.elapsed_s = time.monotonic() - start
    result.bound = (f"{len(model.cpus)} CPUs, the model's objects, other loops than "
                    f"spin waits at most {s.loop_bound} iterations")
    if progress is not None:
        progress(result)
    return result


def _shared_walk(model: Model, globals_: dict[str, Loc], mm: MemoryModel, s: Settings,
                 progress: Callable[[Result], None] | None, keep_witnesses: bool
                 ) -> Result | None:
    """The run as one walk of the whole tree in this process, shared with forked workers
    once it has gone on for :data:`SHARE_AFTER_S` (:class:`~smpcheck.explore.workers.Sharing`):
    a run that ends sooner is the run in one process, as it is; else the walk's part
    merges first, then the runs the workers took."""
    from smpcheck.explore.session import Carried, explore

    start = time.monotonic()
    one = replace(s, jobs=1, ray=None, split_depth=None)
    deadline = time.time() + s.timeout if s.timeout is not None else None
    template = Task(model.recipe, mm.name, replace(one, max_passes=1, batch=1), (), deadline,
                    keep_witnesses)
    seen = Carried([set() for _ in model.cpus])
    sharing = Sharing(template, s.jobs, SHARE_AFTER_S, PROBE_POPS, seen)
    split = Split(frontier=sharing)
    try:
        with lent(template, (model, globals_, mm), seen):
            try:
                walk, explorer, checker = explore(model, globals_, mm, one, progress,
                                                  split=split, keep_witnesses=keep_witnesses,
                                                  carried=seen)
            finally:
                sharing.close()
            if sharing.spoiled:  # (a second pass: the run is one process's)
                return None
            if sharing.workers is None:  # (the run in one process, as it is)
                checker.finish(walk)
                return walk
            mine = walked((), walk, split, explorer, one.timeout)
            result = Result(model.name, mm.name)
            runs = sharing.runs(mine, _stopper(s.all_violations), lambda t: explore_unit(
                model, globals_, mm, t, seen))
            merged = merge(_shown(runs, result, start, progress), result, s.all_violations)
    finally:
        sharing.stop()
    return _concluded(model, globals_, mm, s, merged, start, progress, keep_witnesses)


def _shown(units: Iterable[UnitResult], result: Result, start: float,
           progress: Callable[[Result], None] | None) -> Iterator[UnitResult]:
    """``units``, with the counts merged so far shown after each (live progress)."""
    for u in units:
        yield u
        if progress is not None:
            result.elapsed_s = time.monotonic() - start
            progress(result)


def _walking(result: Result, start: float, progress: Callable[[Result], None] | None,
             task: Task) -> Callable[[Result], None] | None:
    """For the long walk of this process's part (a task with a frontier), the progress
    of the counts merged so far and of that walk's (a few times a second)."""
    if progress is None or task.frontier is None:
        return None
    last = [0.0]

    def shown(walk: Result) -> None:
        now = time.monotonic()
        if now - last[0] < WALK_PROGRESS_S:
            return
        last[0] = now
        both = copy.copy(result)
        both.executions += walk.executions
        both.blocked += walk.blocked
        both.elapsed_s = now - start
        progress(both)
    return shown


WALK_PROGRESS_S = 0.2


Head = tuple[UnitResult, list[Path]]  # what a probe explored, and the nodes it left


def _probe(model: Model, globals_: dict[str, Loc], mm: MemoryModel, one: Settings,
           progress: Callable[[Result], None] | None, seen: Carried
           ) -> tuple[Result | None, Head | None]:
    """The run in this process if it ends within :data:`PROBE_S` (or the run's own
    timeout, if shorter): what one process reports.  If it takes longer: what the
    probe explored as the result of a unit (the start of the tree), with the nodes it
    left, where that can count (:func:`_head`)."""
    from smpcheck.explore.session import explore

    box = PROBE_S if one.timeout is None else min(one.timeout, PROBE_S)
    bounded = replace(one, timeout=box) if PROBE_EXECUTIONS is None else replace(
        one, max_executions=PROBE_EXECUTIONS)
    split = Split()
    probe, explorer, checker = explore(model, globals_, mm, bounded, progress, split=split,
                                       carried=seen)
    own = Limit.TIMEOUT if PROBE_EXECUTIONS is None else Limit.MAX_EXECUTIONS
    if (one.timeout is None or one.timeout > PROBE_S) and any(
            c.limit == own for c in probe.incomplete):
        return None, _head(probe, split, explorer, own, one)  # (its own bound, not the run's)
    checker.finish(probe)
    return probe, None


PROBE_EXECUTIONS: int | None = None  # tests: the probe stops after so many, not in time
PROBE_POPS: int | None = None  # tests: a shared walk forks after so many nodes, not in time


def _head(probe: Result, split: Split, explorer: Any, own: Limit, one: Settings
          ) -> Head | None:
    """What a probe cut short explored, as the first unit's result, and the nodes it
    left: only if it stopped between two nodes of its first pass (a speculating pass
    is not a unit's; the watchdog stops a walk anywhere), judging each execution as
    it came (no batch)."""
    if not explorer.paused or explorer.speculating or one.batch != 1:
        return None
    probe.incomplete = [c for c in probe.incomplete if c.limit != own]
    return walked((), probe, split, explorer, one.timeout), split.left()


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
    result.witnesses = again.witnesses(merged.witnesses)

    def report(v: Violation) -> None:
        if all(v.key() != w.key() for w in result.violations):
            result.violations.append(v)

    Checker(model, mm, globals_, report).finish(result)


class _Again:
    """Findings and witnesses made again by walking one node's path alone."""

    def __init__(self, model: Model, globals_: dict[str, Loc], mm: MemoryModel,
                 s: Settings) -> None:
        # One pass: the paths name nodes of the first pass's tree (a unit's); walked to
        # the end of a node alone, its few executions may ask for a speculating pass
        # that the whole run never made, in another tree.
        self.args = (model, globals_, mm, replace(s, all_violations=True, timeout=None,
                                                   max_passes=1))
        self.results: dict[Path, Result] = {}

    def _walk(self, paths: list[Path]) -> Result:
        """One walk of the nodes of ``paths`` alone."""
        from smpcheck.explore.session import explore

        model, globals_, mm, s = self.args
        return explore(model, globals_, mm, s, split=Split(only=paths))[0]

    def _walk_one(self, path: Path) -> Result:
        hit = self.results.get(path)
        if hit is None:
            hit = self.results[path] = self._walk([path])
        return hit

    def finding(self, key: Any, path: Path) -> Violation:
        r = self._walk_one(path)
        for v in (*r.violations, *r.warnings):
            if v.key() == key:
                return v
        raise InternalError(f"a finding of another process ({key}) is not found again")

    def witnesses(self, paths: dict[Any, Path]) -> dict[Any, Any]:
        """The witness of each final state (key -> its node's path), all made again in
        one walk of the nodes of their paths: the walk's order is the whole walk's, so
        the first execution it reaches with a final state is at that state's node
        (the first in the whole walk, which the merge kept)."""
        if not paths:
            return {}
        found = self._walk(list(paths.values())).witnesses
        mine = {portable(k): g for k, g in found.items()}  # (keys as the units sent them)
        if not mine.keys() >= paths.keys():
            raise InternalError("a witness of another process is not found again")
        return {key: mine[key] for key in paths}
