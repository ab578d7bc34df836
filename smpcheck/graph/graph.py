"""The execution graph: events per CPU in program order, reads-from, coherence.

One :class:`ExecutionGraph` is one (partial) execution.  It records, besides
``po``, ``rf`` and ``co``, the order in which the explorer added events (their
*stamps*) and which events may no longer be revisited (``frozen``).  Memory models
read a graph through
:class:`~smpcheck.graph.view.View`, which numbers its events densely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from smpcheck.errors import InternalError
from smpcheck.graph.events import (
    INIT_TID,
    MARKING_TAGS,
    Event,
    init_event,
    located_access,
    lone_unlock,
    plain_access,
)
from smpcheck.model.objects import Loc
from smpcheck.model.values import EventId


class Locations:
    """Every location an exploration has touched, each with its initial write."""

    def __init__(self) -> None:
        self.index: dict[Loc, int] = {}
        self.inits: list[Event] = []

    def init_of(self, loc: Loc) -> Event:
        i = self.index.get(loc)
        if i is None:
            i = len(self.inits)
            self.index[loc] = i
            self.inits.append(init_event(i, loc))
        return self.inits[i]


class ExecutionGraph:
    """Events, program order, reads-from and coherence order of one execution."""

    __slots__ = ("threads", "rf", "co", "stamp", "clock", "frozen", "locs", "fence_tags",
                 "frees", "rmws", "plain", "spec", "notes", "spec_resolved")

    def __init__(self, nthreads: int, locs: Locations) -> None:
        self.threads: list[list[Event | None]] = [[] for _ in range(nthreads)]
        self.rf: dict[EventId, EventId] = {}
        self.co: dict[Loc, list[EventId]] = {}
        self.stamp: dict[EventId, int] = {}
        self.clock = 0
        self.frozen: set[EventId] = set()
        self.locs = locs
        self.fence_tags: frozenset[str] = frozenset()  # of every fence ever added (cuts too)
        self.frees = False  # whether a kfree was ever added (cuts too): checks skip if not
        self.rmws = False  # whether an RMW's write was ever added (cuts too): atomic if not
        self.plain = False  # whether a plain access was ever added (cuts too): note_plain
        # reads that took a value from a write not yet in the graph (see explorer's
        # speculation), each with that value, until a write of it becomes their source
        self.spec: dict[EventId, Any] = {}
        self.spec_resolved: dict[EventId, EventId] = {}  # speculations resolved: r -> w
        # findings made while a read speculated, each with the CPU's last event then:
        # real only once the speculation is resolved and that event is still there
        self.notes: tuple[tuple[Any, Event | None], ...] = ()
        # whether (po | rf | co | fr) had no cycle when a memory model last checked the
        # graph (False: not known); a model may then look for cycles through what the
        # explorer changed since, as for SC (smpcheck.models.cycles)

    def copy(self) -> ExecutionGraph:
        g = ExecutionGraph(0, self.locs)  # (not __new__: mypyc compiles that to this call)
        g.threads = [list(t) for t in self.threads]
        g.rf = dict(self.rf)
        g.co = {loc: list(ws) for loc, ws in self.co.items()}
        g.stamp = dict(self.stamp)
        g.clock = self.clock
        g.frozen = set(self.frozen)
        g.locs = self.locs
        g.fence_tags = self.fence_tags
        g.frees = self.frees
        g.rmws = self.rmws
        g.plain = self.plain
        g.spec = dict(self.spec) if self.spec else {}
        g.notes = self.notes
        g.spec_resolved = self.spec_resolved
        return g

    # -- lookup -------------------------------------------------------------
    def event(self, eid: EventId) -> Event:
        tid, idx = eid
        if tid == INIT_TID:
            return self.locs.inits[idx]
        ev = self.threads[tid][idx]
        if ev is None:
            raise InternalError(f"no event {eid} in the graph")
        return ev

    def has(self, eid: EventId) -> bool:
        tid, idx = eid
        if tid == INIT_TID:
            return True
        t = self.threads[tid]
        return idx < len(t) and t[idx] is not None

    def events(self) -> Iterator[Event]:
        """Every event of the CPUs (not the initial writes), CPU by CPU in program order."""
        for t in self.threads:
            for ev in t:
                if ev is not None:
                    yield ev

    def last(self, tid: int) -> Event | None:
        t = self.threads[tid]
        return t[-1] if t else None

    def init_of(self, loc: Loc) -> Event:
        return self.locs.init_of(loc)

    def tagged_or_plain(self, tags: frozenset[str]) -> bool:
        """Whether an event of the CPUs carries one of ``tags`` or is a plain access
        (:func:`plain_access`; none if none was ever added)."""
        plain = self.plain
        clean: set[frozenset[str]] = set()  # tag sets (shared by events of an op) passed
        for t in self.threads:
            for ev in t:
                if ev is None or ev.tags in clean:
                    continue
                if not tags.isdisjoint(ev.tags) or plain and plain_access(ev):
                    return True
                if not plain or not MARKING_TAGS.isdisjoint(ev.tags):
                    clean.add(ev.tags)  # (then it passes whatever the event's kind)
        return False

    def read_value(self, read: EventId) -> Any:
        src = self.rf.get(read)
        if src is None:
            return self.spec[read]
        return self.event(src).value

    # -- coherence ----------------------------------------------------------
    def co_order(self, loc: Loc) -> list[EventId]:
        """The writes to ``loc`` in coherence order, the initial write first."""
        return [self.init_of(loc).id, *self.co.get(loc, ())]

    def co_max(self, loc: Loc) -> EventId:
        ws = self.co.get(loc)
        return ws[-1] if ws else self.init_of(loc).id

    def co_after(self, w: EventId) -> list[EventId]:
        """The writes coherence-after ``w``."""
        ev = self.event(w)
        assert ev.loc is not None
        order = self.co_order(ev.loc)
        return order[order.index(w) + 1:]

    def co_insert(self, w: EventId, after: EventId) -> None:
        """Place write ``w`` immediately after ``after`` (possibly the initial write)."""
        loc = self.event(w).loc
        assert loc is not None
        ws = self.co.setdefault(loc, [])
        pos = 0 if after[0] == INIT_TID else ws.index(after) + 1
        ws.insert(pos, w)

    # -- growing and cutting ------------------------------------------------
    def add(self, ev: Event) -> None:
        """Append ``ev`` at its program-order position (filling a hole if there is one)."""
        tid, idx = ev.id
        t = self.threads[tid]
        if idx == len(t):
            t.append(ev)
        elif idx < len(t) and t[idx] is None:
            t[idx] = ev
        else:
            raise InternalError(f"cannot add {ev} at position {idx} of CPU {tid}")
        self.stamp[ev.id] = self.clock
        self.clock += 1
        if ev.kind == "F":
            self.fence_tags |= ev.tags
        elif ev.kind == "D":
            self.frees = True
        elif ev.rmw and ev.kind == "W":
            self.rmws = True
        self.note_plain(ev)

    def note_plain(self, ev: Event) -> None:
        """Note ``ev``, added or put in place of another, if it is a plain access."""
        if not self.plain and plain_access(ev):
            self.plain = True

    def remove(self, doomed: set[EventId]) -> None:
        """Delete events (a backward revisit), keeping each CPU's list without trailing holes."""
        for tid, idx in doomed:
            self.threads[tid][idx] = None
            self.stamp.pop((tid, idx), None)
            self.rf.pop((tid, idx), None)
            self.spec.pop((tid, idx), None)
            if (tid, idx) in self.spec_resolved:
                self.spec_resolved = {r: w for r, w in self.spec_resolved.items()
                                      if r != (tid, idx)}
            self.frozen.discard((tid, idx))
        for t in self.threads:
            while t and t[-1] is None:
                t.pop()
        for loc, ws in self.co.items():
            self.co[loc] = [w for w in ws if w not in doomed]

    def companion(self, read: EventId) -> EventId | None:
        """What the explorer added right after ``read`` with it: an RMW's write, a failed
        RMW's place holder, or the marker of a wait on it; None if nothing."""
        nxt = (read[0], read[1] + 1)
        if not self.has(nxt):
            return None
        ev = self.event(nxt)
        if (ev.kind == "W" and ev.rmw) or ev.kind == "N":
            return nxt
        if ev.kind == "B" and ev.extra.get("waits") == (read,):
            return nxt
        return None

    # -- prefixes -------------------------------------------------------------
    def porf_prefix(self, eid: EventId) -> set[EventId]:
        """Events (po | rf)*-before ``eid``, including it; initial writes left out."""
        seen: set[EventId] = set()
        todo = [eid]
        upto: dict[int, int] = {}
        while todo:
            tid, idx = todo.pop()
            if tid == INIT_TID or upto.get(tid, -1) >= idx:
                continue
            start = upto.get(tid, -1) + 1
            upto[tid] = idx
            for i in range(start, idx + 1):
                ev = self.threads[tid][i]
                if ev is None:
                    continue
                seen.add(ev.id)
                src = self.rf.get(ev.id)
                if src is not None:
                    todo.append(src)
        return seen

    def dep_prefix(self, eid: EventId,
                   keeps_order: Callable[[Event, Event, list[Event]], bool]) -> set[EventId]:
        """Events ``eid`` needs to exist as it is: (dependencies | rf | rmw | kept po)* around it.

        Program order alone does not count: under the LKMM a write may be kept
        while an earlier, independent read of its CPU changes value.  An earlier
        event of the CPU is kept when ``keeps_order(earlier, later, between)`` says
        the model orders it before a kept event (same location, a full fence...):
        its choice is then tied to the kept event's, so it cannot be redone alone.
        """
        seen: set[EventId] = set()
        known: set[EventId] = set()  # seen, or queued as kept in order: not asked again
        whole: dict[int, int] = {}  # per CPU: a position before which all are known
        threads = self.threads
        # (ids as Python objects, Any: compiled, an EventId is made a new tuple at each
        # set or dict operation; a dependency set's ids appended one by one: extending
        # a list by a set copies it first)
        todo: list[Any] = [eid]
        while todo:
            e: Any = todo.pop()
            if e in seen:
                continue
            tid: int = e[0]
            if tid == INIT_TID:
                continue
            idx: int = e[1]
            t = threads[tid]
            ev = t[idx]
            if ev is None:
                raise InternalError(f"no event {e} in the graph")
            seen.add(e)
            known.add(e)
            self._needs(ev, e, idx, t, todo)
            if whole.get(tid, 0) < idx:  # (else nothing before it is left to ask about)
                kept, every = self._kept_before(ev, keeps_order, known)
                known.update(kept)
                todo.extend(kept)
                if every:
                    whole[tid] = idx
        return seen

    def _needs(self, ev: Event, e: Any, idx: int, t: list[Event | None], todo: list[Any]
               ) -> None:
        """Append to ``todo`` what :meth:`dep_prefix` keeps with ``ev`` (``e``, at ``idx``
        of CPU list ``t``) besides program order: its dependencies, its source, an RMW's
        other half."""
        if ev.addr:
            for d in ev.addr:
                todo.append(d)
        if ev.data:
            for d in ev.data:
                todo.append(d)
        if ev.branch:
            for d in ev.branch:
                todo.append(d)
        src = self.rf.get(e)
        if src is not None:
            todo.append(src)
        nxt = t[idx + 1] if idx + 1 < len(t) else None
        if ev.rmw or ev.kind == "N" or (nxt is not None and nxt.kind == "N"):
            companion = self._rmw_partner(ev)
            if companion is not None:  # an RMW's read and write stand or fall together
                todo.append(companion)

    def _ordered_before(self, ev: Event, keeps_order: Callable[[Event, Event, list[Event]], bool],
                        seen: set[EventId]) -> list[EventId]:
        """The earlier events of ``ev``'s CPU, not yet ``seen``, that stay ordered before it:
        accesses of its location without asking (coherence keeps them in every model:
        :meth:`MemoryModel.keeps_order`; a lone unlock is one, in po-loc though in no
        co), the others as ``keeps_order`` says."""
        return self._kept_before(ev, keeps_order, seen)[0]

    def _kept_before(self, ev: Event, keeps_order: Callable[[Event, Event, list[Event]], bool],
                     seen: set[EventId]) -> tuple[list[EventId], bool]:
        """:meth:`_ordered_before`, and whether every earlier event is ``seen`` or kept."""
        t = self.threads[ev.tid]
        idx = ev.idx
        loc = ev.loc if located_access(ev) else None
        out: list[Any] = []
        every = True
        for i in range(idx):
            p = t[i]
            if p is None:
                continue
            pid: Any = p.id
            if pid in seen:
                continue
            if (loc is not None and (p.kind in "RW" or lone_unlock(p)) and p.loc is loc) \
                    or keeps_order(p, ev, [q for q in t[i + 1:idx] if q is not None]):
                out.append(pid)
            else:
                every = False
        return out, every

    def local_deps(self, w: EventId,
                   keeps_order: Callable[[Event, Event, list[Event]], bool]) -> list[Event]:
        """The reads of ``w``'s CPU that a revisit by ``w`` keeps (its dependency prefix
        within its CPU: :meth:`dep_prefix`)."""
        tid = w[0]
        seen: set[EventId] = set()
        out = []
        todo = [w]
        while todo:
            e = todo.pop()
            if e in seen or e[0] != tid or not self.has(e):
                continue
            seen.add(e)
            ev = self.event(e)
            if ev.kind == "R" and e != w:
                out.append(ev)
            todo.extend(ev.addr | ev.data | ev.branch)
            src = self.rf.get(e)
            if src is not None:
                todo.append(src)
            todo.extend(self._ordered_before(ev, keeps_order, seen))
            companion = self._rmw_partner(ev)
            if companion is not None and ev.kind != "R":
                todo.append(companion)
        return out

    def _rmw_partner(self, ev: Event) -> EventId | None:
        if ev.kind in "WN" and (ev.rmw or ev.kind == "N"):
            return (ev.tid, ev.idx - 1)
        if ev.kind == "R":
            return self.companion(ev.id) if ev.rmw or self._failed_rmw(ev.id) else None
        return None

    def _failed_rmw(self, read: EventId) -> bool:
        nxt = (read[0], read[1] + 1)
        return self.has(nxt) and self.event(nxt).kind == "N"

    def validate(self) -> None:
        """Check the graph's invariants: each read reads from a write of its own location
        (or speculates), each location's coherence order holds its own writes only, and
        a plain access is noted (``plain``).  tests/unit/test_graph_invariants.py runs it
        on every complete execution of generated programs; it is too slow for every run."""
        for ev in self.events():
            if not self.plain and plain_access(ev):
                raise InternalError(f"plain access {ev} not noted")
            if ev.is_read and ev.id not in self.rf and ev.id not in self.spec:
                raise InternalError(f"read {ev} has no rf")
            src = self.rf.get(ev.id)
            if src is not None and self.event(src).loc != ev.loc:
                raise InternalError(f"read {ev} reads from another location")
        for loc, ws in self.co.items():
            for w in ws:
                if self.event(w).loc != loc:
                    raise InternalError(f"co of {loc} holds {w}")
