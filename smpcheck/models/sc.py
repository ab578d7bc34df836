"""Sequential consistency: one global order of all accesses, respecting program order."""

from __future__ import annotations

from smpcheck.models.base import MemoryModel
from smpcheck.relation import Rel
from smpcheck.view import View


class SC(MemoryModel):
    """SC (Lamport 1979) as an axiom: ``acyclic(po | rf | co | fr)``, RMWs atomic."""

    name = "sc"

    def axioms(self, view: View) -> str | None:
        if not (view.po | view.rf | view.co | view.fr).is_acyclic():
            return "sc"
        return None

    def happens_before(self, view: View) -> Rel:
        return (view.po | view.rf | view.co | view.fr).plus()
