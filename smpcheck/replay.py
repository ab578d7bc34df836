"""Replaying a recorded execution: the explorer, guided to the recorded choices only."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from smpcheck import _runtime
from smpcheck._runtime import Cpu, Diverged, Run
from smpcheck.errors import UsageError
from smpcheck.graph import ExecutionGraph


class Guide:
    """Accepts only graphs that agree with a recorded execution (a replay token)."""

    def __init__(self, token: dict[str, Any], path: str) -> None:
        try:
            self.events = {(int(t), int(i)): (k, loc) for t, i, k, loc in token["events"]}
            self.rf: dict[str, str] = dict(token["rf"])
            self.co: dict[str, list[str]] = {k: list(v) for k, v in token["co"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"not a replay token: {exc}", path) from None
        self.path = path

    def next_cpu(self, cpus: list[Cpu]) -> Cpu | None:
        """The CPU to run next: one whose next event was recorded, preferring one whose
        recorded read can already read from its recorded write (a read added before its
        write exists could only read an older value, and the replay would miss the
        execution), else one that stops."""
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
        return None

    def _source_present(self, g: ExecutionGraph, eid: tuple[int, int]) -> bool:
        """Whether the write the recorded read ``eid`` reads from is in ``g`` already."""
        src = self.rf.get(f"{eid[0]}:{eid[1]}")
        if src is None or src.startswith("init:"):
            return True
        tid, idx = (int(x) for x in src.split(":"))
        return g.has((tid, idx))

    def accept(self, g: ExecutionGraph) -> bool:
        def name(eid: tuple[int, int]) -> str:
            return f"init:{g.locs.inits[eid[1]].loc}" if eid[0] < 0 else f"{eid[0]}:{eid[1]}"

        for ev in g.events():
            rec = self.events.get(ev.id)
            if rec is None:
                return ev.kind in "EB"
            if rec[0] != ev.kind or rec[1] != (str(ev.loc) if ev.loc is not None else None):
                return False
            src = g.rf.get(ev.id)
            if src is not None and self.rf.get(name(ev.id)) != name(src):
                return False
        for loc, ws in g.co.items():
            want = self.co.get(str(loc), [])
            got = [name(w) for w in ws]
            if [w for w in want if w in got] != got:
                return False
        return True


def rerun(cpus: list[Any], g: ExecutionGraph, loop_bound: int, max_events: int,
          tids: Collection[int] | None = None) -> None:
    """Run fresh copies of the CPUs (or of CPUs ``tids``) against the complete execution
    ``g``, in a run of their own.

    A deterministic model asks for exactly the events ``g`` holds; anything else
    raises :class:`Diverged`.  The explorer re-runs a CPU only when a read it made
    changes, so this catches models whose Python state (a module-level counter,
    ``random``) makes a CPU that is never re-run behave differently."""
    run = Run(cpus, loop_bound, max_events)
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
