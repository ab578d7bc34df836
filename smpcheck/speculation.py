"""Reads that take their value from a write the graph does not hold yet.

The explorer finds an execution by adding events one at a time; a read takes
its value from a write already added, or is *revisited* later by a write that
does not depend on it.  A write that depends on the read it should feed (its
value or its existence follows from the read, through dependencies and the
orders the model always keeps) cannot revisit it: such an execution has a
cycle in dependencies plus reads-from.  SC and x86-TSO forbid every cycle in
program order plus reads-from; the LKMM forbids such cycles among marked
accesses (its happens-before), but not through plain accesses, which it
leaves out of happens-before: there, and for litmus tests herd7 enumerates
them, the executions exist and must be explored.

So a read the memory model names (:meth:`MemoryModel.speculates`) may also
*speculate*: take a value some other CPU writes to its location, before that
write exists, and wait for it.  A write of that value added later may become
its source; an execution ending with a read still waiting is not one.  The
values are those the exploration has seen written (a :class:`Domain`): an
exploration that speculates runs again while the domain grows, so the last
run speculates on every value any execution writes (herd's fixpoint).  Two
paths can lead to one execution once reads speculate, so those runs count each
execution once by its reads-from and coherence (:func:`execution_key`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any

from smpcheck.events import Event, Source
from smpcheck.graph import ExecutionGraph
from smpcheck.memory import Loc


class Domain:
    """What the exploration saw written: per location, each value with the CPUs that
    wrote it; which locations had plain writes; whether a read could speculate."""

    def __init__(self) -> None:
        self.values: dict[Loc, dict[Any, set[int]]] = {}
        self.sites: set[tuple[int, str, int]] = set()  # (CPU, file, line) of reads
        self.size = 0  # (location, value, CPU) triples and sites: growth shows as a change

    def executed(self, g: ExecutionGraph) -> None:
        """Record the writes of a complete execution (the values of writes in graphs
        that never complete are not values the program writes)."""
        for t in g.threads:
            for ev in t:
                if ev is not None and ev.kind == "W":
                    self.wrote(ev)

    def wrote(self, ev: Event) -> None:
        """Record a write event of an execution."""
        assert ev.loc is not None
        by_value = self.values.setdefault(ev.loc, {})
        key = _hashable(ev.value)
        if key is None:
            return
        tids = by_value.setdefault(key, set())
        if ev.tid not in tids:
            tids.add(ev.tid)
            self.size += 1

    def may_cycle(self, read: Event) -> None:
        """Record that ``read``'s place may be on a cycle the model allows (its CPU later
        writes something that depends on it, with no order the model guarantees)."""
        site = (read.tid, read.src.path, read.src.line)
        if site not in self.sites:
            self.sites.add(site)
            self.size += 1

    def speculates(self, tid: int, src: Source) -> bool:
        """Whether a read at ``src`` on CPU ``tid`` may speculate."""
        return (tid, src.path, src.line) in self.sites

    def candidates(self, loc: Loc, tid: int) -> list[Any]:
        """The values a read of ``loc`` on CPU ``tid`` may speculate: written by another
        CPU (its own later writes cannot feed it: coherence), in a stable order."""
        by_value = self.values.get(loc, {})
        return sorted((v for v, tids in by_value.items() if tids - {tid}), key=repr)

    def writers(self, loc: Loc, value: Any) -> set[int]:
        """The CPUs seen writing ``value`` to ``loc``."""
        key = _hashable(value)
        return set() if key is None else self.values.get(loc, {}).get(key, set())

    def snapshot(self) -> int:
        return self.size


def _hashable(value: Any) -> Hashable | None:
    try:
        hash(value)
    except TypeError:
        return None
    return value


def execution_key(g: ExecutionGraph) -> bytes:
    """A complete execution's identity: a digest of its reads-from and coherence orders
    (with the CPUs deterministic, these fix every event); 16 bytes, so that an
    exploration of millions of executions keeps them all."""
    rf = sorted(g.rf.items())
    co = sorted((id(loc), ws) for loc, ws in g.co.items() if ws)
    return hashlib.blake2b(repr((rf, co)).encode(), digest_size=16).digest()
