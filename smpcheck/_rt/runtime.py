"""The runtime: each CPU function runs in its own greenlet; shared accesses become ops.

Model code calls kernel primitives; each primitive builds an :class:`Op` and
hands it to :func:`issue`.  If the graph being replayed already holds the
event at that CPU's next position, the runtime answers at once from the graph
(replay, checking that the CPU asks for the same thing); otherwise the CPU
pauses and the op becomes *pending*, for the explorer to add and branch on.

The CPUs never share Python state: all they share is in the execution graph,
so re-running one CPU with the same answers reproduces it exactly.  This module
knows nothing of memory models or of how executions are enumerated.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any, ClassVar, NoReturn

import greenlet
from mypy_extensions import mypyc_attr

from smpcheck.errors import EngineExit, UsageError
from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model import hooks
from smpcheck.model.objects import Field, Loc, NullDeref, Obj, Ref, Spec, is_poison
from smpcheck.model.source import (
    NO_SOURCE,
    Source,
    def_site,
    raise_site,
    raised_text,
    source_line,
)
from smpcheck.model.values import NO_DEPS, Deps, EventId, Val, deps_of, raw
from smpcheck.records import replace
from smpcheck.results.result import Cut, Limit
from smpcheck.settings import IRQ_BOUND, LOOP_BOUND, MAX_EVENTS

__smp_engine__ = True

BLOCK = object()  # an RMW update's answer meaning "this CPU must wait" (lock held)
_RESTART = object()  # sent to a paused CPU's greenlet: run the CPU function again


class _Stopped:
    def __repr__(self) -> str:
        return "stopped"


STOPPED = _Stopped()  # the end value of a CPU that read freed memory (see Run.consume)
STOP_SRC = Source("<smpcheck>", 0, "", "stop")  # the source of the events a stopped CPU ends with


class Op:
    """What a CPU asks for next: the event(s) to add and how to answer it.

    ``kind``: R, W, RMW, F, A (kmalloc), D (kfree), B (a spin loop cannot end),
    E (the CPU function returned), ERR (BUG_ON, assertion, NULL dereference),
    BOUND (a loop or event bound was hit; ``text``: which Limit, ``value``: its
    value).  For RMW, ``update(old)`` gives the
    value to write, None for no write (a failed cmpxchg) or BLOCK (wait); the
    read is tagged ``tags`` when it writes, ``ftags`` when it does not.
    ``vtags(value)`` tags a read by the value it reads (spin_is_locked).
    ``await_ok(value)``, on a read, says whether the value lets the CPU go on.
    C: a choice among ``value`` alternatives, answered by the one the execution took
    (0, 1...): whether an interrupt is delivered here, and which.  ``irqs_on``: an
    interrupt could be delivered before this op.  ``can_end(g)``, on an op that may
    start a wait: whether, in the complete execution ``g`` where the wait does not
    end, another execution has it end (an interrupt delivered before it), so that it
    is not reported as endless.
    """

    # (the fields, as records name them: smpcheck.records.replace copies these)
    _record_fields: ClassVar[tuple[str, ...]] = (
        "kind", "loc", "value", "tags", "wtags", "ftags", "vtags", "update", "await_ok",
        "addr", "data", "ctrl", "branch", "compared", "from_read", "obj", "spec", "text",
        "message", "src", "made", "irqs_on", "can_end")

    def __init__(self, kind: str, loc: Loc | None = None, value: Any = None,
                 tags: frozenset[str] = frozenset(), wtags: frozenset[str] = frozenset(),
                 ftags: frozenset[str] | None = None,
                 vtags: Callable[[Any], frozenset[str]] | None = None,
                 update: Callable[[Any], Any] | None = None,
                 await_ok: Callable[[Any], bool] | None = None, addr: Deps = NO_DEPS,
                 data: Deps = NO_DEPS, ctrl: Deps = NO_DEPS, branch: Deps = NO_DEPS,
                 compared: Deps = NO_DEPS, from_read: bool = True, obj: Obj | None = None,
                 spec: Spec | None = None,
                 text: str = "", message: str = "", src: Source = NO_SOURCE,
                 made: Event | None = None, irqs_on: bool = False,
                 can_end: Callable[[ExecutionGraph], bool] | None = None) -> None:
        self.kind = kind
        self.loc = loc
        self.value = value
        self.tags = tags
        self.wtags = wtags
        self.ftags = ftags
        self.vtags = vtags
        self.update = update
        self.await_ok = await_ok
        self.addr = addr
        self.data = data
        self.ctrl = ctrl
        self.branch = branch  # every read branched on so far (Event.branch)
        # the reads an RMW's outcome depends on beyond its data: what a cmpxchg compares
        # with decides whether it writes, as a branch would, but is no dependency of the
        # model's (herd7 has none): the events' branch only
        self.compared = compared
        # whether an RMW's write is computed from the value it read (atomic_add): then it
        # depends on its read (data); an xchg or cmpxchg writes an argument (herd7: none)
        self.from_read = from_read
        self.obj = obj
        self.spec = spec
        self.text = text
        self.message = message
        self.src = src
        self.made = made  # the event the explorer made of it, to reuse (see Step)
        self.irqs_on = irqs_on
        self.can_end = can_end

    def outcome(self, old: Any) -> Any:
        """``update(old)``: what an RMW reading ``old`` writes (None: nothing, BLOCK: it
        waits).  A value the operation cannot combine (atomic_fetch_xor() on a
        pointer) is bad input, named at the operation's source line."""
        assert self.update is not None
        try:
            return self.update(old)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise UsageError(f"{self.text}: {exc}", self.src.path, self.src.line) from None

    def replace(self, **changes: Any) -> Op:
        """This op with ``changes`` (:func:`smpcheck.records.replace` over
        ``_record_fields``: Op is a plain class, so that no command imports
        :mod:`dataclasses`, and its ``__init__`` is compiled)."""
        return replace(self, **changes)


class Cpu:
    """One CPU: its function, its greenlet, and the answers it has been given.

    (A plain class, not a dataclass: a dataclass's generated ``__init__`` is Python
    code even in the compiled core, and a CPU's state is made afresh at every
    restart.)"""

    def __init__(self, tid: int, fn: Callable[[], Any], step: Step | None = None) -> None:
        self.tid = tid
        self.fn = fn
        self.glet: greenlet.greenlet | None = None
        self.pos = 0
        self.fed: list[Event] = []  # the graph's events it was given
        self.fed_reads: list[tuple[int, Any]] = []  # (position, value)
        self.ctrl: Deps = NO_DEPS  # the reads of the branches whose scope the CPU is in
        self.branch: Deps = NO_DEPS  # every read it branched on so far
        self.pending: Op | None = None
        self.state = "new"  # new, paused, done, blocked, stopped
        self.loops: dict[Any, list[Any]] = {}  # per loop: its count, place, state (loops.py)
        self.relaxed = False
        self.preempt = 0
        self.irqs_off = 0
        self.rcu_nesting = 0
        self.source_override: Source | None = None
        self.ghost: dict[Any, int] = {}  # model bookkeeping, not memory
        self.deferred: list[Callable[[], Any]] = []  # run at its end (call_rcu)
        self.in_irq = False  # running an interrupt handler (or choosing whether one runs)
        self.irqs_taken = 0  # interrupts delivered to it so far
        self.step = step  # where its answers so far lead in its op cache (if it has one)
        self.synced = True  # whether its greenlet (if any) is where this state says
        self.unwinding: Any = None  # what unwinds its function (raised again if model code
        #                             calls on)
        self.poison: EventId | None = None  # the read of freed memory it got, if any
        self.tail: list[Op] | None = None  # stopped (see Run.consume): the ops it ends with


# A CPU function -> the interrupt handlers registered for its CPU (kernel.interrupt).
IRQ_HANDLERS: dict[Callable[[], Any], list[Callable[[], Any]]] = {}


class IpiSource:
    """How a CPU receives IPIs (kernel.smp): ``handle()`` runs on it as an interrupt
    handler (it waits until an IPI is queued, then runs what is queued); ``pending(g)``
    says whether an IPI queued for it in ``g`` was never taken."""

    def __init__(self, handle: Callable[[], Any],
                 pending: Callable[[ExecutionGraph], bool]) -> None:
        self.handle = handle
        self.pending = pending


# A CPU function -> how its CPU receives IPIs, if it may.
IPI_SOURCES: dict[Callable[[], Any], IpiSource] = {}


class Step:
    """A node of a CPU's op cache: the op the CPU asks for after some answers, and
    the node each next answer leads to.

    A deterministic CPU function (the litmus C interpreter's, whose ``smp_deterministic``
    attribute is true, and model code, which the session holds to it) asks for the same
    ops whenever it is given the same answers, so once a sequence of answers has been
    run, the CPU need not run it again: the explorer takes its ops from the cache, and
    the CPU's greenlet runs (replaying its events first) only for answers the cache has
    not seen."""

    __slots__ = ("op", "next")

    def __init__(self) -> None:
        self.op: Op | None = None
        self.next: dict[Any, Step] = {}

    def after(self, answer: Any) -> Step | None:
        """The node the answer ``answer`` leads to (None if it cannot be a key)."""
        key = None if answer is None else (type(answer), answer)
        try:
            nxt = self.next.get(key)
            if nxt is None:
                nxt = self.next[key] = Step()
        except TypeError:  # an unhashable value: this run is not cached further
            return None
        return nxt


class OpCache:
    """Every CPU's op cache (:class:`Step`) and the heap objects its ops name, kept for
    the next :class:`Run` of the same CPU functions under the same bounds: the
    explorations of one run's parts in one process (-j's units) then find what the
    earlier ones ran, as one exploration does throughout.  Another model or other
    bounds start it afresh (its ``key``)."""

    __slots__ = ("key", "roots", "heap")

    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.roots: list[Step | None] = []
        self.heap: dict[EventId, Obj] = {}


class Diverged(Exception):
    """Replay asked for another event than the graph holds: the model is not deterministic.

    ``src`` is the model line that asked."""

    def __init__(self, message: str, src: Source = NO_SOURCE, tid: int | None = None) -> None:
        super().__init__(message)
        self.src = src
        self.tid = tid


class _Restart(EngineExit):
    """Unwinds a CPU function so that its greenlet runs it again: reusing the greenlet
    costs a tenth of killing it and starting another."""


# (made by type(): greenlet has no types, and mypyc drops a base class it has no type for)
_Finish: Any = type("_Finish", (greenlet.GreenletExit,), {"__module__": __name__, "__doc__": (
    """Unwinds a paused CPU function whose greenlet is being killed (at the end of a
    run, or by the garbage collector): the GreenletExit the runtime throws, told apart
    from one model code raises.""")})


class Stop(EngineExit):
    """The check is stopped from outside the model (the timeout, a CPU that never
    reaches a kernel primitive): the run is incomplete, cut by ``cut``."""

    def __init__(self, cut: Cut) -> None:
        super().__init__(str(cut))
        self.cut = cut


@mypyc_attr(native_class=False)  # (mypyc: a native class cannot have two built-in bases)
class Interrupted(EngineExit, KeyboardInterrupt):
    """A real Ctrl-C during a check (SIGINT), told apart from a KeyboardInterrupt that
    model code raises."""


class ModelMisuse(EngineExit):
    """Model code did what a model may not (asked for a nondeterministic value, returned
    registers smpcheck cannot compare, changed Python state shared between runs): a
    usage error at ``src`` (``column`` if known), unwinding the CPU whatever it
    catches but BaseException."""

    def __init__(self, message: str, src: Source, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.src = src
        self.column = column
        self.returned_in: tuple[ExecutionGraph, int] | None = None  # (graph, CPU) if known


def refuse(cpu: Cpu, misuse: ModelMisuse) -> NoReturn:
    """Raise ``misuse`` on ``cpu``; raised again if the model catches it and goes on."""
    cpu.unwinding = misuse
    raise misuse


class ModelRaised(Exception):
    """Model code raised an exception that is not a finding (a bug in the model)."""

    def __init__(self, exc: BaseException, src: Source) -> None:
        super().__init__(raised_text(exc))
        self.exc = exc
        self.src = src


@mypyc_attr(allow_interpreted_subclasses=True)  # (compiled by mypyc: the tests' oracle's)
class Run:
    """The CPUs of one model, driven against one execution graph at a time."""

    def __init__(self, fns: list[Callable[[], Any]], loop_bound: int = LOOP_BOUND,
                 max_events: int = MAX_EVENTS, irq_bound: int = IRQ_BOUND,
                 kept: OpCache | None = None) -> None:
        # every CPU's op cache (Step), unless an analysis rewrites ops site by site
        # (:mod:`.sites`, which records each op it sees): model CPU functions are held to
        # be deterministic (the session re-runs each new history: Recheck), and what one
        # does besides asking for ops (a WARN_ON) turns its cache off (:func:`warn`);
        # ``kept``: the caches (and heap) of an earlier run to go on with
        cache = _site_hook is None
        key = (tuple(fns), loop_bound, max_events, irq_bound)
        if kept is not None and cache and kept.key == key:
            self.roots, self.heap = kept.roots, kept.heap
        else:
            self.roots = [Step() if cache or getattr(fn, "smp_deterministic", False)
                          else None for fn in fns]
            self.heap = {}
            if kept is not None and cache:
                kept.key, kept.roots, kept.heap = key, self.roots, self.heap
        self.cpus = [Cpu(i, fn, step=self.roots[i]) for i, fn in enumerate(fns)]
        self.graph: ExecutionGraph | None = None
        self.loop_bound = loop_bound
        self.max_events = max_events
        self.irq_bound = irq_bound
        self.speculating = False  # a read of the graph run speculates (see _run_cpu)
        self.handlers = [IRQ_HANDLERS.get(fn, []) for fn in fns]
        self.ipis = [IPI_SOURCES.get(fn) for fn in fns]
        self.interruptible = [bool(h) or i is not None for h, i in zip(self.handlers, self.ipis,
                                                                        strict=True)]
        self.warnings: list[tuple[Cpu, Op]] = []
        self.main = greenlet.getcurrent()

    # -- driving CPUs against a graph -------------------------------------------
    def sync(self, g: ExecutionGraph, tids: Collection[int] | None = None) -> None:
        """Bring every CPU (or CPUs ``tids``) to the end of its events in ``g``, replaying
        where needed."""
        self.graph = g
        for i, cpu in enumerate(self.cpus):
            if tids is not None and i not in tids:
                continue
            if not _agrees(cpu, g):
                cpu = self._restart(i)
            elif cpu.state != "new" and not g.has((cpu.tid, cpu.pos)):
                continue  # (most CPUs: nothing to do, and advance() would find so)
            self.advance(cpu)

    def advance(self, cpu: Cpu) -> None:
        """Bring ``cpu`` to an op the graph does not hold: from its op cache if it can,
        else by running it."""
        g = self.graph
        assert g is not None
        if cpu.state == "new":
            cpu.state = "paused"
            if not self._cached(cpu):
                self._start(self._restart(cpu.tid) if cpu.fed else cpu)
        elif cpu.state == "stopped":
            self._wind_up(cpu, g)
        elif cpu.state == "paused" and cpu.pending is not None and g.has((cpu.tid, cpu.pos)):
            op, cpu.pending = cpu.pending, None
            answer = self._answer(cpu, op)
            if cpu.state != "paused" or self._cached(cpu):
                return
            if cpu.synced:
                assert cpu.glet is not None
                cpu.glet.switch(answer)
            else:  # run it from the start: its greenlet replays the graph's events
                self._start(self._restart(cpu.tid))

    def _cached(self, cpu: Cpu) -> bool:
        """Move ``cpu`` through the graph's events and to its next op by its op cache
        alone; whether that got it there (else it must run: the cache lacks an op)."""
        g = self.graph
        assert g is not None
        at = (cpu.tid, cpu.pos)
        step = cpu.step
        while step is not None and step.op is not None:
            cpu.synced = False  # (its greenlet, if any, stays behind)
            if not g.has(at):
                cpu.pending = step.op
                return True
            self._answer(cpu, step.op, False)
            if cpu.state != "paused":
                return True
            at = (cpu.tid, cpu.pos)
            step = cpu.step
        return False

    def _start(self, cpu: Cpu) -> None:
        """Run a fresh ``cpu`` from the start of its function, on its greenlet."""
        cpu.state = "paused"
        cpu.synced = True
        if cpu.glet is None:
            cpu.glet = greenlet.greenlet(self._body(cpu), parent=self.main)
            cpu.glet.smp_cpu = cpu
            cpu.glet.switch()
        else:
            cpu.glet.switch(_RESTART)

    def _restart(self, i: int) -> Cpu:
        """A fresh state for CPU ``i``; its greenlet, if paused, is kept to run it again."""
        old = self.cpus[i]
        cpu = self.cpus[i] = Cpu(i, old.fn, step=self.roots[i])
        if old.glet is not None and not old.glet.dead:
            cpu.glet = old.glet
            cpu.glet.smp_cpu = cpu
            cpu.synced = False
        return cpu

    def _body(self, cpu: Cpu) -> Callable[[], None]:
        """A CPU greenlet's function: ``cpu``'s, again each time the CPU restarts."""
        def run() -> None:
            state = cpu
            while True:
                try:
                    self._run_cpu(state)
                    return
                except _Restart:
                    state = greenlet.getcurrent().smp_cpu  # (the restarted CPU's)
                    state.unwinding = None

        return run

    def _run_cpu(self, cpu: Cpu) -> None:
        try:
            ret = cpu.fn()
            if cpu.deferred:  # (what the CPU left to run after it: RCU callbacks)
                run_deferred(cpu)
            self._return(cpu, ret)  # (an interrupt handler may run before it, and raise)
        except (AssertionError, NullDeref) as exc:
            if cpu.poison is not None:  # what it did with freed memory's POISON
                self._halt(cpu)
            self.submit(cpu, _error_op(exc))
            return
        except (EngineExit, _Finish, Diverged):
            raise
        except BaseException as exc:  # a bug in the model (or its exit), or bad input
            self._raised(cpu, exc)

    def _return(self, cpu: Cpu, ret: Any) -> None:
        """The CPU function returned ``ret``: its registers become its last event."""
        unwinding = greenlet.getcurrent().smp_cpu.unwinding
        if unwinding is not None:  # (the function caught what unwound it, and returned)
            raise unwinding
        if cpu.poison is not None:  # (it ends where it stopped: see _beyond_poison)
            self._halt(cpu)
        value = raw(ret)
        why = _unhashable(value)
        if why:
            misuse = ModelMisuse(f"CPU function {cpu_name(cpu)} returns {why}: registers "
                                 "must be hashable values (numbers, strings, tuples, "
                                 "pointers) in a dict keyed by register names",
                                 def_site(cpu.fn))
            assert self.graph is not None
            misuse.returned_in = (self.graph.copy(), cpu.tid)  # (to find the return line)
            raise misuse
        self.submit(cpu, Op("E", value=value, text="return"))

    def _raised(self, cpu: Cpu, exc: BaseException) -> None:
        """What a CPU function raised: bad input (a UsageError, as it is) or a bug in the
        model (a ModelRaised naming its line).  While a read speculates, an Exception
        may come from the speculated value: the explorer keeps it until the
        speculation comes true, and drops it if it does not."""
        unwinding = greenlet.getcurrent().smp_cpu.unwinding
        if unwinding is not None:  # (it caught what unwound it, then raised this)
            raise unwinding from None
        if isinstance(exc, UsageError):  # (a non-pointer dereferenced, say)
            error: Exception = exc
            src = NO_SOURCE
        else:
            if cpu.poison is not None and isinstance(exc, Exception):
                self._halt(cpu)  # (what it did with freed memory's POISON)
            where = raise_site(exc.__traceback__)
            error = ModelRaised(exc, def_site(cpu.fn) if where is NO_SOURCE else where)
            src = error.src
        if not (self.speculating and isinstance(exc, Exception)):
            raise error from (None if error is exc else exc)
        self.submit(cpu, Op("ERR", text="raised", message=str(error), src=src, value=error))

    # -- the CPU side ----------------------------------------------------------
    def submit(self, cpu: Cpu, op: Op) -> Any:
        """On the CPU's greenlet: answer ``op`` from the graph, or pause until the explorer has.

        The model line is looked up only for an op that becomes an event or diverges:
        a replayed op is answered without it."""
        if cpu.unwinding is not None:  # (model code went on after the engine unwound it:
            raise cpu.unwinding        # a bare except, a finally calling a primitive)
        if self.interruptible[cpu.tid] and self._deliverable(cpu, op):
            self._interrupt(cpu, op)
        op.ctrl = cpu.ctrl
        op.branch = cpu.branch | op.compared if op.compared else cpu.branch
        if cpu.poison is not None and self._beyond_poison(cpu, op):
            self._halt(cpu)
        if cpu.pos >= self.max_events and op.kind not in ("E", "ERR", "BOUND"):
            op = Op("BOUND", value=self.max_events, text=Limit.MAX_EVENTS,
                    src=_source_of(cpu, op))
        g = self.graph
        assert g is not None
        step = cpu.step
        if step is not None and step.op is None:  # (the place is needed if it is reused)
            op.src = _source_of(cpu, op)
            step.op = op
        if g.has((cpu.tid, cpu.pos)):
            answer = self._answer(cpu, op)
            if cpu.state in ("blocked", "done") or cpu.tail is not None:  # it goes no further
                self._pause()
            return answer
        op.src = _source_of(cpu, op)
        cpu.pending = op
        return self._pause()

    def _deliverable(self, cpu: Cpu, op: Op) -> bool:
        """Whether an interrupt may be delivered to ``cpu`` before ``op`` (its interrupts
        are on, it is not in a handler, and a handler has deliveries left or it takes
        IPIs), noting on ``op`` whether a wait it starts may end by one; ``op`` must be
        a step of its own (a spin loop's block is not: its iteration's reads had the
        chance)."""
        if op.kind in ("ERR", "BOUND", "C") or cpu.poison is not None:
            return False
        op.irqs_on = not (cpu.in_irq or cpu.irqs_off)
        if not op.irqs_on:
            return False
        options = self._options(cpu)
        if not options:
            return False
        ipi = self.ipis[cpu.tid]
        if len(options) > (ipi is not None):  # (a handler may come: anything may happen)
            op.can_end = _always
        elif ipi is not None and op.can_end is None:
            op.can_end = ipi.pending
        return op.kind != "B"

    def _options(self, cpu: Cpu) -> list[tuple[Callable[[], Any], bool]]:
        """What may interrupt ``cpu`` now: each handler while deliveries are left (True:
        it counts against the bound), and its IPIs."""
        out = [(h, True) for h in self.handlers[cpu.tid]] \
            if cpu.irqs_taken < self.irq_bound else []
        ipi = self.ipis[cpu.tid]
        if ipi is not None:
            out.append((ipi.handle, False))
        return out

    def _interrupt(self, cpu: Cpu, op: Op) -> None:
        """On the CPU's greenlet, before ``op``: a choice (an event the execution fixes)
        of no interrupt or one of the CPU's interrupt sources, which then runs here with
        interrupts off, as an RCU reader (irq_enter()/irq_exit()); another may follow
        it at the same point."""
        while True:
            options = self._options(cpu)
            cpu.in_irq = True
            try:
                which = self.submit(cpu, Op("C", value=len(options) + 1, text="interrupt",
                                            src=_source_of(cpu, op)))
                if not which:
                    return
                self._handle(cpu, *options[which - 1])
            finally:
                cpu.in_irq = False
            if not self._deliverable(cpu, op):
                return

    def _handle(self, cpu: Cpu, handler: Callable[[], Any], counted: bool) -> None:
        cpu.irqs_taken += counted
        cpu.irqs_off += 1
        enter, leave = ("barrier", "barrier") if cpu.preempt else ("rcu-lock", "rcu-unlock")
        name = getattr(handler, "__name__", "handler")
        site = def_site(handler)

        def mark(tag: str, text: str) -> None:  # (its row in tables: the handler's def line)
            self.submit(cpu, Op("F", tags=frozenset({tag}), text=text,
                                src=Source(site.path, site.line, text, name)))

        mark(enter, f"irq_enter(): {name}()")
        handler()
        mark(leave, "irq_exit()")
        cpu.irqs_off -= 1

    def _pause(self) -> Any:
        """On a CPU's greenlet: hand control to the explorer; the answer it sends back."""
        try:
            answer = self.main.switch(None)
        except greenlet.GreenletExit:  # (thrown in by finish() or the collector)
            unwind: Any = _Finish
        else:
            if answer is not _RESTART:
                return answer
            unwind = _Restart
        greenlet.getcurrent().smp_cpu.unwinding = unwind
        raise unwind

    def _answer(self, cpu: Cpu, op: Op, wanted: bool = True) -> Any:
        g = self.graph
        assert g is not None
        ev = g.event((cpu.tid, cpu.pos))
        if not _matches(op, ev):
            op.src = _source_of(cpu, op)
            if op.kind == ev.kind == "E":
                raise Diverged(f"CPU {cpu.tid} returned {_bare(op.value)} where the execution "
                               f"being replayed has it return {_bare(ev.value)}", op.src,
                               cpu.tid)
            raise Diverged(f"CPU {cpu.tid} asked {_asked(op)} where the execution being "
                           f"replayed has {ev}", op.src, cpu.tid)
        return self.consume(cpu, g, ev, wanted)

    def consume(self, cpu: Cpu, g: ExecutionGraph, ev: Event, wanted: bool = True) -> Any:
        """Move the CPU past ``ev`` (an RMW's write and a blocking marker too); its answer
        (a read's only if ``wanted``: the op cache moves a CPU that does not run)."""
        cpu.pos = ev.idx + 1
        if ev.kind == "C":  # (a choice: what follows depends on it, as on a branch)
            cpu.fed_reads.append((len(cpu.fed), ev.value))
            cpu.fed.append(ev)
            cpu.branch = cpu.branch | {ev.id}
            if cpu.step is not None:
                cpu.step = cpu.step.after(ev.value)
            return ev.value
        if ev.kind != "R":
            cpu.fed.append(ev)
            answer: Any = None
            if ev.kind == "A":
                answer = Ref(ev.obj)
            elif ev.kind in "EB":
                cpu.state = "done" if ev.kind == "E" else "blocked"
            if cpu.step is not None:
                cpu.step = cpu.step.after(None)
            return answer
        value = g.read_value(ev.id)
        cpu.fed_reads.append((len(cpu.fed), value))
        cpu.fed.append(ev)
        t = g.threads[cpu.tid]
        nxt = t[cpu.pos] if cpu.pos < len(t) else None
        if nxt is not None and (ev.rmw or nxt.kind == "N"):
            self._pass(cpu, nxt)
            nxt = t[cpu.pos] if cpu.pos < len(t) else None
        if nxt is not None and nxt.kind == "B":
            self._pass(cpu, nxt)
            cpu.state = "blocked"
        if is_poison(value):
            cpu.poison, cpu.step = ev.id, None
            if not any(_done(e) for e in t[cpu.pos:]):  # (else it goes on: _beyond_poison)
                self._stop(cpu, g)
                return None
        if cpu.step is not None:
            cpu.step = cpu.step.after(value)
        return Val(value, frozenset({ev.id})) if wanted else None

    def _pass(self, cpu: Cpu, ev: Event) -> None:
        cpu.fed.append(ev)
        cpu.pos = ev.idx + 1

    def _beyond_poison(self, cpu: Cpu, op: Op) -> bool:
        """Whether ``cpu``, which read freed memory (POISON), must stop before ``op``.

        A CPU stops at a read of freed memory, so that no model computes with
        POISON.  Under the LKMM, though, the execution may hold events of it after
        the read that do not depend on it (a revisit kept them: they may take effect
        first): it goes on through those, filling the places between them with what
        it asks for as long as that does not depend on the read either, and stops at
        the first op that does, at the first op past what the execution holds of it,
        or where the model raises."""
        g = self.graph
        assert g is not None
        t = g.threads[cpu.tid]
        if cpu.pos < len(t) and t[cpu.pos] is not None:
            return not _done(t[cpu.pos])
        return (not any(_done(e) for e in t[cpu.pos:])
                or cpu.poison in op.addr | op.data | op.branch)

    def _halt(self, cpu: Cpu) -> None:
        """On the CPU's greenlet: stop ``cpu`` (see :meth:`_stop`), for good."""
        assert self.graph is not None
        self._stop(cpu, self.graph)
        while True:  # (until the CPU restarts, or the run ends)
            self._pause()

    def _stop(self, cpu: Cpu, g: ExecutionGraph) -> None:
        """``cpu`` read freed memory (kfree's POISON): it runs no more model code.  What
        ``g`` holds of it after this point stays; it then ends its open RCU and SRCU
        read-side critical sections, so that grace periods still bind the read, and
        finishes with ``STOPPED``."""
        cpu.state = "stopped"
        cpu.step = None
        cpu.tail = _closing_ops(g, cpu.tid)
        self._wind_up(cpu, g)

    def _wind_up(self, cpu: Cpu, g: ExecutionGraph) -> None:
        """Move a stopped ``cpu`` past what ``g`` holds of it (holes too: what it will
        not do), its ending ops among them; the next of those is pending."""
        t = g.threads[cpu.tid]
        tail = cpu.tail
        assert tail is not None
        while cpu.pos < len(t):
            ev = t[cpu.pos]
            cpu.fed.append(ev)  # type: ignore[arg-type]  # (a hole: None, in order)
            cpu.pos += 1
            if ev is not None and ev.src is STOP_SRC:
                if not tail or not _matches(tail[0], ev):
                    raise Diverged(f"CPU {cpu.tid} stopped at a read of freed memory where the "
                                   f"execution being replayed has {ev}", ev.src, cpu.tid)
                tail.pop(0)
        if tail:
            cpu.pending = tail[0]
        else:
            cpu.state, cpu.pending = "done", None

    def heap_object(self, eid: EventId, spec: Spec, name: str) -> Obj:
        """The object allocated by event ``eid`` (the same object in every replay)."""
        obj = self.heap.get(eid)
        if obj is None:
            obj = Obj(f"{name}@P{eid[0]}:{eid[1]}", spec, heap=True, alloc_event=eid)
            self.heap[eid] = obj
        return obj

    def finish(self) -> None:
        """Kill every CPU greenlet (end of exploration)."""
        for i, old in enumerate(self.cpus):
            if old.glet is not None and not old.glet.dead:
                old.glet.throw(greenlet.GreenletExit)
            self.cpus[i] = Cpu(i, old.fn, step=self.roots[i])


def run_deferred(cpu: Cpu) -> None:
    """Run, on ``cpu``, what it left to run later (each may leave more)."""
    while cpu.deferred:
        cpu.deferred.pop(0)()


def _always(g: ExecutionGraph) -> bool:
    return True


def _source_of(cpu: Cpu, op: Op) -> Source:
    """Where the model asked for ``op`` (called on the CPU's greenlet, inside ``submit``)."""
    if op.src is not NO_SOURCE:
        return op.src
    return cpu.source_override or user_source()


def _agrees(cpu: Cpu, g: ExecutionGraph) -> bool:
    """Whether what ``cpu`` was told so far is a prefix of what ``g`` says."""
    if cpu.state == "new":
        return True
    evs = g.threads[cpu.tid]
    fed = cpu.fed
    n = len(fed)
    if n > len(evs):
        return False
    if cpu.tail is not None:  # stopped: the very events (and holes) it was given
        return evs[:n] == fed
    # Graphs copied from one another share their event objects, so comparing the lists
    # (by identity, at C speed) settles most CPUs.  The same read object reads the same
    # write then: the explorer sets a read's source only when it makes the read, and
    # cuts a write only with every read of it.  Events re-made with the same ids and
    # kinds agree if their reads' values do; they then replace the CPU's, for next time.
    if evs[:n] != fed:
        if not all(ev is not None and ev.id == old.id and ev.kind == old.kind
                   for ev, old in zip(evs[:n], fed, strict=True)):
            return False
        for i, value in cpu.fed_reads:
            at = evs[i]
            assert at is not None
            got = at.value if at.kind == "C" else g.read_value(at.id)
            if type(got) is not type(value) or not bool(got == value):
                return False
        fed[:] = evs[:n]  # type: ignore[assignment]  # (no holes: checked above)
    return cpu.state == "paused" or n == len(evs)


def _done(ev: Event | None) -> bool:
    """Whether ``ev`` is an event its CPU asked for (not a hole, not how it stopped)."""
    return ev is not None and ev.src is not STOP_SRC


# The end of a read-side critical section an implied RCU reader opened (by its opener).
_CLOSERS = {"preempt_disable": "preempt_enable()", "local_irq_disable": "local_irq_enable()",
            "local_irq_save": "local_irq_restore()", "irq_enter": "irq_exit()"}


def in_reader(g: ExecutionGraph, tid: int) -> bool:
    """Whether CPU ``tid``'s events in ``g`` leave an RCU or SRCU read-side critical
    section open (a grace period waits for its end)."""
    return len(_closing_ops(g, tid)) > 1


def rcu_closers(g: ExecutionGraph, tid: int) -> list[Op]:
    """The rcu_read_unlock()s (and the like) that would end CPU ``tid``'s open RCU
    read-side critical sections in ``g``, innermost first."""
    return [op for op in _closing_ops(g, tid) if op.kind == "F"]


def _closing_ops(g: ExecutionGraph, tid: int) -> list[Op]:
    """What a CPU that stops in ``g`` ends with: an rcu_read_unlock() per RCU read-side
    critical section it has open, an srcu_read_unlock() per SRCU one (a store of the
    index its srcu_read_lock() read), and its end."""
    mine = [ev for ev in g.threads[tid] if ev is not None and ev.src is not STOP_SRC]
    open_: list[str] = []  # how each open section ends, innermost last
    for ev in mine:
        if ev.kind == "F" and "rcu-lock" in ev.tags:
            open_.append(_CLOSERS.get(ev.op.split("(")[0], "rcu_read_unlock()"))
        elif ev.kind == "F" and "rcu-unlock" in ev.tags and open_:
            open_.pop()
    ops = [Op("F", tags=frozenset({"rcu-unlock"}), text=text, src=STOP_SRC)
           for text in reversed(open_)]
    unlocked = {d for ev in g.events() if ev.kind == "W" and "srcu-unlock" in ev.tags
                and _done(ev) for d in ev.data}
    for ev in mine:
        if ev.kind == "R" and "srcu-lock" in ev.tags and ev.id not in unlocked:
            ops.append(Op("W", loc=ev.loc, value=g.read_value(ev.id),
                          tags=frozenset({"srcu-unlock"}), data=frozenset({ev.id}),
                          text=f"srcu_read_unlock({ev.loc})", src=STOP_SRC))
    ops.append(Op("E", value=STOPPED, text="stops", src=STOP_SRC))
    return ops


def _asked(op: Op) -> str:
    """An op as a replay divergence names it."""
    if op.kind == "E":
        return "to return"
    what = "for " + op.kind + (f" {op.loc}" if op.loc is not None else "")
    return what + (f" = {op.value}" if op.kind == "W" else "")


_EVENT_KIND = {"RMW": "R", "BOUND": "B"}  # the event an op becomes, where its kind differs


def _matches(op: Op, ev: Event) -> bool:
    if ev.extra.get("stopped"):  # the end of a CPU stopped at an error or bound
        return op.kind in ("ERR", "BOUND")
    kind = _EVENT_KIND.get(op.kind, op.kind)
    if kind != ev.kind:
        return False
    if op.kind in ("R", "W", "RMW"):
        return op.loc == ev.loc and (op.kind != "W" or _eq(op.value, ev.value))
    if op.kind == "E":  # the same registers: a rerun compares what a CPU returns too
        return _eq(_bare(op.value), _bare(ev.value))
    return True


def _bare(value: Any) -> Any:
    """Registers without dependency tracking (comparing tracked values makes one)."""
    return {k: raw(v) for k, v in value.items()} if isinstance(value, dict) else raw(value)


def _unhashable(value: Any) -> str:
    """Why a CPU's return value cannot be its registers ("" if it can)."""
    regs = value if isinstance(value, dict) else {"ret": value}
    for name, v in regs.items():
        if not isinstance(name, str):
            return f"a register named {name!r} (not a string)"
        try:
            hash(raw(v))
        except Exception:
            return f"{raw(v)!r} in register {name}, a {type(raw(v)).__name__}"
    return ""


def cpu_name(cpu: Cpu) -> str:
    """The name of a CPU's function, as messages give it."""
    return str(getattr(cpu.fn, "__name__", f"P{cpu.tid}"))


def _eq(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _error_op(exc: BaseException) -> Op:
    src = raise_site(exc.__traceback__)
    if isinstance(exc, NullDeref):
        return Op("ERR", text="null-deref", message="NULL pointer dereference", src=src)
    return Op("ERR", text="assertion", message=str(exc) or "assertion failed", src=src)


# --------------------------------------------------------------------------
# The one accessor: the CPU running model code
# --------------------------------------------------------------------------

_current_run: Run | None = None


def set_run(run: Run | None) -> None:
    global _current_run
    _current_run = run


def current_graph() -> ExecutionGraph | None:
    """The graph the current run is driving its CPUs against, if a run is active."""
    return None if _current_run is None else _current_run.graph


def current_run() -> Run | None:
    """The run whose CPUs model code is driven against, if any."""
    return _current_run


def running() -> tuple[Run, Cpu] | None:
    """The run and CPU executing the caller, or None outside a CPU function."""
    run = _current_run
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    return None if run is None or cpu is None else (run, cpu)


def current() -> tuple[Run, Cpu]:
    """The run and CPU executing the caller; a usage error outside a run."""
    run = _current_run
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    if run is None or cpu is None:
        src = user_source()
        raise UsageError(f"{_primitive_called()} is a kernel primitive: only a CPU function "
                         "of a model being checked can call it (not module-level code, a "
                         "condition, or Python outside `smpcheck check MODEL.py`); give "
                         "shared objects their initial values with Var(...), Struct and "
                         "Array instead", None if src is NO_SOURCE else src.path,
                         src.line or None)
    return run, cpu


def _primitive_called() -> str:
    """The outermost engine function on the stack: the primitive model code called."""
    f: Any = sys._getframe()  # (this frame is the engine's too; compiled by mypyc, it has none)
    name = "this"
    while f is not None and f.f_globals.get("__smp_engine__"):
        name = f.f_code.co_name
        f = f.f_back
    return name


_site_hook: Callable[[Run, Cpu, Op], Any] | None = None


def set_site_hook(hook: Callable[[Run, Cpu, Op], Any] | None) -> None:
    """Route every issued op through ``hook`` (per-site overrides, :mod:`.sites`)."""
    global _site_hook
    _site_hook = hook


def issue(op: Op) -> Any:
    """Hand ``op`` to the running CPU and return its answer."""
    run, cpu = current()
    if _site_hook is not None:
        return _site_hook(run, cpu, op)
    return run.submit(cpu, op)


def irq_point() -> None:
    """A point where an interrupt may come although the CPU asks for nothing yet: just
    before it disables interrupts (local_irq_disable() changes its state first)."""
    run, cpu = current()
    op = Op("F")
    if run.interruptible[cpu.tid] and run._deliverable(cpu, op):
        run._interrupt(cpu, op)


def warn(op: Op) -> None:
    """A WARN_ON that fired: noted for the explorer, the CPU goes on (unless it read
    freed memory: then it may be POISON that fired it, and the finding is that read)."""
    run, cpu = current()
    if cpu.poison is not None:
        return
    if op.src is NO_SOURCE:
        op.src = cpu.source_override or user_source()
    run.warnings.append((cpu, op))
    # (the CPU's op cache, if any, is off from now on: a cached history would skip the
    # warning, which the explorer notes for each execution that runs into it)
    run.roots[cpu.tid] = cpu.step = None


def add_control_deps(deps: Deps) -> None:
    """A branch on tracked values: the events of this CPU in the branch's scope depend
    on them (until :func:`ctrl_restore`), and whether later ones exist at all."""
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    if cpu is not None:
        cpu.ctrl = cpu.ctrl | deps
        cpu.branch = cpu.branch | deps


def ctrl_save() -> Deps:
    """The control dependencies in force before an ``if`` or ``while``: the statement's
    end restores them (:func:`ctrl_restore`), since a control dependency orders only
    the statements the branch governs, not the code after it (the kernel's
    memory-barriers.txt, and herd7's semantics of litmus C)."""
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    return NO_DEPS if cpu is None else cpu.ctrl


def ctrl_restore(saved: Deps) -> None:
    """Leave the scope of the branches taken since :func:`ctrl_save` gave ``saved``."""
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    if cpu is not None:
        cpu.ctrl = saved


# --------------------------------------------------------------------------
# Plain accesses through pointers (C's -> and [])
# --------------------------------------------------------------------------


def member_read(ref: Ref, deps: Deps = NO_DEPS) -> Any:
    """``p->f`` / ``p[i]``: a pointer for aggregates, a plain load for scalars."""
    if not isinstance(ref._spec(), Field):
        return Val(ref, deps) if deps else ref
    loc = ref._loc()
    return issue(Op("R", loc=loc, addr=deps, text=str(loc)))


def plain_store(ref: Ref, value: Any, deps: Deps = NO_DEPS) -> None:
    """``p->f = v``: a plain store."""
    loc = ref._loc()
    issue(Op("W", loc=loc, value=raw(value), addr=deps, data=deps_of(value),
             text=f"{loc} = {raw(value)}"))


# --------------------------------------------------------------------------
# Source lines for the report
# --------------------------------------------------------------------------


def user_source() -> Source:
    """The model source line that led to the current primitive call."""
    try:
        f = sys._getframe()  # (from this frame: compiled by mypyc, it has none)
    except ValueError:  # (compiled, and no Python frame on this CPU's stack: a CPU's return)
        return NO_SOURCE
    return frame_source(f)


def frame_source(f: Any) -> Source:
    """The line of the innermost model frame from frame ``f`` outwards."""
    while f is not None and f.f_globals.get("__smp_engine__"):
        f = f.f_back
    if f is None:
        return NO_SOURCE
    path = f.f_code.co_filename
    line = f.f_lineno
    return Source(path, line, source_line(path, line), f.f_code.co_name)


hooks.install(member_read, plain_store, add_control_deps,  # (model objects call these)
              lambda: running() is not None)
