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
run speculates on every value any execution writes (herd's fixpoint).

A value some CPU writes only on a path that no execution takes without the
cycle itself (``if (*z == 1) WRITE_ONCE(*y, 1)`` where only the cycle makes
``*z`` 1) is never seen written, and the write's site never joins the site
graph.  herd7 finds it: it solves the values of each path symbolically, from
the program's constants.  So a model may name its *latent* statements
(:attr:`~smpcheck.model.model.Model.latent`: a litmus test's statements with
constants and memory accesses); those no execution ran make their constants
values their CPU may write to any location, and every read of the other CPUs
may speculate on them.  A read-modify-write that fails in every execution
(``cmpxchg(x, r1 - 1, 1)`` where only the cycle makes ``r1`` 1) ran, but
wrote none of its constants: those become values its CPU may write to its own
location only, and only reads of that location speculate on them (as values
of any location they made every read of the other CPUs speculate, and
generated SRCU tests ran out of their budget).  Python models name none:
their code is not read.  Two
paths can lead to one execution once reads speculate, so those runs count each
execution once by its reads-from and coherence (:func:`execution_key`).
"""

from __future__ import annotations

import marshal
from _blake2 import blake2b  # (hashlib's own: importing hashlib loads OpenSSL, ms)
from collections.abc import Hashable, Sequence
from typing import Any

from smpcheck.graph.events import Event, Source
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.objects import Loc
from smpcheck.model.source import Latent

Site = tuple[int, str, int, str]  # (CPU, file, line, operation) of an access
# How a dependency (an edge of the site graph) lets a cycle through it be consistent:
ORDERED = 0  # never: the model orders the two (MemoryModel.speculates is false)
BOUNDED = 1  # only with a second edge not ORDERED on the cycle (MemoryModel.bounded)
FREE = 2  # alone
# (The operation's name tells apart the accesses one call of the kernel API makes from
# one line: wait_event() reads and writes a lock, a list and a task state there.  A
# finer site keeps every cycle of an execution a cycle of the site graph, with fewer
# false ones, each of which would make reads speculate for nothing.)


class Domain:
    """What the exploration saw: per location, each value written with the CPUs that
    wrote it; and the program's *site graph*: an edge from a read's site to the site
    of each write of its CPU that depends on it (weighed by how a cycle through it may
    be consistent: :data:`ORDERED`, :data:`BOUNDED`, :data:`FREE`), and from each
    write's site to the reads of its location on other CPUs.  A read may need to
    speculate only where this graph has a cycle through it that the model may allow
    (:meth:`close`): a cycle of the execution would run there."""

    def __init__(self, latent: Sequence[Latent] = ()) -> None:
        self.latent = latent  # statements with constants (Model.latent)
        self.ran: set[tuple[int, str, int, str]] = set()  # (CPU, file, line, text): _ran
        self.unseen: dict[int, set[Any]] = {}  # per CPU, constants of latent lines not run
        # latent RMW statements seen failing, with their locations, and those seen writing
        self.failed: dict[tuple[int, str, int, str], set[Loc]] = {}
        self.succeeded: set[tuple[int, str, int, str]] = set()
        self.unseen_at: dict[Loc, dict[int, set[Any]]] = {}  # per location, per CPU: failed
        # RMWs' constants, and what calls that never ran write unseen (Latent's last)
        self.reads_of: dict[Loc, set[Site]] = {}  # each location's read sites (executions)
        self.values: dict[Loc, dict[Any, set[int]]] = {}
        self.value_sites: dict[Loc, dict[Any, set[Site]]] = {}  # the writes' sites
        self.component: dict[Site, int] = {}  # a site's strongly connected component
        self.edges: dict[Site, dict[Site, int]] = {}  # read site -> write site -> weight
        self.wrote_at: dict[Site, set[Loc]] = {}
        self.read_at: dict[Loc, set[Site]] = {}
        self.sites: set[Site] = set()  # the read sites that may speculate
        self.rmw_reads: set[Site] = set()  # the read sites of RMW operations
        self.success_edges: dict[Site, dict[Site, int]] = {}  # edges of RMWs that wrote
        self.rmw_sites: set[Site] = set()  # those that may speculate a success (close)
        self.if_failed: dict[Site, dict[Site, int]] = {}  # edges of RMWs that wrote, as
        # weighed had they failed; and the RMW read sites seen failing (close)
        self.failing: set[Site] = set()
        self.size = 0  # facts recorded: growth shows as a change
        self.version = 0  # changes whenever what candidates() or writers() answer may
        # the events (these very objects) executed() and the explorer's dependencies
        # have met: what an event tells the domain is its own, and graphs share events
        self.met: set[Event] = set()
        self.met_deps: set[Event] = set()

    def executed(self, g: ExecutionGraph) -> None:
        """Record the writes of a complete execution (the values of writes in graphs
        that never complete are not values the program writes)."""
        met, latent = self.met, bool(self.latent)
        for t in g.threads:
            for i, ev in enumerate(t):
                if ev is None or not (latent or ev.kind in "WN") or not first_meeting(met, ev):
                    continue
                if ev.kind == "W":
                    self.wrote(ev)
                elif ev.kind == "N":  # (a failed RMW's place holder, after its read)
                    read = t[i - 1]
                    assert read is not None
                    self.failing.add(site_of(read))
                if latent:
                    self._note(ev, t[i - 1] if ev.kind == "N" else None)

    def _note(self, ev: Event, failed: Event | None) -> None:
        """Note what an event of a complete execution shows of its statement (a latent
        program's): that it ran (:func:`_ran`), read, wrote, or, with ``failed`` the
        read before a failed RMW's place holder ``ev``, failed to write ``failed.loc``."""
        if ev.kind == "R":
            assert ev.loc is not None
            self.reads_of.setdefault(ev.loc, set()).add(site_of(ev))
        if _ran(ev):
            self.ran.add(_statement(ev))
        if ev.kind == "W":
            self.succeeded.add(_statement(ev))
        elif failed is not None and failed.loc is not None:
            self.failed.setdefault(_statement(failed), set()).add(failed.loc)

    def forget_meetings(self) -> None:
        """Empty the memos of events met (the exploration ended: they only kept its
        events alive, for the garbage collector to walk)."""
        self.met.clear()
        self.met_deps.clear()

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
            self.version += 1
        sites = self.value_sites.setdefault(ev.loc, {}).setdefault(key, set())
        if site_of(ev) not in sites:
            sites.add(site_of(ev))
            self.version += 1

    def depends(self, read: Event, write: Event, weight: int, if_failed: int | None = None
                ) -> None:
        """Record that ``write`` depends on the earlier ``read`` of its CPU (``weight``:
        how a cycle through the two may be consistent; ``if_failed``: how, were
        ``read``, an RMW that wrote, to fail)."""
        assert read.loc is not None and write.loc is not None
        r, w = site_of(read), site_of(write)
        self.edge(r, w, weight)
        locs = self.wrote_at.setdefault(w, set())
        if write.loc not in locs:
            locs.add(write.loc)
            self.size += 1
        readers = self.read_at.setdefault(read.loc, set())
        if r not in readers:
            readers.add(r)
            self.size += 1
        op = read.extra.get("op")
        if op is not None and op.kind == "RMW":
            if r not in self.rmw_reads:
                self.rmw_reads.add(r)
                self.size += 1
            if read.rmw:
                self.edge(r, w, weight, self.success_edges)
            if if_failed is not None and if_failed > weight:
                self.edge(r, w, if_failed, self.if_failed)

    def edge(self, r: Site, w: Site, weight: int,
             edges: dict[Site, dict[Site, int]] | None = None) -> None:
        """Add (or weigh up) the edge from read site ``r`` to write site ``w`` (of
        ``edges``, the site graph's by default); two dependencies between one pair of
        sites weigh as the heavier."""
        out = (self.edges if edges is None else edges).setdefault(r, {})
        if w not in out or weight > out[w]:
            out[w] = weight
            self.size += 1

    def close(self) -> bool:
        """Compute the read sites that may speculate: those on a cycle of the site graph
        that the model may allow (:func:`_cyclic`); and, of those, the RMW sites that
        may speculate a value that makes them succeed.  A cycle of an execution needs
        one of its reads to speculate, any one (the others are revisited, or resolved
        by the writes a revisit adds again): a plain read, or an RMW that fails, reads
        a value and writes nothing, and speculates without placing a write in
        coherence.  Only a cycle whose reads are all successful RMWs needs an RMW's
        write placed before its source is known
        (tests/data/herd7/cases/successful-rmw-on-cycle.litmus), and there the one at
        the tail of the edge that lets the cycle be (not ORDERED) suffices: so only RMW
        sites with such an edge on a cycle of RMW sites alone do, each edge as seen
        from an RMW that wrote (a failed trylock does not acquire: its edges are
        FREE where a successful one's are ORDERED); an RMW site never seen writing
        has its edges as a read there, for only the cycle may make it succeed (cases
        rmw-succeeds-only-on-cycle, rmw-succeeds-only-on-its-own-cycle).  (Every RMW site of
        such cycles made a generated atomics test explore 23 times the graphs, and
        lock tests run out of their budget.)  An RMW site no complete execution saw
        fail gets the edges it would have failing (:attr:`if_failed`), for good: a
        cycle may need it to fail where only the cycle makes it (case
        successful-rmw-fails-on-cycle); one seen failing has its own (weighing every
        RMW site so ran generated lock tests out of their budget).  An RMW read
        offered a latent constant of another CPU may speculate a success too: the
        statement that never ran has no edge (case latent-constant-on-successful-rmw).
        Whether any read may speculate."""
        for r, ws in self.if_failed.items():
            if r not in self.failing:
                for w, weight in ws.items():
                    self.edge(r, w, weight)
        succ = self._successors(self.edges)
        self.component, self.sites = _cyclic(succ, self.edges)
        rmw_edges = self.success_edges
        linked = rmw_edges | {r: self.edges[r] for r in self.rmw_reads
                              if r not in rmw_edges and r in self.edges}
        rmw_succ = {v: {x for x in out if x in self.rmw_reads or x not in self.edges}
                    for v, out in self._successors(linked).items()}
        comp, cyclic = _cyclic(rmw_succ, linked)
        self.rmw_sites = {r for r in cyclic if any(
            weight != ORDERED and comp.get(w) == comp[r] for w, weight in linked[r].items())}
        self._unseen()
        for loc, reads in self.reads_of.items():
            offered = {r for r in reads
                       if any(t != r[0] for by_cpu in self._latent(loc) for t in by_cpu)}
            self.sites |= offered
            self.rmw_sites |= offered & self.rmw_reads
        return bool(self.sites)

    def _successors(self, edges: dict[Site, dict[Site, int]]) -> dict[Site, set[Site]]:
        """The site graph of the read sites of ``edges``: each read site's edges to the
        write sites that depend on it, each write site's to the read sites of its
        location on other CPUs."""
        succ: dict[Site, set[Site]] = {}
        for r, ws in edges.items():
            succ.setdefault(r, set()).update(ws)
        for w, locs in self.wrote_at.items():
            for loc in locs:
                succ.setdefault(w, set()).update(x for x in self.read_at.get(loc, ())
                                                 if x[0] != w[0])
        return succ

    def _unseen(self) -> None:
        """Add the constants of the latent statements no execution ran (they stay)."""
        for tid, path, line, text, values, at in self.latent:
            key = (tid, path, line, text)
            if key not in self.ran:
                self._add_unseen(self.unseen.setdefault(tid, set()), values)
            elif key in self.failed and key not in self.succeeded:
                at = (*at, *((loc, values) for loc in self.failed[key]))
            else:
                continue
            for loc, some in at:
                self._add_unseen(self.unseen_at.setdefault(loc, {}).setdefault(tid, set()), some)

    def _add_unseen(self, known: set[Any], values: frozenset[Any]) -> None:
        if not values <= known:
            known |= values
            self.size += 1
            self.version += 1

    def speculates(self, tid: int, src: Source, text: str) -> bool:
        """Whether a read ``text`` at ``src`` on CPU ``tid`` may speculate."""
        return (tid, src.path, src.line, text) in self.sites

    def speculates_success(self, tid: int, src: Source, text: str) -> bool:
        """Whether the RMW ``text`` at ``src`` on CPU ``tid`` may speculate a value with
        which it succeeds (:meth:`close`)."""
        return (tid, src.path, src.line, text) in self.rmw_sites

    def candidates(self, loc: Loc, tid: int, src: Source, text: str) -> list[Any]:
        """The values a read of ``loc`` at ``src`` on CPU ``tid`` may speculate: written by
        another CPU (its own later writes cannot feed it: coherence) at a site on a
        cycle with the read's (only such a write can close the cycle the speculation
        is for), in a stable order."""
        mine = self.component.get((tid, src.path, src.line, text))
        by_site = self.value_sites.get(loc, {})
        seen = {v for v, sites in by_site.items()
                if any(s[0] != tid and self.component.get(s) == mine for s in sites)}
        for by_cpu in self._latent(loc):
            for t, values in by_cpu.items():
                if t != tid:
                    seen |= values
        return sorted(seen, key=repr)

    def writers(self, loc: Loc, value: Any) -> set[int]:
        """The CPUs seen writing ``value`` to ``loc``; for a latent constant, its CPU
        and every CPU seen writing ``loc``: the constant may reach ``loc`` through
        another CPU's write of a value it read (``atomic_set(x, r0)`` where only the
        cycle has ``r0`` read the constant; case latent-value-through-a-store)."""
        key = _hashable(value)
        if key is None:
            return set()
        latent = {t for by_cpu in self._latent(loc) for t, values in by_cpu.items()
                  if key in values}
        seen = self.values.get(loc, {})
        if any(key in values for values in self.unseen.values()):
            latent |= set().union(*seen.values())
        return seen.get(key, set()) | latent

    def written_by(self, loc: Loc) -> set[int]:
        """The CPUs seen writing ``loc``, and those with latent constants (which may
        write any location)."""
        out = set().union(*self.values.get(loc, {}).values())
        return out | {t for by_cpu in self._latent(loc) for t, values in by_cpu.items()
                      if values}

    def _latent(self, loc: Loc) -> tuple[dict[int, set[Any]], dict[int, set[Any]]]:
        """Per CPU, the latent constants it may write to ``loc``: those of statements no
        execution ran (any location's), and of RMWs of ``loc`` that never wrote or
        calls on ``loc`` that never ran (a spin_lock()'s 1)."""
        return self.unseen, self.unseen_at.get(loc, {})

    def snapshot(self) -> int:
        return self.size


def _ran(ev: Event) -> bool:
    """Whether ``ev`` shows its statement ran: an access.  A fence, or the end of a CPU
    (which carries its last statement's source), shows nothing.  (A failed RMW's read
    counts: its constants are its location's only, Domain.failed.)"""
    return ev.kind in "RW"


def _statement(ev: Event) -> tuple[int, str, int, str]:
    """The statement an event is of, as Model.latent names it."""
    return (ev.tid, ev.src.path, ev.src.line, ev.src.text)


MET_MAX = 1 << 16  # events a meeting memo holds before it starts again


def first_meeting(met: set[Event], ev: Event) -> bool:
    """Whether ``met`` lacks ``ev`` (events hash and compare by identity), which it then
    holds; a memo, emptied when full: meeting an event again does no harm."""
    if ev in met:
        return False
    if len(met) >= MET_MAX:
        met.clear()
    met.add(ev)
    return True


def site_of(ev: Event) -> Site:
    """The site of an access: its CPU, file, line and operation."""
    return (ev.tid, ev.src.path, ev.src.line, ev.op)


def _cyclic(succ: dict[Site, set[Site]], edges: dict[Site, dict[Site, int]]
            ) -> tuple[dict[Site, int], set[Site]]:
    """The strongly connected components of ``succ``, and the read sites of ``edges``
    in those with a :data:`FREE` edge or :data:`BOUNDED` ones into two write sites.  A
    cycle of the execution is a closed walk in the site graph through each of its
    edges, and one with a single BOUNDED edge and no FREE one is inconsistent; two
    BOUNDED edges of one cycle into one write site would need two writes at that site,
    which makes the explorer weigh the later FREE (:meth:`Explorer._weight`)."""
    comp = _components(succ)
    bounded: dict[int, set[Site]] = {}  # component -> write sites of its BOUNDED edges
    cyclic = set()
    for r, ws in edges.items():
        for w, weight in ws.items():
            if weight == ORDERED or comp.get(r) != comp.get(w):
                continue
            heads = bounded.setdefault(comp[r], set())
            if weight == BOUNDED:
                heads.add(w)
            if weight == FREE or len(heads) > 1:
                cyclic.add(comp[r])
    return comp, {r for r in edges if comp.get(r) in cyclic}


def _components(succ: dict[Site, set[Site]]) -> dict[Site, int]:
    """Strongly connected components (Tarjan, iterative): site -> component number;
    a site alone on no cycle gets a component of its own."""
    index: dict[Site, int] = {}
    low: dict[Site, int] = {}
    comp: dict[Site, int] = {}
    stack: list[Site] = []
    on: set[Site] = set()
    counter = 0
    for root in list(succ):
        if root in index:
            continue
        work = [(root, iter(succ.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(succ.get(w, ()))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp[x] = index[v]
                        if x == v:
                            break
    return comp


def _hashable(value: Any) -> Hashable | None:
    try:
        hash(value)
    except TypeError:
        return None
    hashable: Hashable = value
    return hashable


def graph_key(g: ExecutionGraph, version: int) -> bytes:
    """A graph's identity as far as the exploration from it goes, under a domain at
    ``version``: everything the explorer reads of a graph to extend it (each CPU's
    events, reads-from, coherence, the values reads speculate, the order of additions,
    what is frozen, which speculations were resolved and by what, the findings noted,
    the fences and frees seen, whether it was known acyclic).  The CPUs are
    deterministic, so two graphs with one key have the same subtree: the explorer
    explores one of them (:meth:`Explorer._duplicate`).  A value speculated is named by
    its type and repr; two distinct values printed alike would make two keys that
    should be one (a duplicate explored), never one for two."""
    events = [tuple(None if ev is None else (ev.kind, ev.rmw) for ev in t) for t in g.threads]
    spec = sorted((r, type(v).__name__, repr(v)) for r, v in g.spec.items())
    order = sorted(g.stamp, key=g.stamp.__getitem__)
    notes = [(repr(f), None if after is None else after.id) for f, after in g.notes]
    state = (events, sorted(g.rf.items()), sorted(ws for ws in g.co.values() if ws), spec,
             order, sorted(g.frozen), sorted(g.spec_resolved.items()), notes,
             sorted(g.fence_tags), g.frees,
             [ev.value for t in g.threads for ev in t if ev is not None and ev.kind == "C"],
             version)
    return blake2b(repr(state).encode(), digest_size=16).digest()


RAW_MAX = 40  # longest key kept as its bytes (a digest object is 49 bytes, this 73)
DIGEST = 16  # bytes of a digest; no key kept as its bytes has as many


def execution_key(g: ExecutionGraph, choices: bool = True) -> bytes:
    """A complete execution's identity: its reads-from and coherence orders (with the
    CPUs deterministic, these fix every event).  The same in every process (-j): a
    read's location names its initial write, and each location's writes are its own,
    so neither initial writes' numbers nor locations enter it; interrupt deliveries
    (choice events) do.  ``choices`` false: no CPU takes interrupts, so the graph
    holds no choice to look for.

    Exact where it can be cheaply: one byte per number (:func:`_orders`), kept as it
    is up to :data:`RAW_MAX` bytes (never :data:`DIGEST`), digested to 16 bytes when
    longer, so that an exploration of millions of executions keeps them all; a
    graph with a choice, or a number a byte cannot hold, gets :func:`digest_key`.
    Two keys are equal exactly when :func:`digest_key`'s are (but for a collision of
    the 128-bit digests, as before: a raw key and a digest differ in length, and the
    two digests' inputs in their first byte)."""
    raw = _orders(g) if not choices or not _has_choice(g) else None
    if raw is None:
        return digest_key(g, choices)
    if len(raw) <= RAW_MAX and len(raw) != DIGEST:
        return raw
    return blake2b(b"\0" + raw, digest_size=DIGEST).digest()


def _has_choice(g: ExecutionGraph) -> bool:
    return any(ev is not None and ev.kind == "C" for t in g.threads for ev in t)


def _orders(g: ExecutionGraph) -> bytes | None:
    """Reads-from and coherence, one number a byte: the number of reads with a source,
    each as its CPU, its position and its source (255 for an initial write, else its
    CPU and position), in the order of their ids; then each location's coherence
    order, as its length and each write's CPU and position, the orders sorted.  Each
    part's length is known from its first byte: the bytes read back one way.  None
    where a number does not fit (more than 254 CPUs, 255 reads, or positions)."""
    if len(g.threads) >= 255:
        return None
    rf = g.rf
    out = [0]
    reads = 0
    for tid, t in enumerate(g.threads):  # (ids in order: nothing to sort)
        for i, ev in enumerate(t):
            if ev is None or ev.kind != "R":
                continue
            w = rf.get(ev.id)
            if w is None:
                continue
            reads += 1
            out.append(tid)
            out.append(i)
            if w[0] < 0:
                out.append(255)
            else:
                out.append(w[0])
                out.append(w[1])
    for ws in sorted([ws for ws in g.co.values() if ws]):
        out.append(len(ws))
        for x in ws:
            out.append(x[0])
            out.append(x[1])
    out[0] = reads
    try:
        return bytes(out)
    except ValueError:
        return None


def digest_key(g: ExecutionGraph, choices: bool = True) -> bytes:
    """:func:`execution_key` as a digest, for every graph: flat lists of integers,
    digested in marshal's version 2, which writes each out in full (no references to
    objects met before, unlike later versions): reads-from as four numbers per read
    (its CPU and position, its source's), in program order CPU by CPU (the reads are
    rf's keys), so that nothing is sorted but the locations' coherence orders, each as
    its length and two numbers per write."""
    rf = g.rf
    reads: list[int] = []
    made: list[Any] = []
    for t in g.threads:
        for ev in t:
            if ev is None:
                continue
            kind = ev.kind
            if kind == "R":
                r = ev.id
                w = rf.get(r)
                if w is not None:
                    reads.append(r[0])
                    reads.append(r[1])
                    reads.append(w[0] if w[0] >= 0 else -1)
                    reads.append(w[1] if w[0] >= 0 else -1)
            elif choices and kind == "C":
                made.append(ev.value)
    co: list[int] = []
    for ws in sorted([ws for ws in g.co.values() if ws]):
        co.append(len(ws))
        for w in ws:
            co.append(w[0])
            co.append(w[1])
    return blake2b(marshal.dumps((reads, co, made), 2), digest_size=16).digest()
