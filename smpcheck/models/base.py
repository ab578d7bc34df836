"""The interface every memory model implements, and the checks they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.linearize import linearize
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View
from smpcheck.model.values import EventId
from smpcheck.records import record

ATOMIC = "atomic"  # the axiom every model checks first: RMWs are atomic


@record
class Step:
    """One row of a counterexample: a CPU executes ``event``, or (``visible``) a store
    it buffered earlier reaches memory."""

    event: Event
    visible: bool = False
    note: str = ""


class MemoryModel:
    """A consistency predicate over execution graphs, plus the orders the checks need.

    ``track_dependencies``: when False the model forbids (po | rf) cycles, and a
    revisiting write keeps its whole (po | rf) prefix; when True (LKMM) a write may
    revisit a read of its prefix it does not depend on (see the explorer).
    """

    name = "?"
    track_dependencies = False
    #: The axioms :meth:`deferred_inconsistency` names that judge a prefix too: each
    #: fails a prefix only where no execution holding its events, with its reads-from
    #: and coherence, passes it (adding events only adds edges).  The explorer
    #: reports a CPU's error only from a prefix that passes them.
    deferred_on_prefixes: frozenset[str] = frozenset()
    #: The locations a litmus test's final condition reads (herd's final writes, for
    #: the flags about them); set by whoever runs the test.
    observed: frozenset[Any] = frozenset()

    def keeps_order(self, earlier: Event, later: Event, between: Sequence[Event]) -> bool:
        """Whether ``earlier`` (of ``later``'s CPU, with ``between`` in program order
        between them) is always ordered before ``later``, so that a revisit keeping
        ``later`` must keep ``earlier`` too.  Used only when ``track_dependencies``.
        Two accesses of one location are kept without asking (coherence orders them
        in every model: :meth:`ExecutionGraph.dep_prefix`); the answer for them must
        be True."""
        return True

    def keeps_order_failed(self, earlier: Event, later: Event, between: Sequence[Event]
                           ) -> bool:
        """:meth:`keeps_order` where a failed RMW's own tags order nothing (what a
        revisit that makes an RMW fail keeps: ``Explorer._kept_if_failed``)."""
        return self.keeps_order(earlier, later, between)

    def speculates(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """Whether a consistent execution may have a cycle of dependencies and
        reads-from through ``write``'s dependency on ``read`` (an earlier read of its
        CPU), so that the explorer must let ``read`` take a value from a write not yet
        added (:mod:`smpcheck.explore.speculation`).  Asked only of models that track
        dependencies: the others forbid every (po | rf) cycle."""
        return True

    def bounded(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """Whether a cycle through ``write``'s dependency on ``read`` (one that
        :meth:`speculates` admits) is inconsistent when its other dependencies are all
        ones :meth:`speculates` refuses: then only a cycle with a second such edge, or
        one :meth:`speculates` admits and this does not, may be consistent.  Asked only
        where :meth:`speculates` is true; no unless the model knows better."""
        return False

    def late_sources_may_fail(self, g: ExecutionGraph) -> bool:
        """Whether in ``g`` a read may be inconsistent at its latest source where an
        older one is not, given what a revisit keeps: then a revisit that would cut it
        looks for its latest consistent source (``Explorer._latest_consistent``).
        Asked only of models that track dependencies; yes unless the model knows
        better (the check costs a copy of the graph per read)."""
        return True

    def inconsistency(self, view: View, atomicity: bool = True) -> str | None:
        """The name of an axiom the execution violates, or None if it is consistent.
        RMW atomicity comes first: ``ATOMIC`` whenever it is violated.

        ``atomicity=False`` leaves out RMW atomicity: the explorer lets an RMW whose
        forward placement breaks it still revisit the RMW it overlaps."""
        if atomicity and atomicity_violated(view):
            return ATOMIC
        return self.axioms(view)

    def prefix_inconsistency(self, view: View, atomicity: bool = True) -> str | None:
        """What :meth:`inconsistency_after` answers for a graph: :meth:`inconsistency`
        less the axioms the model judges on complete executions only."""
        return self.inconsistency(view, atomicity)

    def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                            atomicity: bool = True) -> str | None:
        """``prefix_inconsistency(View(g), atomicity)``, for a ``g`` whose axioms (all
        but RMW atomicity) held before the explorer added or changed the events ``added``
        (and cut others).  The explorer checks every change through this call; the
        default checks the whole graph, a model may check only what ``added`` can
        break (see :mod:`smpcheck.models.cycles`)."""
        return self.inconsistency(View(g), atomicity)

    def axioms(self, view: View) -> str | None:
        """The model's own axioms (all but RMW atomicity): the first violated, or None."""
        raise NotImplementedError

    def deferred_inconsistency(self, g: ExecutionGraph) -> str | None:
        """An axiom the model checks on complete executions only, or None.

        A model whose ``inconsistency_after`` leaves axioms out (because they are
        costly and rarely cut a prefix short) names a violated one here; the
        explorer drops such an execution before counting or judging it.  Built-in
        models check everything as they go."""
        return None

    def deferred_inconsistencies(self, graphs: Sequence[ExecutionGraph]) -> list[str | None]:
        """:meth:`deferred_inconsistency` of each of a batch of complete graphs (a model
        that can judge many executions at once does it here)."""
        return [self.deferred_inconsistency(g) for g in graphs]

    def batch_judged(self) -> None:
        """The explorer has judged every graph of the last :meth:`deferred_inconsistencies`
        batch: what the model kept for them (their verdicts) may go."""

    def happens_before(self, view: View) -> Rel:
        """Order that makes one access certainly precede another (the report's timeline;
        use-after-free needs none: kfree's POISON stores are ordinary stores)."""
        raise NotImplementedError

    def timeline(self, view: View, prefer: Sequence[tuple[int, int]] = ()) -> list[Step]:
        """The execution's events in an order consistent with it, for the report.

        The default orders by ``happens_before`` and program order; ``prefer`` lists
        pairs of view indices to put in that order where the execution allows."""
        return order_steps(view, self.happens_before(view) | view.po, prefer)

    def missing_order(self, view: View, pairs: Sequence[tuple[int, int]]
                      ) -> dict[tuple[int, int], str]:
        """For program-order pairs (a, b) of accesses, view indices: what would order a
        before b where the model leaves them unordered (the report's notes).  SC and TSO
        explain their orders with the store buffer instead: none here."""
        return {}

    def flags(self, view: View) -> list[str]:
        """Names of the model's flags (herd's ``flag``) a complete execution raises.

        The built-in models report races as findings instead and raise none."""
        return []

    def races(self, view: View) -> list[tuple[int, int]]:
        """Pairs of conflicting accesses, at least one plain, that race.

        A data race is the LKMM's notion (its plain-access rules), and only the LKMM
        reports them: under SC and x86-TSO a plain access is one machine access, as
        herd7's sc.cat and x86tso.cat treat it, so these models report none."""
        return []


def atomicity_violated(view: View) -> bool:
    """An RMW's write is not immediately coherence-after the write its read read."""
    return not (view.rmw & view.fr.seq(view.co)).is_empty()


def coherence_order(view: View) -> Rel:
    return view.po_loc | view.rf | view.co | view.fr


def unordered_conflicts(view: View, hb: Rel) -> list[tuple[int, int]]:
    """Conflicting accesses from different CPUs, one plain, unordered by ``hb``."""
    out = []
    plain = view.M & ~view.marked
    ext_loc = view.loc & view.ext
    for i, j in ext_loc.pairs():
        if i >= j or not (view.W >> i & 1 or view.W >> j & 1):
            continue
        if not (plain >> i & 1 or plain >> j & 1):
            continue
        if view.IW >> i & 1 or view.IW >> j & 1:
            continue
        if not hb.has(i, j) and not hb.has(j, i):
            out.append((i, j))
    return out


def order_steps(view: View, order: Rel, prefer: Sequence[tuple[int, int]] = ()) -> list[Step]:
    """The CPU events of ``view`` (markers too) linearized along ``order``."""
    g = view.g
    events = [ev for ev in g.events()]
    idx = {ev.id: i for i, ev in enumerate(events)}
    edges: list[tuple[EventId, EventId]] = []
    for t in g.threads:
        evs = [e for e in t if e is not None]
        edges.extend((evs[i].id, evs[i + 1].id) for i in range(len(evs) - 1))
    for a, b in order.pairs():
        ea, eb = view.events[a], view.events[b]
        if not ea.is_init and not eb.is_init:
            edges.append((ea.id, eb.id))
    key = {ev.id: (ev.tid, ev.idx) for ev in events}
    pref = [(view.events[a].id, view.events[b].id) for a, b in prefer]
    ordered = linearize([ev.id for ev in events], edges, key, pref)
    return [Step(events[idx[e]]) for e in ordered]
