"""Where a barrier is missing, from the counterexample itself: the table's hints.

A weak model allows a counterexample because some pairs of one CPU's accesses are
left unordered, and the execution's cycle runs through them.  The hint names the
places where a barrier forbids *this* execution: each candidate place (between
two consecutive accesses of a CPU; under x86-TSO only a store and a later load,
the only pair it reorders) gets an ``smp_mb()`` on the execution graph
(:func:`smpcheck.analyses.fix.apply_changes`, as ``barriers --fix`` does), and a
hint is printed only where that made the execution inconsistent: every single
place that does, else the first pair of places (on different lines) that does
together.  Each place then gets the lightest barrier that still does
(``smp_rmb()`` between loads, ``smp_wmb()`` between stores), and an ``smp_mb()``
right after a lock is named ``smp_mb__after_spinlock()``.  So a hint may point at
another CPU than the finding, and is never a guess: no place found, no hint.
"""

from __future__ import annotations

import itertools

from smpcheck._rt.sites import site_of
from smpcheck.analyses.fix import MB, Change, Counterexample, _is_access
from smpcheck.graph.events import Event
from smpcheck.model.values import EventId
from smpcheck.results.findings import Kind, Violation

#: How many graphs a hint search may judge (each one inconsistency check).
BUDGET = 400
_LIGHTER = {"RR": "smp_rmb", "WW": "smp_wmb"}
_ACCESS = {"R": "load", "W": "store"}
_HINTED = ("lkmm",)  # (x86-TSO's tables show the store buffer instead)


def places(v: Violation, mm: str) -> list[tuple[Event, Event]]:
    """Consecutive accesses (a, b) of one CPU in the execution, where a barrier
    could go (under x86-TSO, which hints leave to its store-buffer rows, only a store
    then a load)."""
    assert v.graph is not None
    out = []
    for t in v.graph.threads:
        accesses = [ev for ev in t if _is_access(ev)]
        for a, b in itertools.pairwise(accesses):
            assert a is not None and b is not None
            if site_of(a) == site_of(b):
                continue
            if mm == "tso" and not (a.kind == "W" and b.kind == "R"):
                continue
            out.append((a, b))
    return out


Hint = tuple[tuple[Event, Event, str], ...]  # (access before, access after, barrier)


def barrier_hints(v: Violation, mm: str) -> dict[EventId, str] | None:
    """For the rows where a barrier forbids the execution: the hint (None when this
    model gets no such search: SC, x86-TSO, cat models; a finding with no execution)."""
    if mm not in _HINTED or v.graph is None or v.kind == Kind.DATA_RACE:
        return None
    out: dict[EventId, str] = {}
    for hint in find_hints(v, mm):
        for i, (a, b, kind) in enumerate(hint):
            others = [f"line {q[1].src.line}" for j, q in enumerate(hint) if j != i]
            out[b.id] = _text(a, b, kind, others)
    return out


def find_hints(v: Violation, mm: str) -> list[Hint]:
    """Every single place where a barrier forbids the execution, else the first pair
    of places that do together; each with the lightest barrier that does."""
    cx = Counterexample(mm, v)
    spent = 0

    def kills(chosen: tuple[tuple[Event, Event], ...], kinds: tuple[str, ...]) -> bool:
        nonlocal spent
        spent += 1
        return not cx.survives(tuple(Change(site_of(b), k) for (_, b), k
                                     in zip(chosen, kinds, strict=True)))

    found: list[tuple[tuple[Event, Event], ...]] = []
    pts = places(v, mm)
    for p in pts:
        if spent < BUDGET and kills((p,), (MB,)):
            found.append((p,))
    if not found:
        for p, q in itertools.combinations(pts, 2):
            if spent >= BUDGET:
                break
            if site_of(p[1]) != site_of(q[1]) and kills((p, q), (MB, MB)):
                found.append((p, q))
                break
    hints: list[Hint] = []
    for chosen in found:
        kinds = [MB] * len(chosen)
        for i, (a, b) in enumerate(chosen):
            light = _LIGHTER.get(a.kind + b.kind)
            if light is not None and kills(chosen, (*kinds[:i], light, *kinds[i + 1:])):
                kinds[i] = light
        hints.append(tuple((a, b, k) for (a, b), k in zip(chosen, kinds, strict=True)))
    return hints


def _text(a: Event, b: Event, kind: str, others: list[str]) -> str:
    after_lock = kind == MB and a.tags & {"LKR", "LKW"}
    name = "smp_mb__after_spinlock()" if after_lock else f"{kind}()"
    also = (f"one there and one before {' and '.join(others)} forbid" if others
            else "one there forbids")
    return (f"no {name} between the {_what(a)} at line {a.src.line} and this "
            f"{_what(b)}: {also} this execution")


def _what(ev: Event) -> str:
    return "spin_lock" if ev.tags & {"LKR", "LKW"} else _ACCESS[ev.kind]
