"""Replaying a recorded execution: the explorer, guided to the recorded choices only.

A replay is not a check: it either shows the recorded violation again, in the
recorded execution, or says why it does not (:mod:`.reproduce`).  The record
itself is read and fingerprinted by :mod:`smpcheck.explore.replay_record`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from smpcheck._rt import runtime as _runtime
from smpcheck._rt.runtime import Cpu, Diverged, Run
from smpcheck.graph.graph import ExecutionGraph

if TYPE_CHECKING:  # (replay_record is imported where a record is compared: a check
    # that replays nothing, such as every smpcheck-herd run, never loads it)
    from smpcheck.explore.replay_record import Record
    from smpcheck.model.objects import Loc
    from smpcheck.models.base import MemoryModel
    from smpcheck.results.findings import Violation

DOES_NOT_REPRODUCE = "the recorded execution does not reproduce"
_MARKERS = "EB"  # CPU-state events a record may leave out (a CPU ends or blocks)


class Guide:
    """Accepts only graphs that agree with a recorded execution, and notes why others
    do not (the first few reasons) and which graphs the exploration completed."""

    def __init__(self, record: Record) -> None:
        self.events = record.events
        self.rf = record.rf
        self.co = record.co
        self.rejected: list[str] = []  # the model asked for other events than recorded
        self.other_choices: list[str] = []  # a graph read from / placed other writes
        self.ends: list[ExecutionGraph] = []

    def next_cpu(self, cpus: list[Cpu]) -> Cpu | None:
        """The CPU to run next: one whose next event was recorded, preferring one whose
        recorded read can already read from its recorded write (a read added before its
        write exists could only read an older value, and the replay would miss the
        execution), else one that stops, else one that goes on past the record (its
        event is then refused: the record ends too early)."""
        waiting = [c for c in cpus if c.pending is not None]
        recorded = [c for c in waiting if (c.tid, c.pos) in self.events]
        g = _runtime.current_graph()
        for c in recorded:
            if g is None or self._source_present(g, (c.tid, c.pos)):
                return c
        if recorded:
            return recorded[0]
        for c in waiting:
            assert c.pending is not None
            if c.pending.kind in ("ERR", "E", "B", "BOUND"):
                return c
        if waiting:
            return waiting[0]
        if g is not None:
            self.ends.append(g)
        return None

    def _source_present(self, g: ExecutionGraph, eid: tuple[int, int]) -> bool:
        """Whether the write the recorded read ``eid`` reads from is in ``g`` already."""
        src = self.rf.get(f"{eid[0]}:{eid[1]}")
        if src is None or src.startswith("init:"):
            return True
        tid, idx = (int(x) for x in src.split(":"))
        return g.has((tid, idx))

    def accept(self, g: ExecutionGraph) -> bool:
        """Whether ``g`` may still grow into the recorded execution.  (The explorer shows
        only graphs the memory model allows: a recorded choice it forbids is never seen.)"""
        why = self._events_differ(g, False)
        if why is not None:
            self.rejected = self.rejected[:2] + [why]
            return False
        why = self._rf_differs(g) or self._co_differs(g, False)
        if why is not None:
            self.other_choices = self.other_choices[:2] + [why]
        return why is None

    def mismatch(self, g: ExecutionGraph) -> str | None:
        """How the (complete or stopped) execution ``g`` differs from the record; None if
        it is the recorded one."""
        return self._events_differ(g, True) or self._rf_differs(g) or self._co_differs(g, True)

    def _events_differ(self, g: ExecutionGraph, whole: bool) -> str | None:
        from smpcheck.explore.replay_record import slot_of

        for ev in g.events():
            rec = self.events.get(ev.id)
            got = (ev.kind, slot_of(ev))
            where = f" ({ev.src})" if ev.src.line else ""
            if rec is None and ev.kind not in _MARKERS:
                return (f"CPU {ev.tid} goes on past the record's end with event "
                        f"{ev.tid}:{ev.idx}, {_event(*got)}{where}")
            if rec is not None and rec != got:
                return (f"event {ev.tid}:{ev.idx} is {_event(*got)}{where}, the record has "
                        f"{_event(*rec)}")
        if whole:
            for (tid, idx), rec in self.events.items():
                if tid >= len(g.threads) or not g.has((tid, idx)):
                    return f"the record's event {tid}:{idx}, {_event(*rec)}, never happens"
        return None

    def _rf_differs(self, g: ExecutionGraph) -> str | None:
        from smpcheck.explore.replay_record import event_name

        for r, w in sorted(g.rf.items()):
            read, write = event_name(g, r), event_name(g, w)
            if self.rf.get(read) != write:
                return (f"the read {read} reads from {write}, the record has it read from "
                        f"{self.rf.get(read)}")
        return None

    def _co_differs(self, g: ExecutionGraph, whole: bool) -> str | None:
        from smpcheck.explore.replay_record import event_name

        for loc, ws in g.co.items():
            got = [event_name(g, w) for w in ws]
            want = self.co.get(str(loc), [])
            if (want if whole else [w for w in want if w in got]) != got:
                return _co_text(loc, got, want)
        if whole:
            for name, want in self.co.items():
                if want and not any(str(loc) == name for loc in g.co):
                    return _co_text(name, [], want)
        return None


def _event(kind: str, loc: str | None) -> str:
    return kind + (f" {loc}" if loc is not None else "")


def _co_text(loc: Loc | str, got: list[str], want: list[str]) -> str:
    return (f"the writes of {loc} are in coherence order [{', '.join(got)}], the record has "
            f"[{', '.join(want)}]")


def described(v: Violation) -> tuple[str, str, int | None, int | None]:
    """What a record says of its violation: kind, message, CPU and line."""
    return v.kind.value, v.message, v.cpu, v.line


def why_not(guide: Guide, found: list[Violation], record: Record,
             mm: MemoryModel) -> str | None:
    """Why no execution showed the recorded violation, as precisely as the guide saw."""
    want = _violation_text(*record.violation)
    for v in found:
        if v.graph is not None and guide.mismatch(v.graph) is None:
            return (f"the recorded execution happens, but it shows {_violation_text(*described(v))}"
                    f", not the recorded {want}")
    reasons = [guide.mismatch(g) for g in guide.ends]
    for g, why in zip(guide.ends, reasons, strict=True):
        if why is None:
            axiom = mm.deferred_inconsistency(g)
            if axiom is not None:
                return f"the recorded execution is forbidden under {mm.name} ({axiom})"
            return f"the recorded execution happens without the recorded violation ({want})"
    why = next((r for r in reasons if r is not None), None) or next(iter(guide.rejected), None)
    if why is None and guide.other_choices:
        why = (f"no execution under {mm.name} has the record's reads-from and coherence "
               f"order: {mm.name} forbids them (the model's execution there: "
               f"{guide.other_choices[0]})")
    return why


def _violation_text(kind: str, message: str, cpu: int | None, line: int | None) -> str:
    """A violation as a record describes it, quoted safely."""
    from smpcheck.explore.replay_record import quoted

    on = f" on CPU {cpu}" if cpu is not None else ""
    return f"{quoted(kind)}: {quoted(message, 200)}{on}" + (f" at line {line}" if line else "")


def rerun(cpus: list[Any], g: ExecutionGraph, loop_bound: int, max_events: int,
          tids: Collection[int] | None = None, irq_bound: int = 1) -> None:
    """Run fresh copies of the CPUs (or of CPUs ``tids``) against the complete execution
    ``g``, in a run of their own.

    A deterministic model asks for exactly the events ``g`` holds; anything else
    raises :class:`Diverged`.  The explorer re-runs a CPU only when a read it made
    changes, so this catches models whose Python state (a module-level counter,
    ``random``) makes a CPU that is never re-run behave differently."""
    run = Run(cpus, loop_bound, max_events, irq_bound)
    previous = _runtime.current_run()
    _runtime.set_run(run)
    try:
        run.sync(g, tids)
        for cpu in run.cpus:
            if cpu.pending is not None:
                raise Diverged(f"CPU {cpu.tid} asked for {cpu.pending.kind} after the end of "
                               "the execution being replayed", cpu.pending.src, cpu.tid)
    finally:
        _runtime.set_run(previous)
        run.finish()
