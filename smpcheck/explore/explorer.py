"""Stateless exploration of execution graphs, each consistent execution exactly once.

The algorithm follows TruSt (Kokologiannakis, Marmanis, Gladstein, Vafeiadis,
POPL 2022).  Events are added one at a time, always for the lowest-numbered CPU
that has one to add.  A read is tried against every write of its location
already in the graph (*forward* choices); a write is tried at every coherence
position, and may also *revisit* an earlier read of its location: the read
then reads from the new write and everything added after the read that the
write does not depend on is removed.  A revisit happens only when the removed
part was added *maximally* (each removed read read, and each removed write was
placed, coherence-latest), which makes the graph it leads to reachable from one
parent only: no execution is visited twice, and no consistent one is missed.

Spin loops are awaits (Kokologiannakis and Vafeiadis, FMCAD 2021): a CPU whose
loop iteration read values that keep it waiting *blocks* in that graph rather
than adding another iteration; a later write revisits the wait's reads.  An
execution where some CPU stays blocked is counted as *blocked*, unless the
reads it waits on are the final values of their locations, in which case the
wait can never end: a deadlock or an endless wait.

The memory model is consulted through one call (``inconsistency_after``) after
every change, naming the events the change added or changed, so inconsistent
prefixes are cut at once and a model may check only what those events can
break.  The only thing the exploration asks of a model besides is
``track_dependencies``: whether an execution may have a (po | rf) cycle (load
buffering, under the LKMM).  Then a write may also revisit a read in its
(po | rf) prefix that it does not depend on, keeping the prefix less that read
and what depends on it (:meth:`ExecutionGraph.dep_prefix`); such revisits have no unique parent, so
the exploration counts each complete execution once by its digest.  A cycle
through a dependency, which no revisit can close, is reached by speculation: a
read takes a value from a write not added yet (:mod:`smpcheck.explore.speculation`),
where the model says such a cycle may be consistent (:meth:`speculates`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from time import monotonic  # (a name of this module: a test's clock replaces it, compiled too)
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from smpcheck._rt.runtime import (
    BLOCK,
    STOPPED,
    Cpu,
    ModelRaised,
    Op,
    OpCache,
    Run,
    in_reader,
    rcu_closers,
)
from smpcheck.errors import UsageError
from smpcheck.explore.speculation import (
    BOUNDED,
    FREE,
    ORDERED,
    Domain,
    execution_key,
    first_meeting,
    graph_key,
    site_of,
)
from smpcheck.graph.events import INIT_TID, Event, lone_unlock, replaced
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.model.source import Latent
from smpcheck.model.values import EventId
from smpcheck.models.base import ATOMIC, MemoryModel
from smpcheck.models.cycles import GRACE_PERIODS, coherence_witness, write_cycle
from smpcheck.records import replace
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Cut, Limit, Result
from smpcheck.settings import (
    Settings as Settings,  # (re-exported for code written before settings.py)
)

if TYPE_CHECKING:  # (replay is imported by whoever replays, split by -j: not by every run)
    from smpcheck.explore.replay import Guide
    from smpcheck.explore.split import Split

_FROM_OP: Any = object()  # an event field left to the op's value


class _CutQuestion:
    """What :meth:`Explorer._may_cut` asks about one revisiting write's graph: ``g``,
    what the revisit keeps, the write, whether ``g`` is known consistent, and the
    answers so far (the same for every read it revisits); ``maximal``: the answers of
    :meth:`Explorer._maximal`, the same at each of the write's coherence places (the
    write is no rival: :func:`_before`).  (A plain class: a dataclass's ``__init__``
    is Python code even compiled, and one is made per revisiting write.)"""

    def __init__(self, g: ExecutionGraph, keep: set[EventId], w: EventId, consistent: bool,
                 known: dict[EventId, bool], maximal: dict[EventId, bool]) -> None:
        self.g = g
        self.keep = keep
        self.w = w
        self.consistent = consistent
        self.known = known
        self.maximal = maximal


@mypyc_attr(allow_interpreted_subclasses=True)  # (compiled by mypyc: tests record its calls)
class Explorer:
    """Explores every execution of ``cpus`` under ``mm``; ``on_complete`` checks each one.

    ``guide``: replay, keeping only the graphs agreeing with a recording;
    ``on_restart``: a new pass begins (forget what was judged); ``split``: -j's part of
    the tree to explore (:class:`~smpcheck.explore.split.Split`); ``on_violation``: every
    finding, duplicates too; ``latent``: Model.latent; ``ops``: the CPUs' op caches to
    go on with (Run's ``kept``).  (A plain class: a dataclass would import
    :mod:`dataclasses`, and with it :mod:`inspect`, in every command.)"""

    def __init__(self, cpus: list[Callable[[], Any]], mm: MemoryModel,
                 settings: Settings | None = None,
                 on_complete: Callable[[ExecutionGraph, Result], None] | None = None,
                 on_progress: Callable[[Result], None] | None = None,
                 guide: Guide | None = None, on_restart: Callable[[], None] | None = None,
                 split: Split | None = None,
                 on_violation: Callable[[Violation], None] | None = None,
                 latent: Sequence[Latent] = (), ops: OpCache | None = None) -> None:
        self.cpus = cpus
        self.mm = mm
        self.settings = Settings() if settings is None else settings
        self.on_complete = on_complete
        self.on_progress = on_progress
        self.guide = guide
        self.on_restart = on_restart
        self.split = split
        self.on_violation = on_violation
        self.latent = latent
        self.ops = ops
        self.carry = False  # (_push: go on with the graph)

    def explore(self, result: Result) -> Result:
        """Run the exploration, filling in ``result``.

        When the memory model lets some read speculate (:mod:`smpcheck.explore.speculation`),
        the exploration runs again, speculating on the values the previous pass saw
        written, until a pass sees no new value; ``result`` holds the last pass."""
        self.result = result
        self.locs = Locations()
        self.run = Run(self.cpus, self.settings.loop_bound, self.settings.max_events,
                       self.settings.irq_bound, self.ops)
        self.domain = Domain(self.latent)
        self.speculating = False  # whether this pass lets reads speculate
        # Under a model with dependencies two paths may reach one execution (revisits
        # through a cycle, speculation): each is counted once (smpcheck.explore.speculation)
        self.seen_executions: set[bytes] | None = set() if self.mm.track_dependencies \
            else None
        self.seen_violations: set[Any] = set()
        self.first_pass = 0  # graphs the first pass explored
        self.paused = False  # stopped by a bound between two graphs (see _pass)
        self.carry = False
        start = monotonic()
        from smpcheck._rt import runtime as _runtime

        _runtime.set_run(self.run)
        try:
            for passes in range(1, self.settings.max_passes + 1):
                known = self.domain.snapshot()
                finished = self._pass(start)
                if not finished or not self.domain.close() or self.guide is not None:
                    break
                if self.speculating and self.domain.snapshot() == known:
                    break  # the values are a fixpoint: this pass saw them all
                if passes == self.settings.max_passes:
                    result.cut(Cut(Limit.VALUE_PASSES, passes))
                    break
                self._restart()
        finally:
            _runtime.set_run(None)
            self.run.finish()
            self.domain.forget_meetings()
        result.elapsed_s = monotonic() - start
        return result

    def _pass(self, start: float) -> bool:
        """One exploration from the empty graph; whether it ran to its end (it stops at a
        bound, or at the first violation unless all are asked for)."""
        result = self.result
        self.stack: list[ExecutionGraph] = [ExecutionGraph(len(self.cpus), self.locs)]
        self.seen_graphs: set[bytes] = set()  # speculating graphs explored (_duplicate)
        self.unjudged: list[ExecutionGraph] = []  # complete, awaiting the model's verdict
        self.carried = 0  # steps whose one child was extended at once (_push)
        graphs = 0
        if self.split is not None:
            self.split.start()
        budget = max(self.settings.speculation_factor * self.first_pass, SPECULATION_FLOOR)
        while self.stack:
            if self._over_budget(start):
                self.paused = True  # (between graphs: the stack is all that is left)
                self._judge_pending()  # (those found count: they are reported)
                return False
            graphs += 1
            if self.speculating and graphs > budget:
                self._cut_speculation(budget)
                return False
            g = self.stack.pop()
            if self.split is not None and not self.split.popped(result):
                continue  # (outside this process's part of the tree)
            if self._duplicate(g):
                graphs -= 1  # (the budget counts graphs explored)
                continue
            self.run.speculating = bool(g.spec)
            self.run.sync(g)
            self._extend(g)
            if result.violations and not self.settings.all_violations:
                result.stopped_early = True
                return False
            if self.on_progress is not None:
                result.elapsed_s = monotonic() - start
                self.on_progress(result)
        self._judge_pending()
        if not self.speculating:
            self.first_pass = graphs + self.carried
        return not (result.violations and not self.settings.all_violations)

    def _duplicate(self, g: ExecutionGraph) -> bool:
        """Whether a speculating pass already explored a graph identical to ``g``.

        Speculation reaches one graph by several paths (a read speculates a value a
        write added later gives it, where another path read that write; resolutions by
        one write in sets; revisits that cut a speculating read and those that keep
        it): a third to a half of a speculating pass's graphs were such repeats, each
        explored with its whole subtree.  Skipping a repeat loses nothing: the explorer
        extends a graph from its state alone (:func:`graph_key` keys all of it) and the
        domain's version, so the repeat's subtree is the first one's, already explored
        (its executions counted once by their digest anyway, its findings reported).
        Only graphs where reads speculate or were resolved (the others are reached
        once, TruSt's argument), and neither under replay nor -j, which walk the tree
        by the position of each graph in it."""
        if not (self.speculating and (g.spec or g.spec_resolved)) \
                or self.split is not None or self.guide is not None:
            return False
        key = graph_key(g, self.domain.version)
        if key in self.seen_graphs:
            return True
        self.seen_graphs.add(key)
        return False

    def _cut_speculation(self, budget: int) -> None:
        """A speculating pass ran out of graphs: the counts are those of the last pass that
        ended (a lower bound), the findings all those made, and the run incomplete."""
        findings = (self.result.violations, self.result.warnings)
        self.result.__dict__.update(self.counted.__dict__)
        self.result.violations, self.result.warnings = findings
        self.result.cut(Cut(Limit.SPECULATION, budget))

    def _restart(self) -> None:
        """Prepare another pass, speculating on every value seen written so far."""
        self.counted = copy.copy(self.result)  # (what a pass cut short reports)
        self.result.reset()
        if self.on_restart is not None:
            self.on_restart()
        self.speculating = True
        self.seen_executions = set()

    def _over_budget(self, start: float) -> bool:
        """Whether a bound stops the pass (the cut recorded): the executions found, the
        complete graphs a batch holds for the model's verdict among them, reach
        ``max_executions``, or the time is up."""
        s, r = self.settings, self.result
        if s.max_executions is not None \
                and r.executions + r.blocked + len(self.unjudged) >= s.max_executions:
            r.cut(Cut(Limit.MAX_EXECUTIONS, s.max_executions))
            return True
        if s.timeout is not None and monotonic() - start > s.timeout:
            r.cut(Cut(Limit.TIMEOUT, s.timeout))
            return True
        return False

    # -- one graph: add events until a choice or the end --------------------------
    def _extend(self, g: ExecutionGraph) -> None:
        self.current = g
        while True:
            cpu = self._next_cpu()
            if cpu is None:
                self._complete(g)
                return
            op = cpu.pending
            assert op is not None
            if self.run.warnings:
                self._drain_warnings(g)
            handler = _handlers.get(op.kind)
            if handler is None:
                self._add_simple(g, cpu, op)
            elif not handler(self, g, cpu, op):
                if not self.carry:
                    return
                self.carry = False  # (g, consistent, is its step's one child: _push)
                self.carried += 1
                self.run.advance(cpu)
                continue
            if self._inconsistency(g, cpu.tid, cpu.pos) is not None:
                return
            if g.spec and self._hopeless(g):
                return
            self.run.speculating = bool(g.spec)
            self.run.advance(cpu)

    def _drain_warnings(self, g: ExecutionGraph) -> None:
        for cpu, op in self.run.warnings:
            self._found(g, cpu.tid, Violation(Kind.WARNING, op.message, cpu.tid, op.src, None))
        self.run.warnings.clear()

    def _found(self, g: ExecutionGraph, tid: int, finding: Violation | Cut) -> None:
        """Report what CPU ``tid`` ran into in ``g``; while a read speculates, only note
        it: it is real once the speculation is resolved (:meth:`_complete`)."""
        if g.spec:
            g.notes = (*g.notes, (finding, g.last(tid)))
        else:
            self._found_now(g, finding)

    def _next_cpu(self) -> Cpu | None:
        if self.guide is not None:
            return self.guide.next_cpu(self.run.cpus)
        for cpu in self.run.cpus:
            if cpu.pending is not None:
                return cpu
        return None

    def _consistent(self, g: ExecutionGraph, tid: int, pos: int) -> bool:
        return self._inconsistency(g, tid, pos) is None

    def _inconsistency(self, g: ExecutionGraph, tid: int, pos: int) -> str | None:
        """The axiom ``g`` violates, if any, where only CPU ``tid``'s events from ``pos``
        on were added or changed since it was consistent."""
        return self.mm.inconsistency_after(g, _added(g, tid, pos))

    def _repairable(self, g: ExecutionGraph, tid: int, pos: int, why: str) -> bool:
        """Whether a write just added may still revisit although its graph is inconsistent.

        An RMW placed against another RMW breaks atomicity until it revisits that
        RMW's read.  Under a dependency-tracking model a write can fill a hole in
        program order, hb-before events already present that read an older value,
        until it revisits them.  ``why`` is the violated axiom: RMW atomicity is checked
        first, so any other means the model's own axioms fail."""
        return self.mm.track_dependencies or (
            why == ATOMIC and self.mm.inconsistency_after(g, _added(g, tid, pos), False) is None)

    @staticmethod
    def _event(tid: int, pos: int, op: Op, kind: str, *, value: Any = _FROM_OP,
               tags: frozenset[str] | None = None, rmw: bool = False,
               data: frozenset[EventId] | None = None, obj: Any = _FROM_OP,
               extra: dict[str, Any] | None = None) -> Event:
        """The event of ``op`` at ``pos`` of CPU ``tid``: the op's fields unless given.
        (Positional: one is made for every step of every execution.)"""
        return Event((tid, pos), kind, op.loc, op.value if value is _FROM_OP else value,
                     op.tags if tags is None else tags, rmw, op.addr,
                     op.data if data is None else data, op.ctrl,
                     op.obj if obj is _FROM_OP else obj, op.text, op.src,
                     {} if extra is None else extra, op.branch)

    @staticmethod
    def rmw_write(read: Event, op: Op, value: Any) -> Event:
        """The write of the RMW ``op`` whose read is ``read``, writing ``value``: it
        depends on the read where its value is computed from it (Op.from_read)."""
        data = op.data | frozenset({read.id}) if op.from_read else op.data
        return Explorer._event(read.tid, read.idx + 1, op, "W", value=value, tags=op.wtags,
                               rmw=True, data=data)

    def _made(self, tid: int, pos: int, op: Op, kind: str) -> Event:
        """The event of ``op`` at ``pos`` of CPU ``tid`` with the op's own fields, made
        once per op: a cached CPU's op comes back in every execution where the CPU
        was given the same answers (events are immutable, so graphs may share one)."""
        ev = op.made
        if ev is None or ev.id != (tid, pos) or ev.kind != kind:
            ev = op.made = self._event(tid, pos, op, kind)
        return ev

    def _add_simple(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> None:
        """Fences, frees and the CPU's end: one event, no choice (an end notes whether
        the CPU still takes interrupts: it is idle then)."""
        if op.kind == "E" and op.irqs_on:
            g.add(self._event(cpu.tid, cpu.pos, op, "E", extra={"irqs_on": True}))
            return
        g.add(self._made(cpu.tid, cpu.pos, op, op.kind))

    def _fence(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        """A fence; a spin_unlock() that matches no lock is one too, with a location, and
        spin_is_locked() may read it (lock.cat's rf-ru): then its revisits."""
        self._add_simple(g, cpu, op)
        ev = g.event((cpu.tid, cpu.pos))
        if not lone_unlock(ev):
            return True
        # (a cycle may run through it, from a read it keeps after to a spin_is_locked()
        # that reads it: the domain must know, or no read speculates there; case
        # tests/data/herd7/cases/lone-unlock-on-cycle.litmus)
        self._wrote(g, ev)
        revisits = self._revisits(g, (cpu.tid, cpu.pos))
        if not revisits:
            return True
        if self._consistent(g, cpu.tid, cpu.pos):
            revisits.insert(0, g)
        self._push(revisits)  # (a branch point, as a write's: -j splits the tree here)
        return False

    def _block(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        """A spin loop whose last iteration only read: wait on those reads."""
        g.add(self._event(cpu.tid, cpu.pos, op, "B", value=None,
                          extra={"waits": op.value, "lock": False, "can_end": op.can_end,
                                 "irqs_on": op.irqs_on}))
        return True

    def _choose(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        """A choice the CPU makes (whether an interrupt comes here): one graph per
        alternative; the model has nothing to say about it."""
        n = op.value
        self._push([self._chosen(_fresh(g, i == n - 1), cpu, op, i) for i in range(n)])
        return False

    def _chosen(self, g: ExecutionGraph, cpu: Cpu, op: Op, i: int) -> ExecutionGraph:
        g.add(self._event(cpu.tid, cpu.pos, op, "C", value=i))
        return g

    def _alloc(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        assert op.spec is not None
        obj = self.run.heap_object((cpu.tid, cpu.pos), op.spec, op.text or "kmalloc")
        g.add(self._event(cpu.tid, cpu.pos, op, "A", obj=obj))
        return True

    def _stop(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        """An error or a bound: report it, and stop the CPU that met it.  The others go
        on: their writes may still revisit its reads, and so make the executions where
        it does not get here (its wait ends in time, its BUG_ON passes), and they meet
        their own errors.  A graph with a stopped CPU is no execution (:meth:`_complete`).
        An error ends its graph instead unless ``--all`` asks for every violation (the
        first one ends the run) or a read speculates (the finding is noted then, and
        real only if the speculation comes true)."""
        finding: Violation | Cut
        if op.text == "raised" and not g.spec:
            raise op.value  # (model code raised, on no speculated value: a model error)
        if op.kind == "BOUND":  # text: the Limit, value: its value
            finding = Cut(Limit(op.text), op.value, op.src, cpu.tid)
        elif op.text == "raised":  # (kept, and raised once the speculation comes true)
            finding = op.value
        else:
            kind = {"null-deref": Kind.NULL_DEREF, "bad-free": Kind.BAD_FREE}.get(
                op.text, Kind.ASSERTION)
            finding = Violation(kind, op.message, cpu.tid, op.src, None)
        goes_on = bool(g.spec) or op.kind == "BOUND" or self.settings.all_violations
        if isinstance(finding, Violation) and not g.spec and _grace_periods(g):
            # (judged once the others have run: a revisit may have left a reader's
            # section as holes before the write it read, which RCU binds all the same)
            g.notes = (*g.notes, (finding, g.last(cpu.tid)))
            goes_on = True
        else:
            self._found(g, cpu.tid, finding)
        if not goes_on:
            return False
        extra = {"stopped": True, "cut": True} if op.kind == "BOUND" else {"stopped": True}
        g.add(self._event(cpu.tid, cpu.pos, op, "E", value=None, extra=extra))
        return True

    def report(self, v: Violation) -> None:
        """Record a finding once per kind and place."""
        if self.on_violation is not None:
            self.on_violation(v)
        key = v.key()
        if key in self.seen_violations:
            return
        self.seen_violations.add(key)
        if v.kind == Kind.WARNING:
            self.result.warnings.append(v)
        else:
            self.result.violations.append(v)

    # -- reads: one child per write it may read from --------------------------------
    def _read(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        assert op.loc is not None
        children = self._speculations(g, cpu, op)
        sources = g.co_order(op.loc)
        if op.vtags is not None:  # spin_is_locked(): also a lone unlock's 0
            sources = sources + [u.id for u in _lone_unlocks(g, op.loc)]
        for k, w in enumerate(sources):
            child = _fresh(g, k == len(sources) - 1)
            self._add_read(child, cpu.tid, cpu.pos, op, w)
            why = self._inconsistency(child, cpu.tid, cpu.pos)
            if why is None:
                children.append(child)
                children.extend(self._rmw_resolutions(child, (cpu.tid, cpu.pos)))
            elif not (child.event((cpu.tid, cpu.pos)).rmw
                      and self._repairable(child, cpu.tid, cpu.pos, why)):
                continue
            children.extend(self._revisits_of_rmw(child, (cpu.tid, cpu.pos), why is None))
        self._push(children)
        return False

    def _speculations(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> list[ExecutionGraph]:
        """Graphs where the read of ``op`` takes a value of the domain from a write not
        added yet (:mod:`smpcheck.explore.speculation`): only where the model says a read like
        it may be part of a cycle.  An RMW that speculates a value that makes it fail
        is a plain read; one that succeeds (only on a cycle of RMWs alone, or offered
        a latent constant: :meth:`Domain.close`) places its write at each coherence
        place, and the write that resolves it must come just before (atomicity,
        checked at the resolution)."""
        assert op.loc is not None
        if op.kind not in ("R", "RMW"):
            return []
        if not self.speculating or not self.domain.speculates(cpu.tid, op.src, op.text):
            return []
        out = []
        rid = (cpu.tid, cpu.pos)
        success = op.kind == "RMW" and self.domain.speculates_success(cpu.tid, op.src, op.text)
        for value in self.domain.candidates(op.loc, cpu.tid, op.src, op.text):
            succeeds = op.kind == "RMW" and not _fails(op, value)
            if succeeds and not success:
                continue
            for after in g.co_order(op.loc) if succeeds else [None]:
                child = g.copy()
                self._add_read(child, cpu.tid, cpu.pos, op, None, spec=value, after=after)
                if self._inconsistency(child, cpu.tid, cpu.pos) is None:
                    out.append(child)
                    if succeeds:
                        out.extend(self._rmw_resolutions(child, rid))
                        out.extend(self._revisits_of_rmw(child, rid, True))
        return out

    def _wrote(self, g: ExecutionGraph, wev: Event) -> None:
        """Under a model with dependencies, note the reads a write (or lone unlock) just
        added to ``g`` depends on through which a cycle may run (where reads of the next
        pass may speculate)."""
        if self.mm.track_dependencies and first_meeting(self.domain.met_deps, wev):
            # (one write event object, one prefix of its CPU: the CPUs are deterministic)
            t = g.threads[wev.tid]
            for read in g.local_deps(wev.id, self.mm.keeps_order):
                between = [e for e in t[read.idx + 1:wev.idx] if e is not None]
                self.domain.depends(read, wev, self._weight(read, wev, between, t),
                                    self._weight_if_failed(read, wev, between, t))

    def _weight(self, read: Event, wev: Event, between: list[Event],
                t: list[Event | None]) -> int:
        """How a cycle through ``wev``'s dependency on ``read`` may be consistent
        (:mod:`smpcheck.explore.speculation`'s weights).  BOUNDED only where no earlier
        write of the CPU has ``wev``'s site: a cycle through two dependencies at one
        pair of sites needs two writes at one site, the later of which finds the
        earlier here, weighing the edge FREE."""
        if not self.mm.speculates(read, wev, between):
            return ORDERED
        if not self.mm.bounded(read, wev, between):
            return FREE
        site = site_of(wev)
        if any(e is not None and e.kind == "W" and site_of(e) == site for e in t[:wev.idx]):
            return FREE
        return BOUNDED

    def _weight_if_failed(self, read: Event, wev: Event, between: list[Event],
                          t: list[Event | None]) -> int | None:
        """The weight of the same edge were ``read``, an RMW that succeeded, to fail (a
        trylock then acquires nothing, a cmpxchg orders nothing, and what its CPU did
        on its value may not run: the unlock after a trylock that took the lock);
        None for an RMW that cannot fail.  A cycle may need it to fail where no
        execution without the cycle saw it fail (:meth:`Domain.close`; case
        successful-rmw-fails-on-cycle)."""
        op = read.extra.get("op")
        if not (read.rmw and op is not None and op.kind == "RMW" and op.ftags is not None):
            return None
        failed = replaced(read, tags=op.ftags, rmw=False)
        own = (read.tid, read.idx + 1)  # (the RMW's write, which a failed RMW has not)
        rest = [e for e in between if read.id not in e.branch and e.id != own]
        return self._weight(failed, wev, rest, t)

    def _hopeless(self, g: ExecutionGraph) -> bool:
        """Whether some speculating read waits for a value that no extension of ``g``
        can write: no CPU still running writes it, and no CPU that wrote it can run
        again.  A CPU that ended runs again when a revisit cuts its events: the first
        cut after ``g`` comes from a write (or lone unlock) a running CPU adds,
        revisiting a read added before the events it cuts.  (Without that second
        clause a 3-CPU litmus test lost the execution that its condition asked
        about: tests/data/speculation/rerun_writer.litmus.)"""
        done = {t for t, evs in enumerate(g.threads) if evs and evs[-1] is not None
                and evs[-1].kind == "E"}
        running = set(range(len(g.threads))) - done
        for r, value in g.spec.items():
            loc = g.event(r).loc
            assert loc is not None
            writers = self.domain.writers(loc, value) - {r[0]}
            if writers - done:
                continue
            if not any(self._may_run_again(g, t, running) for t in writers):
                return True
        return False

    def _may_run_again(self, g: ExecutionGraph, tid: int, running: set[int]) -> bool:
        """Whether a revisit by a write a running CPU may add can cut events of CPU
        ``tid``: a read it may revisit (not frozen, not speculating) was added before
        the last of them.  Which CPU may write where is the domain's (the values of
        the run's writes, latent constants included)."""
        stamps = [g.stamp[ev.id] for ev in g.threads[tid] if ev is not None]
        if not stamps or not running:
            return False
        last = max(stamps)
        return any(self._revisitable_by(g, ev, running) for t in g.threads for ev in t
                   if ev is not None and ev.kind == "R" and g.stamp[ev.id] < last)

    def _revisitable_by(self, g: ExecutionGraph, read: Event, running: set[int]) -> bool:
        """Whether a running CPU other than the read's may add a write (or, for
        spin_is_locked(), a lone unlock) that revisits ``read``."""
        if read.id in g.frozen or read.id in g.spec or read.loc is None:
            return False
        others = running - {read.tid}
        return bool(others) and (read.extra["op"].vtags is not None
                                 or bool(self.domain.written_by(read.loc) & others))

    def _add_read(self, g: ExecutionGraph, tid: int, pos: int, op: Op, w: EventId | None,
                  replace: bool = False, spec: Any = None, after: EventId | None = None
                  ) -> None:
        """Add (or, revisiting, replace) the read of ``op`` at ``pos`` reading from ``w``
        (or, with ``w`` None, speculating the value ``spec``), with an RMW's write, or a
        marker if the CPU must wait.  A successful RMW's write goes just after its
        source in coherence; one that speculates, just after ``after``: the source that
        resolves it must then come between (atomicity, checked at the resolution)."""
        value = g.event(w).value if w is not None else spec
        outcome = op.outcome(value) if op.update is not None else None
        success = op.kind == "RMW" and outcome is not None and outcome is not BLOCK
        tags = op.tags if success or op.ftags is None else op.ftags
        if op.vtags is not None:
            tags = tags | op.vtags(value)
        read = self._event(tid, pos, op, "R", value=None, tags=tags, rmw=success,
                           extra={"op": op})
        if replace:
            g.threads[tid][pos] = read
            g.note_plain(read)
        else:
            g.add(read)
        if w is None:
            g.spec[read.id] = value
        else:
            g.rf[read.id] = w
        if success:
            place = w if w is not None else after
            assert place is not None
            write = self.rmw_write(read, op, outcome)
            g.add(write)
            g.co_insert(write.id, place)
            self._wrote(g, write)
        elif outcome is BLOCK or (op.await_ok is not None and not op.await_ok(value)):
            g.add(self._event(tid, pos + 1, op, "B", value=None, tags=frozenset(),
                              extra={"waits": (read.id,), "lock": outcome is BLOCK,
                                     "can_end": op.can_end, "irqs_on": op.irqs_on}))
        elif op.kind == "RMW":  # a failed RMW keeps its write's place: positions stay put
            g.add(self._event(tid, pos + 1, op, "N", value=None, tags=frozenset()))

    # -- writes: every coherence position, then revisits ---------------------------
    def _write(self, g: ExecutionGraph, cpu: Cpu, op: Op) -> bool:
        wev = self._made(cpu.tid, cpu.pos, op, "W")
        assert op.loc is not None
        children = []
        keep: set[EventId] | None = None  # the same at every coherence position
        before = g.co_order(op.loc)[1:]  # (registers the location's initial write)
        scratch = g  # tried at each position; copied only where it is kept
        scratch.add(wev)
        self._wrote(scratch, wev)
        reads = self._revisitable(scratch, wev)  # the same at every position too
        maximal: dict[EventId, bool] = {}  # (_CutQuestion.maximal)
        for pos in range(len(before) + 1):
            scratch.co[op.loc] = [*before[:pos], wev.id, *before[pos:]]
            why = self._inconsistency(scratch, cpu.tid, cpu.pos)
            if why is not None and not self._repairable(scratch, cpu.tid, cpu.pos, why):
                continue
            # (an inconsistent place is only revisited from, and each revisit copies)
            child = _fresh(scratch, pos == len(before)) if why is None else scratch
            if why is None:
                children.append(child)
                children.extend(self._resolutions(child, wev))
            if reads:  # (what a revisit keeps is computed only if one may happen)
                if keep is None:
                    keep = self._keep(child, wev.id)
                    reads = [r for r in reads  # (kept: not revisited, unless it then fails)
                             if r.id not in keep or self._fails_on(r, wev)]
                    if not reads:
                        continue  # (nor at any other place: no coherence witness to find)
                cycle = None if why is None else (write_cycle(scratch, wev, before[pos:])
                                                  or coherence_witness(scratch, op.loc, cpu.tid))
                if cycle is not None and all(e[0] == INIT_TID or e in keep for e in cycle):
                    continue  # (every revisit keeps the cycle: _keeps_cycle, for each read)
                children.extend(self._revisits(child, wev.id, keep, reads, why is None,
                                               maximal, cycle))
        self._push(children)
        return False

    def _resolutions(self, g: ExecutionGraph, wev: Event,
                     after: EventId | None = None) -> list[ExecutionGraph]:
        """Graphs where reads speculating ``wev``'s value on its location, on other
        CPUs, take ``wev`` as their source: one graph per set of them (the graph where
        they go on waiting is ``g``).  Each set once: a read resolves only after the
        reads before it in a fixed order (``after``: the last one resolved)."""
        out: list[ExecutionGraph] = []
        if wev.kind != "W":
            return out  # (a lone unlock is read by spin_is_locked() alone)
        for r in sorted(g.spec):
            value = g.spec[r]
            if (after is not None and r <= after) or r[0] == wev.tid \
                    or g.event(r).loc is not wev.loc:
                continue
            if type(value) is not type(wev.value) or value != wev.value:
                continue
            child = g.copy()
            del child.spec[r]
            child.rf[r] = wev.id
            child.spec_resolved = {**child.spec_resolved, r: wev.id}
            if self.mm.inconsistency_after(child, [r, wev.id]) is None:
                out.append(child)
                out.extend(self._resolutions(child, wev, r))
        return out

    def _rmw_resolutions(self, g: ExecutionGraph, rid: EventId) -> list[ExecutionGraph]:
        """:meth:`_resolutions` by the write of the RMW whose read is ``rid``, if it wrote."""
        if not g.spec:
            return []
        wid = g.companion(rid)
        if wid is None or g.event(wid).kind != "W":
            return []
        return self._resolutions(g, g.event(wid))

    def _revisits_of_rmw(self, g: ExecutionGraph, rid: EventId, consistent: bool
                         ) -> list[ExecutionGraph]:
        wid = g.companion(rid)
        if wid is not None and g.event(wid).kind == "W":
            return self._revisits(g, wid, consistent=consistent)
        return []

    def _push(self, children: list[ExecutionGraph]) -> None:
        """Push the children of a step, for the walk to take them in order.  A step
        whose one child is the graph it extended, consistent, is no choice: that
        graph is extended at once (``carry``), as popping it next would, without
        bringing every CPU to it again (half of a litmus ring's steps).  Not under
        replay (the guide takes graphs as pushed) nor while reads speculate (each
        popped graph is checked for a repeat: _duplicate)."""
        if len(children) == 1 and children[0] is self.current and self.guide is None \
                and not self.speculating:
            self.carry = True
            return
        if self.guide is not None:
            children = [c for c in children if self.guide.accept(c)]
        if self.split is not None:
            children = self.split.pushed(children)
        self.stack.extend(reversed(children))

    def _keep(self, g: ExecutionGraph, w: EventId) -> set[EventId]:
        """What a revisit by ``w`` keeps: its (po | rf) prefix, or what it depends on.
        Neither depends on where ``w`` sits in coherence order."""
        if self.mm.track_dependencies:
            return g.dep_prefix(w, self.mm.keeps_order)
        return g.porf_prefix(w)

    def _revisits(self, g: ExecutionGraph, w: EventId, keep: set[EventId] | None = None,
                  reads: list[Event] | None = None, consistent: bool = False,
                  maximal: dict[EventId, bool] | None = None,
                  cycle: list[EventId] | None = None) -> list[ExecutionGraph]:
        """Graphs where an earlier read of the location reads from ``w`` instead
        (``keep``: ``_keep(g, w)``, and ``reads``: ``_revisitable(g, w)``, if known;
        ``consistent``: whether ``g`` is known to be, with ``w``; ``maximal``: the
        answers of :meth:`_maximal` at ``w``'s other coherence places, if any;
        ``cycle``: the events of a coherence cycle of ``g``
        (:func:`coherence_witness`), if it has one: a revisit that keeps them all
        and changes none of their sources is inconsistent, skipped unmade)."""
        wev = g.event(w)
        if reads is None:
            reads = self._revisitable(g, wev)
        if not reads:
            return []
        if keep is None:
            keep = self._keep(g, w)
        succ = None if wev.rmw or wev.kind == "F" else next(iter(g.co_after(w)), None)
        out: list[ExecutionGraph] = []
        stamp = g.stamp
        ask = _CutQuestion(g, keep, w, consistent, {}, {} if maximal is None else maximal)
        for r in reads:
            kept, question = keep, ask
            if r.id in keep:
                failing = self._kept_if_failed(g, r, wev)
                if failing is None:
                    continue
                kept, question = failing, _CutQuestion(g, failing, w, consistent, {}, {})
            if (cycle is not None and _keeps_cycle(g, cycle, r.id, kept)) \
                    or not self._may_cut(question, r.id):
                continue  # (the read first: no need to know what it would cut)
            mine = stamp[r.id]
            doomed = {e for e, s in stamp.items() if s > mine} - kept
            if succ is not None and succ in doomed:
                continue
            if _orphans(g, doomed):
                continue
            if not all(self._may_cut(question, e) for e in doomed):
                continue
            out.extend(self._revisit(g, r.id, w, doomed, kept))
        return out

    def _fails_on(self, read: Event, wev: Event) -> bool:
        """Whether ``read`` is a successful RMW's read, under a model with dependencies,
        that fails reading ``wev`` (a write then: its value)."""
        if not (self.mm.track_dependencies and read.rmw and wev.kind == "W"):
            return False
        op: Op = read.extra["op"]
        return op.kind == "RMW" and _fails(op, wev.value)

    def _kept_if_failed(self, g: ExecutionGraph, read: Event, wev: Event
                        ) -> set[EventId] | None:
        """What a revisit of ``read`` by ``wev`` keeps if ``read``, which ``wev``'s prefix
        holds as the RMW it is, then fails (:meth:`_fails_on`): its write gone, it may be
        a read the prefix does not hold (a fence such as smp_wmb() orders only the write;
        a failed trylock acquires nothing).  None if it holds it still, or something
        reads its write.  The branch where it was added failing never made the cut
        either: it was added reading another write, and succeeded (case
        successful-rmw-then-wmb-fails-on-cycle).  What a failed RMW's tags alone
        order is not kept (:meth:`MemoryModel.keeps_order_failed`)."""
        if not self._fails_on(read, wev):
            return None
        write = g.companion(read.id)
        if write is None or any(src == write for src in g.rf.values()):
            return None
        alt = g.copy()
        alt.remove({write})
        self._add_read(alt, read.tid, read.idx, read.extra["op"], wev.id, replace=True)
        kept = alt.dep_prefix(wev.id, self.mm.keeps_order_failed)
        return None if read.id in kept else kept

    def _may_cut(self, ask: _CutQuestion, e: EventId) -> bool:
        """Whether a revisit by ``ask.w`` may cut (or, for the read it revisits, change)
        ``e``: it sits at its latest place, or its latest consistent one."""
        known = ask.known
        if e not in known:
            maximal = ask.maximal.get(e)
            if maximal is None:
                maximal = ask.maximal[e] = self._maximal(ask.g, e, ask.keep, ask.w)
            known[e] = maximal or self._latest_consistent(ask.g, e, ask.keep, ask.w,
                                                          ask.consistent)
        return known[e]

    @staticmethod
    def _revisitable(g: ExecutionGraph, wev: Event) -> list[Event]:
        """The reads of ``wev``'s location that it may revisit: not frozen, and not
        before it on its own CPU."""
        loc, tid, idx, frozen = wev.loc, wev.tid, wev.idx, g.frozen
        spec = g.spec
        lone = lone_unlock(wev)  # (read by spin_is_locked() of other CPUs alone)
        return [r for t in g.threads for r in t if r is not None and r.kind == "R"
                and r.loc is loc and r.id not in frozen and not (r.tid == tid and r.idx < idx)
                and r.id not in spec
                and not (lone and (r.tid == tid or r.extra["op"].vtags is None))]

    def _maximal(self, g: ExecutionGraph, e: EventId, keep: set[EventId], w: EventId) -> bool:
        """Whether ``e`` was added taking the coherence-latest write among those added
        before it and those the revisit keeps: then removing it loses nothing that
        another branch of the exploration does not cover."""
        if e in g.frozen:
            return False
        ev = g.event(e)
        kind = ev.kind
        if kind == "C":  # (its first alternative stands for all: each is redone)
            return bool(ev.value == 0)
        if kind not in "RW":
            return True
        assert ev.loc is not None
        mine = g.stamp[e]
        if kind == "R":
            if e in g.spec:
                return True  # a speculation: this pass's other paths cover the rest
            src = g.rf[e]
            if not _before(g, src, keep, w, mine):
                return False  # e reads from a write added after it: it was revisited
        else:
            src = e
        if lone_unlock(g.event(src)):
            return False  # a lone unlock: the co-latest write stands for it
        rivals = _rivals(g, ev.loc, src, keep, w, mine)
        first = next(rivals, None)
        return first is None or (kind == "R" and self._kept_at_latest(g, ev, keep,
                                                                      [first, *rivals]))

    def _kept_at_latest(self, g: ExecutionGraph, ev: Event, keep: set[EventId],
                        rivals: list[EventId]) -> bool:
        """Whether ``ev``, a failed RMW's read, would succeed at its latest source (the
        last of ``rivals``) and then be kept by the revisit: before a kept event of its
        CPU, as an acquire (a trylock that takes the lock) or as a write that a fence
        orders (smp_wmb(), smp_mb__after_atomic(): a cmpxchg that writes).  The branch
        there makes another cut, so this one must (tests/data/herd7/cases/
        failed-trylock-on-cycle, failed-cmpxchg-before-wmb)."""
        if not (self.mm.track_dependencies and _failed_rmw(ev)):
            return False
        outcome = ev.extra["op"].outcome(g.event(rivals[-1]).value)
        tid, idx = ev.id
        return outcome is not None and outcome is not BLOCK \
            and any(k[0] == tid and k[1] > idx for k in keep)

    def _latest_consistent(self, g: ExecutionGraph, e: EventId, keep: set[EventId],
                           w: EventId, consistent: bool) -> bool:
        """Whether a revisit by ``w`` may cut ``e`` (a plain read, or a write, of a model
        with dependencies) although a write the revisit keeps, or one added before
        ``e``, is coherence-after its place (a write's) or its source (a read's): at
        every such later place the graph is inconsistent, with the rest as it is
        (less ``w``'s step, which may be inconsistent until it revisits); for a read,
        also where that holds without its own later events, which its value may
        change (either way: a branch that must end before ``w`` never makes the cut).

        A revisit cuts only events at their latest places (:meth:`_maximal`): the
        branch that placed them there makes the same cut, and the cut events are made
        again at every place.  Under a model with dependencies a revisit keeps what
        ``w`` depends on, not its CPU's whole prefix, so it may cut an event before
        ``w`` whose latest place is inconsistent with what the revisit keeps: that
        branch ended before ``w`` came, and the cut was never made.  The branch where
        each cut event sits at its latest place consistent with the others makes it
        instead.  With the rest of the graph, not only what came before ``e``: there
        an event cut after ``e`` may have no consistent place at all, and that
        branch never reaches ``w`` either (tests/data/lkmm-gen-srcu3/G195478-574: two
        srcu_read_unlock()s of one CPU and one of another).  Lost before this rule: a
        write before srcu_read_lock() whose place a grace period fixes (6 of herd7's
        102 executions of tests/data/lkmm-gen-srcu/G614192-256.litmus), a read in an
        SRCU critical section that a kept srcu_down_read() ends before a grace period
        (one of 10 of tests/data/lkmm-gen-srcu2/G839315-292.litmus), and one whose
        later SRCU unlock has no place once it reads its latest source (62 of 294 of
        tests/data/lkmm-gen-srcu4/G24931-124.litmus)."""
        ev = g.event(e)
        if not self.mm.track_dependencies or ev.rmw or e in g.frozen or ev.loc is None:
            return False
        mine = g.stamp[e]
        if ev.kind == "W":
            src = e
        elif ev.kind == "R" and self.mm.late_sources_may_fail(g) and self._plain_read(g, ev):
            src = g.rf[e]
            if not _before(g, src, keep, w, mine):
                return False  # it was revisited: not a choice of its branch
        else:
            return False
        rivals = list(_rivals(g, ev.loc, src, keep, w, mine))
        if not rivals:
            return True
        if consistent and self._some_place_consistent(g, e, rivals):
            return False  # (then so is it with less: no copy needed)
        cut = set(self._step_of(g, w))
        if _read_from(g, cut):
            return False  # (what the rest would read is gone: no judging it)
        alt = g.copy()
        alt.remove(cut)
        if not self._some_place_consistent(alt, e, rivals):
            return True
        own = {x for x in _added(g, e[0], e[1] + 1) if x not in keep and g.stamp[x] > mine}
        if ev.kind == "W" or not own or _read_from(alt, own):
            return False
        alt.remove(own)  # (a read's later events as its new value would make them: unknown)
        return not self._some_place_consistent(alt, e, rivals)

    def _some_place_consistent(self, g: ExecutionGraph, e: EventId, places: list[EventId]
                               ) -> bool:
        """Whether ``g``, consistent as it is, stays so with ``e`` moved after one of
        ``places`` (reading from it, or coherence-after it); ``g`` is left as it was.
        The latest place first: the most often consistent."""
        ev = g.event(e)
        assert ev.loc is not None
        changed = _added(g, e[0], e[1])
        was_rf, was_co = g.rf.get(e), g.co[ev.loc]
        try:
            for x in reversed(places):
                if ev.kind == "R":
                    g.rf[e] = x
                else:
                    rest = [y for y in was_co if y != e]
                    at = rest.index(x) + 1
                    g.co[ev.loc] = [*rest[:at], e, *rest[at:]]
                if self.mm.inconsistency_after(g, changed) is None:
                    return True
            return False
        finally:
            g.co[ev.loc] = was_co
            if was_rf is not None:
                g.rf[e] = was_rf

    @staticmethod
    def _step_of(g: ExecutionGraph, w: EventId) -> list[EventId]:
        """The events of the step that added the write ``w``: it, and an RMW's read."""
        return [(w[0], w[1] - 1), w] if g.event(w).rmw else [w]

    @staticmethod
    def _plain_read(g: ExecutionGraph, ev: Event) -> bool:
        """Whether ``ev`` is a read whose source alone may change: no RMW write, place
        holder or wait after it, no speculation, no tags that its value decides."""
        return ev.id in g.rf and g.companion(ev.id) is None \
            and ev.extra["op"].vtags is None
    def _revisit(self, g: ExecutionGraph, r: EventId, w: EventId, doomed: set[EventId],
                 keep: set[EventId]) -> list[ExecutionGraph]:
        """``r`` reads from ``w``; ``doomed`` goes; ``keep`` (w's prefix) is frozen."""
        child = g.copy()
        child.remove(doomed)
        op: Op = child.event(r).extra["op"]
        companion = child.companion(r)
        if companion is not None:  # an RMW's write (or its place) that now reads elsewhere
            child.remove({companion})
        self._add_read(child, r[0], r[1], op, w, replace=True)
        child.frozen |= keep
        if self.mm.inconsistency_after(child, self._revisit_changes(child, r, w)) is not None:
            return []
        return [child, *self._resolutions(child, child.event(w)),
                *self._rmw_resolutions(child, r), *self._revisits_of_rmw(child, r, True)]

    @staticmethod
    def _revisit_changes(g: ExecutionGraph, r: EventId, w: EventId) -> list[EventId]:
        """What a revisit changed relative to a consistent graph: ``r`` (with what follows
        it), and ``w`` with its RMW read, the last step, which made the graph revisited
        (it may have been inconsistent only through them).  Cutting events from a
        consistent graph leaves a consistent one: every axiom is monotone in the events."""
        wpos = w[1] - 1 if g.event(w).rmw else w[1]
        return _added(g, r[0], r[1]) + _added(g, w[0], wpos)

    # -- the end of an execution ---------------------------------------------------
    def _complete(self, g: ExecutionGraph) -> None:
        if g.spec:
            return  # a read still waits for the value it speculated: not an execution
        if self.seen_executions is not None:
            key = execution_key(g, any(self.run.interruptible))
            if key in self.seen_executions:
                return
            self.seen_executions.add(key)
        if self.mm.track_dependencies:
            self.domain.executed(g)
        stopped = _stopped_cpu(g)
        if g.notes and self._real(g, stopped):
            self._noted(g)
        if stopped:
            return  # (a CPU stopped at an error or a bound: no execution)
        if self.settings.batch > 1:  # nothing changes g once complete: no copy needed
            self.unjudged.append(g)
            if len(self.unjudged) >= self.settings.batch:
                self._judge_pending()
            return
        self._judged(g, self.mm.deferred_inconsistency(g))

    def _real(self, g: ExecutionGraph, prefix: bool) -> bool:
        """Whether ``g``, complete or a ``prefix``, passes the axioms the model checks
        on complete executions only (RCU's under the LKMM), so that what its CPUs ran
        into is real; a prefix fails only those that a prefix cannot pass if no
        execution holding it does (:attr:`MemoryModel.deferred_on_prefixes`), with
        its open RCU read-side critical sections ended (:meth:`_closed`)."""
        if not prefix:
            return self.mm.deferred_inconsistency(g) is None
        closed, added = self._closed(g)
        if added and self.mm.inconsistency_after(closed, added) is not None:
            return False
        return not self.mm.deferred_on_prefixes or (
            self.mm.deferred_inconsistency(closed) not in self.mm.deferred_on_prefixes)

    def _closed(self, g: ExecutionGraph) -> tuple[ExecutionGraph, list[EventId]]:
        """``g`` with each running CPU's open RCU read-side critical sections ended
        where its events end (if it has a grace period), and the ends added.  A
        section ends there or later, and a later end binds a grace period no less, so
        a prefix the model forbids so closed is part of no execution (open, RCU's
        axiom leaves it be)."""
        added: list[EventId] = []
        if "sync-rcu" not in g.fence_tags:  # (the closers end RCU's sections only)
            return g, added
        closed = g
        for tid, t in enumerate(g.threads):
            if t and t[-1] is not None and t[-1].kind == "E":
                continue  # (it ended, or stopped: see _waits_for_stopped)
            for op in rcu_closers(g, tid):
                closed = closed if added else g.copy()
                ev = self._event(tid, len(closed.threads[tid]), op, "F")
                closed.add(ev)
                added.append(ev.id)
        return closed, added

    def _noted(self, g: ExecutionGraph) -> None:
        """Report the findings noted while reads speculated, or while a grace period
        was in the graph (:meth:`_stop`): those whose CPU's events are still the ones
        they were made after, and, for an error, where no CPU a bound stopped in a
        read-side critical section may hold a grace period back."""
        for finding, after in g.notes:
            t = g.threads[after.tid] if after is not None else []
            if after is not None and (after.idx >= len(t) or t[after.idx] is not after):
                continue  # (a revisit since cut what it was noted after)
            if isinstance(finding, (ModelRaised, UsageError)):
                raise finding  # (the value it raised on was a real one)
            if isinstance(finding, Violation) and _waits_for_stopped(g):
                continue
            self._found_now(g, finding)

    def _found_now(self, g: ExecutionGraph, finding: Violation | Cut) -> None:
        if isinstance(finding, Cut):
            self.result.cut(finding)
        else:
            self.report(replace(finding, graph=g.copy()))

    def _judge_pending(self) -> None:
        """Hand the waiting complete graphs to the model at once, then go on with each
        (a batch is judged in about the time of one execution: smpcheck.cat.batch)."""
        graphs, self.unjudged = self.unjudged, []
        if graphs:
            for g, why in zip(graphs, self.mm.deferred_inconsistencies(graphs), strict=True):
                self._judged(g, why)
            self.mm.batch_judged()

    def _judged(self, g: ExecutionGraph, why: str | None) -> None:
        if why is not None:
            return  # not an execution of the model
        blocked = [t for t in g.threads if t and t[-1] is not None and t[-1].kind == "B"]
        if blocked and not any(t and t[-1] is not None and t[-1].value is STOPPED
                               for t in g.threads):  # (else they may wait for it: judge it)
            stuck = [t[-1] for t in blocked if t[-1] is not None
                     and all(g.rf.get(r) == g.co_max(g.event(r).loc)  # type: ignore[arg-type]
                             for r in t[-1].extra.get("waits", ()))]
            if len(stuck) < len(blocked) or any(b.extra.get("can_end") is not None
                                                and b.extra["can_end"](g) for b in stuck):
                # (another execution has what ends the wait: a write, or an interrupt
                # delivered before it)
                self.result.blocked += 1
                return
            self._report_stuck(g, stuck)
            self.result.blocked += 1
            return
        self.result.executions += 1
        if self.on_complete is not None:
            self.on_complete(g, self.result)

    def _report_stuck(self, g: ExecutionGraph, stuck: list[Event]) -> None:
        locks = [b for b in stuck if b.extra.get("lock")]
        b = (locks or stuck)[0]
        if not b.extra.get("waits"):  # a spin loop that reads nothing: nothing can end it
            msg = f"CPU {b.tid} waits forever: its spin loop reads no shared memory"
            self.report(Violation(Kind.ENDLESS_WAIT, msg, b.tid, b.src, g.copy(), (b.id,)))
            return
        wait = g.event(b.extra["waits"][0])
        if locks:
            msg = (f"CPU {b.tid} waits forever for {wait.loc}"
                   + (f" (with CPU {', '.join(str(x.tid) for x in stuck if x is not b)})"
                      if len(stuck) > 1 else ""))
            kind = Kind.DEADLOCK
        else:
            msg = (f"CPU {b.tid} waits forever: {wait.loc} keeps the value "
                   f"{g.read_value(wait.id)}, and no later write changes it")
            kind = Kind.ENDLESS_WAIT
        self.report(Violation(kind, msg, b.tid, wait.src, g.copy(),
                              tuple(x.extra["waits"][0] for x in stuck if x.extra.get("waits"))))


# (a module constant, not a class attribute: a class compiled by mypyc cannot name its
# methods in its own body)
_handlers: dict[str, Callable[[Explorer, ExecutionGraph, Cpu, Op], bool]] = {
    "R": Explorer._read, "RMW": Explorer._read, "W": Explorer._write, "F": Explorer._fence,
    "A": Explorer._alloc, "B": Explorer._block, "ERR": Explorer._stop, "BOUND": Explorer._stop,
    "C": Explorer._choose,
}


SPECULATION_FLOOR = 60000  # (graphs; README: "at least 60,000")


def _before(g: ExecutionGraph, x: EventId, keep: set[EventId], w: EventId, stamp: int
            ) -> bool:
    """Whether the write ``x`` is one a revisit by ``w`` keeps or one added before the
    event of ``stamp`` (``w`` itself aside): a rival for that event's latest place."""
    return x != w and (x[0] < 0 or x in keep or g.stamp[x] < stamp)


def _read_from(g: ExecutionGraph, gone: set[EventId]) -> bool:
    """Whether an event outside ``gone`` reads from (or resolved a speculation with) one
    in it: then ``g`` less ``gone`` is no graph."""
    return any(src in gone and r not in gone for r, src in g.rf.items()) or any(
        src in gone and r not in gone for r, src in g.spec_resolved.items())


def _rivals(g: ExecutionGraph, loc: Any, src: EventId, keep: set[EventId], w: EventId,
            stamp: int) -> Iterator[EventId]:
    """The writes of ``loc`` coherence-after ``src`` (a read's source, or a write
    itself) that are rivals of the event of ``stamp`` for its latest place
    (:func:`_before`), in coherence order."""
    ws = g.co.get(loc, [])  # (coherence order after the initial write)
    later = ws if src[0] == INIT_TID else ws[ws.index(src) + 1:]
    return (x for x in later if _before(g, x, keep, w, stamp))


def _keeps_cycle(g: ExecutionGraph, cycle: list[EventId], r: EventId, keep: set[EventId]
                 ) -> bool:
    """Whether the revisit of read ``r`` (with ``keep`` kept) leaves the events of
    ``cycle`` (:func:`coherence_witness`) as they are: none is ``r``, and each is an
    initial write, kept, or added before ``r`` (what it cuts: :meth:`Explorer._revisits`)
    and not ``r``'s companion (an RMW's write, which a revisit of ``r`` replaces).
    The revisit adds edges only at ``r`` and at the events it adds, so the cycle stays
    and the revisited graph is one that :meth:`_revisit` drops (every model cuts a
    coherence cycle as it goes; the LKMM and the cat models, which alone revisit
    from inconsistent places, in ``inconsistency_after`` by a search through the
    changed events, where any new cycle lies)."""
    mine = g.stamp[r]
    companion = (r[0], r[1] + 1)
    stamp = g.stamp
    for e in cycle:
        if e in (r, companion):
            return False
        if e[0] != INIT_TID and e not in keep and stamp[e] >= mine:
            return False
    return True


def _orphans(g: ExecutionGraph, doomed: set[EventId]) -> bool:
    """Whether cutting ``doomed`` would leave a read reading nothing: a speculation,
    added before them, that one of them resolved (its place in the order of additions
    is its speculation's, not its source's)."""
    return bool(g.spec_resolved) and any(
        src in doomed for r, src in g.spec_resolved.items() if r not in doomed)


def _lone_unlocks(g: ExecutionGraph, loc: Any) -> list[Event]:
    """The spin_unlock()s of ``loc`` that match no lock (fences with its location)."""
    return [ev for t in g.threads for ev in t
            if ev is not None and ev.loc is loc and lone_unlock(ev)]


def _stop_of(t: list[Event | None]) -> Event | None:
    """The event a CPU's events ``t`` end with if it stopped alone at an error or a
    bound (:meth:`Explorer._stop`; ``extra["cut"]``: a bound), else None."""
    last = t[-1] if t else None
    return last if last is not None and last.extra.get("stopped") else None


def _stopped_cpu(g: ExecutionGraph) -> bool:
    """Whether a CPU of ``g`` stopped alone at an error or a bound."""
    return any(_stop_of(t) is not None for t in g.threads)


def _grace_periods(g: ExecutionGraph) -> bool:
    """Whether ``g`` has had a grace period (RCU's or SRCU's)."""
    return bool(g.fence_tags & GRACE_PERIODS)


def _waits_for_stopped(g: ExecutionGraph) -> bool:
    """Whether a grace period of ``g`` may wait for a CPU that a bound stopped in a
    read-side critical section.  Whether the section would ever end is not known, nor
    so whether what a CPU meets after a grace period is reachable (a graph binds only
    sections that end): no error of such a graph is reported, and the bound made the
    run incomplete.  (A CPU stopped at its error under ``--all`` is not waited for:
    an oopsing task's exit ends its sections.)"""
    return _grace_periods(g) and any(
        (stop := _stop_of(t)) is not None and stop.extra.get("cut") and in_reader(g, tid)
        for tid, t in enumerate(g.threads))


def _fresh(g: ExecutionGraph, last: bool) -> ExecutionGraph:
    """A graph to change for one choice of a step: a copy of ``g``, or, for the step's
    last choice, ``g`` itself, which the exploration has popped and needs no more."""
    return g if last else g.copy()


def _added(g: ExecutionGraph, tid: int, pos: int) -> list[EventId]:
    """CPU ``tid``'s events from ``pos`` on: what one step of the explorer adds or changes
    (a read with its RMW write or wait marker; a revisited read and what follows it)."""
    t = g.threads[tid]
    if len(t) == pos + 1:  # (most steps: one event)
        return [(tid, pos)] if t[pos] is not None else []
    return [(tid, i) for i in range(pos, len(t)) if t[i] is not None]


def _failed_rmw(ev: Event) -> bool:
    """Whether ``ev`` is a failed RMW's read, whose success would give it a write (and
    may tag it otherwise: spin_trylock()'s LF, LKR when it takes the lock), so that what
    a revisit keeps (:meth:`MemoryModel.keeps_order`) depends on which write it reads."""
    return not ev.rmw and ev.extra["op"].kind == "RMW"


def _fails(op: Op, value: Any) -> bool:
    """Whether the RMW ``op`` reading ``value`` fails without waiting (no write, no wait)."""
    return op.update is not None and op.outcome(value) is None and (
        op.await_ok is None or op.await_ok(value))
