"""Cycles through the events just added, found on the execution graph itself.

The explorer grows a consistent graph a few events at a time: it adds an event
(a read with its RMW write, a write at one coherence position), or, revisiting,
cuts events and gives one read a new source.  Cutting events only removes edges
of po, rf, co and fr (what is left is a sub-relation of what was there), and
every edge a change adds touches an event it added or changed.  So when the
graph before the change had no cycle, a cycle after it goes through one of
those events, and a depth-first search from each of them finds it without
building a :class:`~smpcheck.graph.view.View` of the whole graph.

Reachability is all an acyclicity check needs, so each relation is walked only
up to transitivity: the next event in program order, the next write in
coherence order, and a read's ``fr`` is the write coherence-after its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from smpcheck.graph.events import INIT_TID, Event, located_access, lone_unlock
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.objects import Loc
from smpcheck.model.values import EventId
from smpcheck.models.base import ATOMIC

Successors = Callable[[EventId], list[EventId]]
PoStep = Callable[[list[Event | None], int, Event], list[EventId]]
"""``po_step(thread, idx, ev)``: the program-order successors of ``ev`` that matter."""


def po_next(t: list[Event | None], idx: int, skip: Callable[[Event], bool] | None = None
            ) -> EventId | None:
    """The first memory event (no marker) after position ``idx`` of CPU list ``t`` that
    ``skip`` does not leave out."""
    for i in range(idx + 1, len(t)):
        nxt = t[i]
        if nxt is None or nxt.kind in "BEN":
            continue
        if skip is None or not skip(nxt):
            return nxt.id
    return None


def immediate_po(t: list[Event | None], idx: int, ev: Event) -> list[EventId]:
    """``po`` up to transitivity: the next memory event."""
    for i in range(idx + 1, len(t)):  # (po_next's loop, without a call per event: hot)
        nxt = t[i]
        if nxt is not None and nxt.kind not in "BEN":
            return [nxt.id]
    return []


def po_loc(t: list[Event | None], idx: int, ev: Event) -> list[EventId]:
    """``po-loc`` up to transitivity: the next access of the same location (a lone
    unlock, a fence with its lock's location, counts: lock.cat makes it a write)."""
    loc = ev.loc
    if loc is None or not located_access(ev):
        return []
    for i in range(idx + 1, len(t)):  # (located_access inlined, no call per event: hot)
        nxt = t[i]
        if nxt is not None and nxt.loc == loc and (nxt.kind in "RW" or lone_unlock(nxt)):
            return [nxt.id]
    return []


def successors(g: ExecutionGraph, po_step: PoStep, internal_rf: bool = True) -> Successors:
    """Successors in ``po_step | rf | co | fr`` (rf external only unless
    ``internal_rf``), each up to transitivity: the next write in coherence order,
    and ``fr`` of a read is the write coherence-after its source."""
    threads, inits, rf, co = g.threads, g.locs.inits, g.rf, g.co

    def succ(e: EventId) -> list[EventId]:
        tid, idx = e
        if tid == INIT_TID:
            ev: Event = inits[idx]
            out: list[EventId] = []
        else:
            t = threads[tid]
            ev = t[idx]  # type: ignore[assignment]
            out = po_step(t, idx, ev)
        kind = ev.kind
        if kind == "R":
            src = rf.get(e)
            if src is None:
                return out
            w = src
        elif kind == "W" or lone_unlock(ev):  # (a lone unlock: read, not in co)
            # its readers (a search from the events just added reaches a write or two:
            # scanning rf for each costs less than mapping every write to its readers)
            rs = [r for r, src in rf.items() if src == e]
            if rs:
                out.extend(rs if internal_rf else [r for r in rs if r[0] != tid])
            if kind != "W":
                return out
            w = e
        else:
            return out
        ws = co.get(ev.loc)  # type: ignore[arg-type]
        if not ws:
            return out
        if w[0] == INIT_TID:
            out.append(ws[0])
        elif w in ws:  # (a lone unlock's reader: no fr)
            i = ws.index(w) + 1
            if i < len(ws):
                out.append(ws[i])
        return out

    return succ


Closes = Callable[[Event, Event], bool]
"""``closes(a, b)``, for ``a`` before ``b`` in one CPU's program order: the relation
has the edge ``a -> b``, so reaching ``a`` from ``b`` closes a cycle."""


def po_loc_closes(a: Event, b: Event) -> bool:
    return a.kind in "RW" and b.kind in "RW" and a.loc == b.loc


def on_cycle(g: ExecutionGraph, start: EventId, succ: Successors, closes: Closes) -> bool:
    """Whether ``start`` reaches itself along ``succ``: back to it, or to an event
    before it in program order that ``closes`` says has an edge to it."""
    todo = succ(start)
    if not todo:  # most added events: nothing leaves them yet
        return False
    tid, idx = start
    thread = g.threads[tid] if tid != INIT_TID else []
    first = g.event(start)
    seen: set[EventId] = set()
    while todo:
        e = todo.pop()
        if e == start:
            return True
        if e in seen:
            continue
        if e[0] == tid and e[1] < idx and closes(thread[e[1]], first):  # type: ignore[arg-type]
            return True
        seen.add(e)
        todo.extend(succ(e))
    return False


def any_on_cycle(g: ExecutionGraph, added: Sequence[EventId], succ: Successors,
                 closes: Closes) -> bool:
    """Whether some memory event of ``added`` still in ``g`` lies on a cycle of ``succ``
    (markers are in no relation)."""
    threads = g.threads
    for e in added:
        t = threads[e[0]]
        ev = t[e[1]] if e[1] < len(t) else None
        if ev is not None and ev.kind not in "BEN" and on_cycle(g, e, succ, closes):
            return True
    return False


def po_cycle_after(g: ExecutionGraph, added: Sequence[EventId]) -> bool:
    """Whether ``po | rf | co | fr`` has a cycle through a memory event of ``added``
    still in ``g``: what :func:`any_on_cycle` with :func:`immediate_po` and a
    ``closes`` always true answers, by a search (:func:`_po_reaches_back`) that keeps only
    the earliest event reached on each CPU: program order reaches every later one."""
    threads = g.threads
    for e in added:
        t = threads[e[0]]
        ev = t[e[1]] if e[1] < len(t) else None
        if ev is not None and ev.kind not in "BEN" and _po_reaches_back(g, e[0], e[1]):
            return True
    return False


def _po_reaches_back(g: ExecutionGraph, tid: int, idx: int) -> bool:
    """Whether event ``idx`` of CPU ``tid`` reaches itself or an event before it in
    program order along ``po | rf | co | fr``.  ``reach[t]``: the earliest position of
    CPU ``t`` reached; ``done[t]``: from where on its events' edges were followed
    (each event's once, CPU list by CPU list).  (Event ids as two integers: mypyc
    then makes no tuple for them.)"""
    threads, rf = g.threads, g.rf
    reach = [len(t) for t in threads]
    done = list(reach)
    reach[tid] = idx
    todo = [tid]
    while todo:
        t = todo.pop()
        lo, hi = reach[t], done[t]
        if lo >= hi:
            continue
        done[t] = lo
        evs = threads[t]
        for k in range(lo, hi):
            ev = evs[k]
            if ev is None:
                continue
            kind = ev.kind
            if kind == "R":
                src = rf.get(ev.id)
                if src is not None and _reached_after(g, src, ev, reach, todo, tid, idx):
                    return True
            elif kind == "W" or lone_unlock(ev):
                eid = ev.id
                for r, w in rf.items():
                    if w == eid and _reached(r[0], r[1], reach, todo, tid, idx):
                        return True
                if kind == "W" and _reached_after(g, eid, ev, reach, todo, tid, idx):
                    return True
    return False


def _reached_after(g: ExecutionGraph, w: EventId, ev: Event, reach: list[int],
                   todo: list[int], tid: int, idx: int) -> bool:
    """Note the write coherence-after the write ``w`` (of ``ev``'s location) reached, if
    any (:func:`_reached`)."""
    ws = g.co.get(ev.loc)  # type: ignore[arg-type]
    if not ws:
        return False
    if w[0] == INIT_TID:
        nxt = ws[0]
        return _reached(nxt[0], nxt[1], reach, todo, tid, idx)
    for i in range(len(ws) - 1):
        if ws[i] == w:
            nxt = ws[i + 1]
            return _reached(nxt[0], nxt[1], reach, todo, tid, idx)
    return False


def _reached(x: int, i: int, reach: list[int], todo: list[int], tid: int, idx: int) -> bool:
    """Note event ``i`` of CPU ``x`` reached (:func:`_po_reaches_back`); whether it is
    event ``idx`` of CPU ``tid`` or before it."""
    if x == tid and i <= idx:
        return True
    if i < reach[x]:
        reach[x] = i
        todo.append(x)
    return False


def coherence_broken(g: ExecutionGraph, added: Sequence[EventId]) -> bool:
    """Whether ``po-loc | rf | co | fr`` has a cycle through an access of ``added``:
    :func:`any_on_cycle` with :func:`po_loc`, in one pass over the accesses of the
    CPUs that a cycle may cross (:func:`_incoherent`) where it can.

    The cycle search is kept where a lone unlock (read, but not in coherence order)
    was ever added, and where a write is not in coherence order."""
    if "UL" in g.fence_tags:
        return any_on_cycle(g, added, successors(g, po_loc), po_loc_closes)
    threads = g.threads
    done: list[Loc] = []
    for tid, idx in added:
        t = threads[tid]
        ev = t[idx] if idx < len(t) else None
        loc = ev.loc if ev is not None and ev.kind in "RW" else None
        if loc is None or loc in done:
            continue
        done.append(loc)
        found = _incoherent(g, loc, added)
        if found is None:
            return any_on_cycle(g, added, successors(g, po_loc), po_loc_closes)
        if found:
            return True
    return False


def _incoherent(g: ExecutionGraph, loc: Loc, added: Sequence[EventId]) -> bool | None:
    """Whether a cycle of ``po-loc | rf | co | fr`` at ``loc`` goes through an access
    of ``added``; None if a write is not in its coherence order (or a read reads one).

    Number the initial write 0 and the i-th write of coherence order ``2i``; a read
    of the write numbered ``k`` gets ``k + 1``.  Each edge of rf, co and fr then goes
    to a strictly higher number, so a cycle needs a program-order edge going down
    (two reads of one write share theirs, and po alone has no cycle); and each
    program-order pair that goes down closes a cycle of at most three edges (a write
    after a write coherence-after it, a read after a read of a later write...).
    So coherence holds exactly where each CPU's accesses of ``loc``, in program
    order, have numbers that never go down.  A read without a source (speculating)
    has no rf or fr edge: it is left out.

    Only the CPUs of the accesses added, and of the reads of the writes added, are
    looked at: the numbers of the others keep their order (a write placed in
    coherence order moves none of the others past another), so where the graph less
    the change had no cycle (the module's docstring), their accesses' numbers still
    never go down."""
    place = _places(g, loc)
    for tid in _crossed(g, loc, added):
        found = _goes_down(g, loc, place, g.threads[tid])
        if found is not False:
            return found
    return False


def _places(g: ExecutionGraph, loc: Loc) -> dict[EventId, int]:
    """Each write of ``loc``'s coherence order with its number (:func:`_incoherent`)."""
    ws: list[Any] = g.co.get(loc, [])  # (Any: compiled, no new tuple per write)
    return {w: 2 * i + 2 for i, w in enumerate(ws)}


def _crossed(g: ExecutionGraph, loc: Loc, added: Sequence[EventId]) -> list[int]:
    """The CPUs of the accesses of ``loc`` in ``added`` and of the reads of its writes."""
    threads = g.threads
    tids: list[int] = []
    writes: list[EventId] = []
    for e in added:
        t = threads[e[0]]
        ev = t[e[1]] if e[1] < len(t) else None
        if ev is None or ev.loc is not loc:
            continue
        if e[0] not in tids:
            tids.append(e[0])
        if ev.kind == "W":
            writes.append(e)
    if writes:
        for r, w in g.rf.items():
            if w in writes and r[0] not in tids:
                tids.append(r[0])
    return tids


def _goes_down(g: ExecutionGraph, loc: Loc, place: dict[EventId, int],
               t: list[Event | None]) -> bool | None:
    """Whether the numbers (:func:`_incoherent`) of CPU list ``t``'s accesses of ``loc``
    go down in program order (``place``: each write's number); None as there."""
    found = _down_pair(g, loc, place, t)
    return True if isinstance(found, tuple) else found


def _down_pair(g: ExecutionGraph, loc: Loc, place: dict[EventId, int],
               t: list[Event | None]) -> tuple[Event, Event] | bool | None:
    """The first two accesses of ``loc`` of CPU list ``t`` whose numbers
    (:func:`_incoherent`) go down in program order, earlier one first; False if none
    do; None as there."""
    rf = g.rf
    last = 0
    prev: Event | None = None
    for ev in t:
        if ev is None or ev.loc is not loc:
            continue
        eid: Any = ev.id  # (one tuple made for both lookups: compiled, each would make one)
        if ev.kind == "W":
            w = place.get(eid)
            if w is None:
                return None
            k = w
        elif ev.kind == "R":
            src = rf.get(eid)
            if src is None:
                continue
            if src[0] == INIT_TID:
                k = 1
            else:
                w = place.get(src)
                if w is None:
                    return None
                k = w + 1
        else:
            continue
        if k < last and prev is not None:
            return prev, ev
        last = k
        prev = ev
    return False


def coherence_witness(g: ExecutionGraph, loc: Loc, first: int = 0) -> list[EventId] | None:
    """Events of a cycle of ``po-loc | rf | co | fr`` at ``loc`` in ``g``, if one is
    found (None otherwise): two accesses of one CPU whose numbers
    (:func:`_incoherent`) go down, and the sources of those that are reads.  The
    cycle is in every graph that keeps these events, the reads' sources and the
    writes' relative coherence order (edges between them only), whatever else
    changes: its edges are the pair's program order and at most two of rf, co and
    fr among them.  None where a lone unlock was ever added (a read may read one).
    CPU ``first`` is looked at first (the explorer's: the one it just added to)."""
    if "UL" in g.fence_tags:
        return None
    place = _places(g, loc)
    threads = g.threads
    found = _down_pair(g, loc, place, threads[first])
    tid = 0
    while found is False and tid < len(threads):
        if tid != first:
            found = _down_pair(g, loc, place, threads[tid])
        tid += 1
    if not isinstance(found, tuple):
        return None
    out = [found[0].id, found[1].id]
    for ev in found:
        src = g.rf.get(ev.id) if ev.kind == "R" else None
        if src is not None:
            out.append(src)
    return out


def write_cycle(g: ExecutionGraph, w: Event, after: list[EventId]) -> list[EventId] | None:
    """A cycle of ``po-loc | rf | co | fr`` through the write ``w``, the last event of
    its CPU, placed coherence-before the writes ``after``: an access of its location
    before it on its CPU that is one of them, or reads from one, with ``w`` (and that
    read's source); None if there is none (a cycle may still run through other CPUs:
    :func:`coherence_witness`).  What :func:`coherence_witness` finds first on
    ``w``'s CPU where the rest of the graph is coherent, without numbering every
    write; the same kind of cycle (``p`` po-before ``w``, co-after it, or reading
    from a write co-after it), in every graph that keeps its events and order."""
    if not after or "UL" in g.fence_tags:
        return None
    later = set(after)
    rf = g.rf
    t = g.threads[w.tid]
    for i in range(w.idx):
        p = t[i]
        if p is None or p.loc is not w.loc:
            continue
        pid: Any = p.id  # (one tuple for both lookups, as in _down_pair)
        if p.kind == "W" and pid in later:
            return [pid, w.id]
        if p.kind == "R":
            src = rf.get(pid)
            if src is not None and src in later:
                return [pid, w.id, src]
    return None


def coherence_covers(g: ExecutionGraph) -> bool:
    """Whether each cycle of ``po | rf | co | fr`` through events a change added is one
    of ``po-loc | rf | co | fr`` too, so that :func:`coherence_broken` finds it: at
    most one location has writes in coherence order, and no lone unlock was added.

    rf, co and fr then join only that location's accesses (a read of the initial
    value of another location has no edge but po), and a cycle's program-order steps
    between them are po-loc, the events between left out (po is transitive).  A
    cycle through an added event of another location would stay without it, there
    before the change: none (the module's docstring)."""
    if "UL" in g.fence_tags:
        return False
    written = 0
    for ws in g.co.values():
        if ws:
            written += 1
    return written <= 1


SINKS = "sinks"  # (cycle_after: every event added is a sink)
CYCLE = "cycle"  # (cycle_after: a cycle of po | rf | co | fr, not of coherence)


def cycle_after(g: ExecutionGraph, added: Sequence[EventId], atomicity: bool = True
                ) -> str | None:
    """The first of these that a change to ``added`` makes true, without a view of the
    graph, in the LKMM's order (:meth:`LKMM.inconsistency_after`): RMW atomicity broken
    (``ATOMIC``, if ``atomicity``), every event added a sink (:data:`SINKS`: nothing
    new), a coherence cycle (``"coherence"``), a cycle of ``po | rf | co | fr``
    (:data:`CYCLE`); None if none is.  One call for the model's every step.

    Where :func:`coherence_covers` holds, a cycle of ``po | rf | co | fr`` through
    an added event is a coherence cycle, and one of these goes through an added
    access (the graph less the change was coherent, and each edge the change made
    touches an event it added or changed: the module's docstring, which a write
    moved earlier in coherence order would break by its readers' fr edges; the
    explorer moves none): :func:`po_cycle_after`, the cheaper search, then answers
    what :func:`coherence_broken` would.  It is asked first there, and answers None
    where every event added is a sink (no cycle runs through one) at about the cost
    of :func:`all_sinks`, which the graphs of a single written location (inc 3x2: a
    third of the steps) then skip.  The LKMM reads None and :data:`SINKS` alike but
    for its plain-access check, asked on None where grace periods and plain accesses
    are (:meth:`LKMM.inconsistency_after`), where the earlier order (all_sinks
    first) answered SINKS and skipped it: more work there; a before/after diff of
    the kernel's and tests/data's 1,175 litmus tests changed no output."""
    if atomicity and atomicity_broken(g, added):
        return ATOMIC
    if coherence_covers(g):
        return "coherence" if po_cycle_after(g, added) else None
    if all_sinks(g, added):
        return SINKS
    if coherence_broken(g, added):
        return "coherence"
    if po_cycle_after(g, added):
        return CYCLE
    return None


def all_sinks(g: ExecutionGraph, added: Sequence[EventId]) -> bool:
    """Whether every event of ``added`` still in ``g`` is a sink (:func:`is_sink`)."""
    return all(is_sink(g, e) for e in added if g.has(e))  # (mypyc: a loop, no generator)


def has_cycle(g: ExecutionGraph, succ: Successors) -> bool:
    """Whether ``succ`` has a cycle anywhere in ``g`` (one depth-first search; the
    initial writes have no predecessor, so the CPUs' events are the roots)."""
    state: dict[EventId, bool] = {}  # True while on the search path
    for t in g.threads:
        for ev in t:
            if ev is None or ev.kind in "BEN" or ev.id in state:
                continue
            state[ev.id] = True
            stack = [(ev.id, iter(succ(ev.id)))]
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = False
                    stack.pop()
                    continue
                on_path = state.get(nxt)
                if on_path:
                    return True
                if on_path is None:
                    state[nxt] = True
                    stack.append((nxt, iter(succ(nxt))))
    return False


def atomicity_broken(g: ExecutionGraph, added: Sequence[EventId] | None = None) -> bool:
    """Some RMW's write is not immediately coherence-after the write its read read:
    another write sits between them (``rmw & (fr ; co)`` is not empty).

    Given ``added``, only their locations are looked at: a change breaks atomicity
    only where it adds a write or gives an RMW's read a source (cutting events only
    narrows the gaps), and the explorer changes graphs whose other locations keep it."""
    co = g.co
    if added is None:
        return any(_gap_in(g, ws) for ws in co.values())
    if not g.rmws:  # (no RMW's write was ever added: nothing to break)
        return False
    threads = g.threads
    seen: set[object] = set()
    for tid, idx in added:
        t = threads[tid]
        ev = t[idx] if idx < len(t) else None
        if ev is None or ev.kind not in "RW" or ev.loc in seen:
            continue
        seen.add(ev.loc)
        ws = co.get(ev.loc)  # type: ignore[arg-type]
        if ws and _gap_in(g, ws):
            return True
    return False


def _gap_in(g: ExecutionGraph, ws: list[EventId]) -> bool:
    """Whether some RMW write of coherence order ``ws`` does not follow its read's source."""
    for i, w in enumerate(ws):
        if not g.event(w).rmw:
            continue
        src = g.rf.get((w[0], w[1] - 1))
        if src is None:
            continue
        at = -1 if src[0] == INIT_TID else ws.index(src)
        if i >= at + 2:
            return True
    return False


def new_violation(g: ExecutionGraph, added: Sequence[EventId], atomicity: bool,
                  checks: Sequence[tuple[str, Successors, Closes]]) -> str | None:
    """The first axiom the change to ``added`` breaks: RMW atomicity (if asked), then
    each ``(name, successors, closes)`` acyclicity check in order, by a cycle through
    ``added``; None if none does.  Grace periods are the caller's (whole-view) case."""
    if atomicity and atomicity_broken(g, added):
        return ATOMIC
    for name, succ, closes in checks:
        if any_on_cycle(g, added, succ, closes):
            return name
    return None


def needs_grace_periods(g: ExecutionGraph) -> bool:
    """Whether RCU's grace-period rule may apply: both a read-side critical section
    and a grace period have been added (a superset after cuts)."""
    return "rcu-lock" in g.fence_tags and "sync-rcu" in g.fence_tags


RCU_TAGS = frozenset({"rcu-lock", "rcu-unlock", "sync-rcu", "sync-srcu", "srcu-lock",
                      "srcu-unlock"})
GRACE_PERIODS = frozenset({"sync-rcu", "sync-srcu"})  # the fences of a grace period


def is_sink(g: ExecutionGraph, e: EventId) -> bool:
    """Whether no edge of po, rf, co or fr (nor RCU's critical-section pairs) leaves ``e``:
    nothing follows it in program order, and it is a coherence-latest write nobody
    reads, or a read of the coherence-latest write.  Every relation an axiomatic model
    builds from these by union, sequence, closure and intersection then has no edge
    out of ``e`` either, so adding such an event closes no cycle and fills no
    forbidden relation.  Markers are sinks; RCU's events are not (their critical
    sections pair an unlock back to its lock)."""
    ev = g.event(e)
    if ev.kind in "BEN":
        return True
    if ev.tags & RCU_TAGS or po_next(g.threads[e[0]], e[1]) is not None:
        return False
    if ev.kind == "R":
        return g.rf.get(e) == g.co_max(ev.loc)  # type: ignore[arg-type]
    if ev.kind == "W":
        return g.co_max(ev.loc) == e and e not in g.rf.values()  # type: ignore[arg-type]
    return True


_SRCU_TAGS = frozenset({"sync-srcu", "srcu-lock", "srcu-unlock"})


def grace_period_on_cycle(g: ExecutionGraph) -> bool | None:
    """Whether a cycle of ``po | rf | co | fr | rscs^-1`` goes through a grace period
    (synchronize_rcu()), found on the graph itself; None where an SRCU event is in
    ``g`` (the caller's exact check then decides).

    ``rscs`` pairs each rcu_read_lock() with its CPU's rcu_read_unlock(), nested
    ones innermost first, an unlock with no lock open matching none (the LKMM's
    ``rcu-rscs``).  Each edge is walked up to transitivity (:func:`successors`),
    plus each unlock's edge back to its lock."""
    found = _grace_periods(g)
    if found is None:
        return None
    gps, back = found

    def po_or_back(t: list[Event | None], idx: int, ev: Event) -> list[EventId]:
        out = immediate_po(t, idx, ev)
        lock = back.get(ev.id)
        if lock is not None:
            out.append(lock)
        return out

    return any_in_strong_component(gps, successors(g, po_or_back))


def any_in_strong_component(roots: list[EventId], succ: Successors) -> bool:
    """Whether some event of ``roots`` lies on a cycle of ``succ``: in a strongly
    connected component of more than one event (``succ`` has no loop).  One search
    (Tarjan's) from the roots, each event entered once whatever the number of roots;
    a root's component lies among the events it reaches."""
    number: dict[EventId, int] = {}
    low: dict[EventId, int] = {}
    path: list[EventId] = []  # Tarjan's stack: entered, component not yet closed
    open_: set[EventId] = set()
    wanted = set(roots)
    for root in roots:
        if root in number:
            continue
        number[root] = low[root] = len(number)
        path.append(root)
        open_.add(root)
        work = [(root, iter(succ(root)))]
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in number:
                    number[nxt] = low[nxt] = len(number)
                    path.append(nxt)
                    open_.add(nxt)
                    work.append((nxt, iter(succ(nxt))))
                elif nxt in open_ and number[nxt] < low[node]:
                    low[node] = number[nxt]
                continue
            work.pop()
            if work and low[node] < low[work[-1][0]]:
                low[work[-1][0]] = low[node]
            if low[node] == number[node] and _close(path, open_, node, wanted):
                return True
    return False


def _close(path: list[EventId], open_: set[EventId], head: EventId,
           wanted: set[EventId]) -> bool:
    """Pop the component of ``head`` off ``path``; whether it has several events,
    one of them in ``wanted``."""
    size, hit = 0, False
    while True:
        e = path.pop()
        open_.discard(e)
        size += 1
        hit = hit or e in wanted
        if e == head:
            return hit and size > 1


def _grace_periods(g: ExecutionGraph) -> tuple[list[EventId], dict[EventId, EventId]] | None:
    """The grace periods of ``g``, and each matched rcu_read_unlock() with its
    rcu_read_lock(); None if an SRCU event is there."""
    back: dict[EventId, EventId] = {}
    gps: list[EventId] = []
    for t in g.threads:
        opened: list[EventId] = []
        for ev in t:
            if ev is None or not ev.tags:
                continue
            tags = ev.tags
            if not _SRCU_TAGS.isdisjoint(tags):
                return None
            if ev.kind != "F":
                continue
            if "rcu-lock" in tags:
                opened.append(ev.id)
            elif "rcu-unlock" in tags:
                if opened:
                    back[ev.id] = opened.pop()
            elif "sync-rcu" in tags:
                gps.append(ev.id)
    return gps, back


def rcu_alone(g: ExecutionGraph, marked: frozenset[str], others: frozenset[str]) -> bool:
    """Whether every access of ``g`` carries a tag of ``marked``, no event one of
    ``others``, and each CPU's rcu_read_lock()s and rcu_read_unlock()s match (nested
    ones innermost first, none left open), in one pass over the events."""
    for t in g.threads:
        depth = 0
        for ev in t:
            if ev is None:
                continue
            tags = ev.tags
            kind = ev.kind
            if kind in "RW" and tags.isdisjoint(marked) or not others.isdisjoint(tags):
                return False
            if kind != "F":
                continue
            if "rcu-lock" in tags:
                depth += 1
            elif "rcu-unlock" in tags:
                if not depth:
                    return False  # (an unlock with no lock open)
                depth -= 1
        if depth:
            return False  # (a lock left open)
    return True
