"""The LKMM's flags: warnings herd7 prints as ``Flag NAME`` under the execution counts.

A flag is a set or relation that the kernel's model files require to be
empty (``flag ~empty ... as NAME``) without making the execution inconsistent;
herd7 prints a flag when some allowed execution raises it.  They come from
three files, and are computed here from the relations of
:class:`~smpcheck.models.lkmm.LkmmRelations`:

linux-kernel.bell
    ``unmatched-rcu-lock`` / ``unmatched-rcu-unlock`` (an rcu_read_lock() or
    rcu_read_unlock() with no partner on its CPU, nesting matched innermost
    first); ``unmatched-srcu-lock`` / ``unmatched-srcu-unlock`` (an
    srcu_read_lock() whose value reaches no srcu_read_unlock() of the same
    srcu_struct, or the converse); ``multiple-srcu-matches`` (one lock's value
    reaching two unlocks); ``invalid-sleep`` (synchronize_srcu() inside an RCU
    read-side section); ``srcu-bad-value-match`` (an unlock writing another
    value than its lock read).
linux-kernel.cat
    ``mixed-accesses``: a plain write and a marked access to the same location
    on one CPU with nothing between them that the model calls a compiler
    barrier (a fence of any kind, an RCU or SRCU primitive, a full-barrier RMW,
    an acquire before or a release after).  ``data-race`` is the races'
    (:meth:`~smpcheck.models.lkmm.LKMM.races`).
lock.cat
    ``mixed-lock-accesses`` (an ordinary access to a spinlock or srcu_struct),
    ``unmatched-unlock`` (a spin_unlock() with no spin_lock() of the lock before
    it on its CPU), ``lock-final`` (the final condition reads a spinlock or
    srcu_struct).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smpcheck.graph.events import Event
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View

if TYPE_CHECKING:
    from smpcheck.models.lkmm import LkmmRelations

#: Tags of the events that lock.cat counts as lock (or SRCU) operations.
LOCK_OPS = ("LKR", "LKW", "UL", "LF", "RL", "RU", "srcu-lock", "srcu-unlock", "sync-srcu")
#: Fence tags that are compiler barriers in linux-kernel.cat's ``barrier``.
BARRIER_FENCES = ("barrier", "rmb", "wmb", "MB", "sync-rcu", "sync-srcu", "before-atomic",
                  "after-atomic", "rcu-lock", "rcu-unlock")


def value_of(view: View, ev: Event) -> Any:
    """The value an access reads or writes (None for a read with no source in the view)."""
    if ev.kind == "R":
        src = view.g.rf.get(ev.id)
        return view.events[view.index[src]].value if src in view.index else None
    return ev.value


def compiler_barrier(rel: LkmmRelations) -> Rel:
    """linux-kernel.cat's ``barrier``: po pairs with a barrier-like event between them,
    or into a release, or out of an acquire."""
    v = rel.v
    between = (v.tagged(*BARRIER_FENCES) & v.F) | rel.mb_acc | rel.acquire | rel.release \
        | v.tagged("srcu-lock", "srcu-unlock")
    return (rel.fencerel(between) | v.po.restrict(None, rel.release)
            | v.po.restrict(rel.acquire, None))


def mixed_accesses(rel: LkmmRelations) -> bool:
    v = rel.v
    near = v.po_loc - compiler_barrier(rel)
    plain_w = rel.plain & v.W
    return not (near.restrict(plain_w, rel.marked) | near.restrict(rel.marked, plain_w)).is_empty()


def _unmatched(events: int, pairs: Callable[[], Rel], side: str) -> bool:
    if not events:
        return False
    matched = pairs().domain() if side == "domain" else pairs().range()
    return bool(events & ~matched)


def multiple_srcu_matches(rel: LkmmRelations) -> bool:
    shared = rel.srcu_rscs.inverse().seq(rel.srcu_rscs)
    return not (shared - Rel.identity(rel.n)).is_empty()


def invalid_sleep(rel: LkmmRelations) -> bool:
    po, sync = rel.v.po, rel.v.tagged("sync-srcu")
    if not sync:
        return False
    around = po.restrict(None, sync).seq(po)
    return not (rel.rcu_rscs & around).is_empty()


def srcu_bad_value(rel: LkmmRelations) -> bool:
    v = rel.v
    return any(value_of(v, v.events[a]) != value_of(v, v.events[b])
               for a, b in rel.srcu_rscs.pairs())


def mixed_lock_accesses(rel: LkmmRelations) -> bool:
    v = rel.v
    locks = v.tagged(*LOCK_OPS)
    others = v.M & ~v.IW & ~locks
    return not rel.srcu_loc.restrict(others, locks).is_empty()


def unmatched_unlock(rel: LkmmRelations) -> bool:
    v = rel.v
    lkw, ul = v.tagged("LKW"), v.tagged("UL")
    po_loc = v.po_loc
    critical = po_loc.restrict(lkw, ul) - po_loc.restrict(None, lkw | ul).seq(po_loc)
    return bool(ul & ~critical.range())


def lock_final(rel: LkmmRelations, observed: frozenset[Any]) -> bool:
    """The condition reads a location that lock or SRCU operations use."""
    return any(ev.loc in observed for ev in rel.v.events if ev.tags & frozenset(LOCK_OPS))


def flags(rel: LkmmRelations, observed: frozenset[Any] = frozenset()) -> list[str]:
    """The names of the flags the (complete, consistent) execution raises, sorted."""
    v = rel.v
    rcu_lock, rcu_unlock = v.tagged("rcu-lock") & v.F, v.tagged("rcu-unlock") & v.F
    srcu_lock, srcu_unlock = v.tagged("srcu-lock") & v.M, v.tagged("srcu-unlock") & v.M
    any_srcu = bool(srcu_lock | srcu_unlock)

    def rcu() -> Rel:
        return rel.rcu_rscs

    def srcu() -> Rel:
        return rel.srcu_rscs

    checks: dict[str, Callable[[], bool]] = {
        "unmatched-rcu-lock": lambda: _unmatched(rcu_lock, rcu, "domain"),
        "unmatched-rcu-unlock": lambda: _unmatched(rcu_unlock, rcu, "range"),
        "unmatched-srcu-lock": lambda: _unmatched(srcu_lock, srcu, "domain"),
        "unmatched-srcu-unlock": lambda: _unmatched(srcu_unlock, srcu, "range"),
        "multiple-srcu-matches": lambda: any_srcu and multiple_srcu_matches(rel),
        "invalid-sleep": lambda: bool(rcu_lock) and invalid_sleep(rel),
        "srcu-bad-value-match": lambda: any_srcu and srcu_bad_value(rel),
        "mixed-accesses": lambda: bool(rel.plain) and mixed_accesses(rel),
        "mixed-lock-accesses": lambda: bool(v.tagged(*LOCK_OPS)) and mixed_lock_accesses(rel),
        "unmatched-unlock": lambda: bool(v.tagged("UL")) and unmatched_unlock(rel),
        "lock-final": lambda: bool(observed) and lock_final(rel, observed),
    }
    return sorted(name for name, check in checks.items() if check())
