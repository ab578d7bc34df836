"""The interface every memory model implements, and the checks they share."""

from __future__ import annotations

from smpcheck.relation import Rel
from smpcheck.view import View


class MemoryModel:
    """A consistency predicate over execution graphs, plus the orders the checks need.

    ``track_dependencies``: when False the model forbids (po | rf) cycles, and the
    explorer keeps a write's whole (po | rf) prefix when it revisits a read; when
    True (LKMM) only the write's dependencies and reads-from count.
    """

    name = "?"
    track_dependencies = False

    def inconsistency(self, view: View, atomicity: bool = True) -> str | None:
        """The name of an axiom the execution violates, or None if it is consistent.

        ``atomicity=False`` leaves out RMW atomicity: the explorer lets an RMW whose
        forward placement breaks it still revisit the RMW it overlaps."""
        if atomicity and atomicity_violated(view):
            return "atomic"
        return self.axioms(view)

    def axioms(self, view: View) -> str | None:
        """The model's own axioms (all but RMW atomicity): the first violated, or None."""
        raise NotImplementedError

    def happens_before(self, view: View) -> Rel:
        """Order that makes one access certainly precede another (use-after-free check)."""
        raise NotImplementedError

    def races(self, view: View) -> list[tuple[int, int]]:
        """Pairs of conflicting accesses, at least one plain, that are not ordered."""
        sync = view.rf.restrict(view.marked, view.marked)
        hb = (view.po | sync).plus()
        return unordered_conflicts(view, hb)


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
