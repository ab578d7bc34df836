"""RCU's grace-period guarantee for models that order events in one global order.

Under SC and x86-TSO an execution is a linearization of an acyclic order; RCU
adds that no grace period (synchronize_rcu) falls strictly inside a read-side
critical section: each critical section [L, U] ends before the grace period S
or begins after it.  Which of the two is a choice per pair; this module finds
the choices forced by the order (L before S forces U before S; S before U
forces S before L), then tries the remaining ones, and answers whether some
choice keeps the order acyclic.  The forced edges also order a reader's
accesses before what follows the grace period (kfree), for the checks.
"""

from __future__ import annotations

from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View


def critical_sections(view: View) -> list[tuple[int, int]]:
    """Outermost rcu_read_lock/rcu_read_unlock pairs, as view indices."""
    out = []
    depth: dict[int, tuple[int, int]] = {}
    for i, ev in enumerate(view.events):
        if ev.kind != "F":
            continue
        if "rcu-lock" in ev.tags:
            start, d = depth.get(ev.tid, (i, 0))
            depth[ev.tid] = (start if d else i, d + 1)
        elif "rcu-unlock" in ev.tags and depth.get(ev.tid, (0, 0))[1]:
            start, d = depth[ev.tid]
            if d == 1:
                out.append((start, i))
                del depth[ev.tid]
            else:
                depth[ev.tid] = (start, d - 1)
    return out


def grace_periods(view: View) -> list[int]:
    return [i for i, ev in enumerate(view.events) if ev.kind == "F" and "sync-rcu" in ev.tags]


def with_grace_periods(view: View, order: Rel) -> Rel | None:
    """``order`` plus the edges RCU forces, or None if no choice keeps it acyclic."""
    pairs = [(cs, s) for cs in critical_sections(view) for s in grace_periods(view)]
    if not pairs:
        return order
    return _solve(order.plus(), pairs)


def _solve(closure: Rel, pairs: list[tuple[tuple[int, int], int]]) -> Rel | None:
    forced = _force(closure, pairs)
    if forced is None:
        return None
    closure = forced
    for (lock, unlock), s in pairs:
        if not (closure.has(unlock, s) or closure.has(s, lock)):
            for a, b in ((unlock, s), (s, lock)):  # try both sides of the grace period
                found = _solve(_add(closure, a, b), pairs)
                if found is not None:
                    return found
            return None
    return closure


def _force(closure: Rel, pairs: list[tuple[tuple[int, int], int]]) -> Rel | None:
    changed = True
    while changed:
        if not closure.is_irreflexive():
            return None
        changed = False
        for (lock, unlock), s in pairs:
            if closure.has(lock, s) and not closure.has(unlock, s):
                closure, changed = _add(closure, unlock, s), True
            if closure.has(s, unlock) and not closure.has(s, lock):
                closure, changed = _add(closure, s, lock), True
    return closure if closure.is_irreflexive() else None


def _add(closure: Rel, a: int, b: int) -> Rel:
    """The transitive closure with the edge a -> b added."""
    rows = list(closure.rows)
    into_a = [i for i in range(closure.n) if rows[i] >> a & 1] + [a]
    reach_b = rows[b] | (1 << b)
    for i in into_a:
        rows[i] |= reach_b
    return Rel(closure.n, rows)
