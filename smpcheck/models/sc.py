"""Sequential consistency: one global order of all accesses, respecting program order."""

from __future__ import annotations

from collections.abc import Sequence

from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View
from smpcheck.model.values import EventId
from smpcheck.models.base import ATOMIC, MemoryModel
from smpcheck.models.cycles import atomicity_broken, needs_grace_periods, po_cycle_after
from smpcheck.models.rcu import with_grace_periods


class SC(MemoryModel):
    """SC (Lamport 1979) as an axiom: ``acyclic(po | rf | co | fr)``, RMWs atomic, and
    no grace period inside an RCU read-side critical section."""

    name = "sc"

    def axioms(self, view: View) -> str | None:
        order = view.po | view.rf | view.co | view.fr
        if not order.is_acyclic():
            return "sc"
        if with_grace_periods(view, order) is None:
            return "rcu"
        return None

    def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                            atomicity: bool = True) -> str | None:
        """Only a cycle through an added event can be new (see models.cycles)."""
        if atomicity and atomicity_broken(g, added):
            return ATOMIC
        if po_cycle_after(g, added):
            return "sc"
        if needs_grace_periods(g):
            return self.axioms(View(g))
        return None

    def happens_before(self, view: View) -> Rel:
        order = with_grace_periods(view, view.po | view.rf | view.co | view.fr)
        return order.plus() if order is not None else Rel(view.n)

