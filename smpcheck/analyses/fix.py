"""The fewest ordering changes that make a failing design hold (``barriers --fix``).

A change is an ``smp_mb()`` put before an access that follows another access of
its CPU, a load made acquire, or a store made release (applied where the
primitive issues its event, :mod:`smpcheck._rt.sites`).  The search is exact for
its bound on the number of changes:

1. Each counterexample found so far is an execution of the design.  The changes
   leave its values and control flow as they are, so it remains an execution of
   the changed design unless the changes make it inconsistent (or, for a data
   race, order the racing accesses): that is decided on the graph alone, by
   applying the changes to it (:func:`apply_changes`) and asking the memory model.
2. Sets of changes are tried smallest first (then with the fewest ``smp_mb()``:
   acquire and release where they suffice), drawn from the changes that touch
   some counterexample; a set that leaves a known counterexample standing is no
   fix and is not checked.
3. Every other set is checked in full, under every memory model asked for.  The
   first that holds is the answer; one that does not gives another counterexample.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from smpcheck._rt.sites import Overrides, Site, overriding, site_of
from smpcheck._rt.sites import site_of as _site_of
from smpcheck.analyses.subjects import Subject, Verdict
from smpcheck.explore.explorer import Settings
from smpcheck.graph.events import NO_SOURCE, Event, replaced, shown_path
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.models import get_model
from smpcheck.results.findings import Kind, Violation

MB, ACQUIRE, RELEASE = "smp_mb", "acquire", "release"
#: Fences a change may put before an access (only smp_mb() by --fix; hints try the
#: lighter ones on the graph), with their herd tags.
FENCES = {MB: "MB", "smp_rmb": "rmb", "smp_wmb": "wmb"}
_LOCKING = frozenset({"LKR", "LKW", "LF", "UL", "RL", "RU", "srcu-lock", "srcu-unlock", "RMW"})


@dataclass(frozen=True, order=True)
class Change:
    """One ordering change at a site: ``smp_mb`` before it, or make it acquire/release."""

    site: Site
    kind: str

    def describe(self, text: str = "") -> str:
        on = f" (P{self.site.cpu})" if self.site.cpu >= 0 else ""
        at = f"{shown_path(self.site.path)}:{self.site.line}{on}"
        code = f" ({text})" if text else ""
        if self.kind == MB:
            return f"{at}: smp_mb() before this {self.site.primitive}{code}"
        what = "smp_load_acquire()" if self.kind == ACQUIRE else "smp_store_release()"
        return f"{at}: {self.site.primitive} -> {what}{code}"


def overrides_for(changes: Iterable[Change]) -> Overrides:
    cs = list(changes)
    return Overrides(fence_before=frozenset(c.site for c in cs if c.kind == MB),
                     acquire=frozenset(c.site for c in cs if c.kind == ACQUIRE),
                     release=frozenset(c.site for c in cs if c.kind == RELEASE),
                     per_cpu=any(c.site.cpu >= 0 for c in cs))


def _is_access(ev: Event | None) -> bool:
    return (ev is not None and ev.kind in "RW" and not (ev.kind == "W" and ev.rmw)
            and ev.src is not NO_SOURCE and ev.src.line > 0 and not ev.src.path.startswith("<"))


def candidates(g: ExecutionGraph, per_cpu: bool = False) -> set[Change]:
    """The changes that touch execution ``g``'s accesses (``per_cpu``: sites per CPU)."""
    out: set[Change] = set()
    for t in g.threads:
        seen_access = False
        for ev in t:
            if not _is_access(ev):
                continue
            assert ev is not None
            site = site_of(ev, per_cpu)
            if seen_access:
                out.add(Change(site, MB))
            seen_access = True
            if ev.tags & (_LOCKING | {"ACQUIRE", "RELEASE", "MB"}):
                continue
            out.add(Change(site, ACQUIRE if ev.kind == "R" else RELEASE))
    return out


def apply_changes(g: ExecutionGraph, changes: Iterable[Change]) -> ExecutionGraph:
    """``g`` as the design with ``changes`` would run it: the same reads-from and
    coherence, fences inserted, tags changed (event positions renumbered)."""
    cs = list(changes)
    ov = overrides_for(cs)
    fences = {c.site: FENCES[c.kind] for c in cs if c.kind in FENCES}
    per_cpu = ov.per_cpu

    def site_of(ev: Event) -> Site:
        return _site_of(ev, per_cpu)

    out = ExecutionGraph(len(g.threads), g.locs)
    moved: dict[tuple[int, int], tuple[int, int]] = {}
    for tid, t in enumerate(g.threads):
        new: list[Event | None] = []
        for ev in t:
            if ev is not None and ev.kind in "RW" and not (ev.kind == "W" and ev.rmw) \
                    and site_of(ev) in fences:
                tag = fences[site_of(ev)]
                new.append(Event((tid, len(new)), "F", tags=frozenset({tag}), op=f"{tag}()",
                                 src=ev.src))
            if ev is not None:
                moved[ev.id] = (tid, len(new))
            new.append(ev)
        out.threads[tid] = new
    for tid, t in enumerate(out.threads):
        for i, ev in enumerate(t):
            if ev is None:
                continue
            tags = ev.tags
            if "RMW" not in tags and site_of(ev) in ov.acquire and ev.kind == "R":
                tags = (tags - {"ONCE"}) | {"ACQUIRE"}
            if "RMW" not in tags and site_of(ev) in ov.release and ev.kind == "W":
                tags = (tags - {"ONCE"}) | {"RELEASE"}

            def remap(ids: frozenset[tuple[int, int]]) -> frozenset[tuple[int, int]]:
                return frozenset(moved.get(x, x) for x in ids)

            t[i] = replaced(ev, id=(tid, i), tags=tags, addr=remap(ev.addr),
                         data=remap(ev.data), ctrl=remap(ev.ctrl), branch=remap(ev.branch))
    out.rf = {moved.get(r, r): moved.get(w, w) for r, w in g.rf.items()}
    out.co = {loc: [moved.get(w, w) for w in ws] for loc, ws in g.co.items()}
    out.spec = {moved.get(r, r): v for r, v in g.spec.items()}
    out.fence_tags = g.fence_tags | frozenset(fences.values())
    out.frees = g.frees
    out.rmws = g.rmws
    out.plain = g.plain
    return out


@dataclass
class Counterexample:
    mm: str
    violation: Violation

    def survives(self, changes: tuple[Change, ...]) -> bool:
        """Whether the execution is still one of the changed design, with its finding."""
        g = self.violation.graph
        assert g is not None
        mm = get_model(self.mm)
        view = View(apply_changes(g, changes))
        if mm.inconsistency(view) is not None:
            return False
        if self.violation.kind == Kind.DATA_RACE:
            return bool(mm.races(view))
        return True


@dataclass
class FixResult:
    """The fewest changes found (None: none within the bound, or not known)."""

    changes: tuple[Change, ...] | None
    already_holds: bool = False
    complete: bool = True  # False: some check was cut short, so a smaller fix may exist
    checks: int = 0  # full checks run
    pruned: int = 0  # sets ruled out on a known counterexample alone
    counterexamples: list[Counterexample] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)  # the fixed design's checks
    reason: str = ""
    texts: dict[Site, str] = field(default_factory=dict)


def find_fix(subject: Subject, mms: list[str], settings: Settings, max_changes: int = 3,
             deadline_s: float | None = None,
             progress: Callable[[str], None] | None = None) -> FixResult:
    """The smallest set of changes under which ``subject`` holds under every model."""
    start = time.monotonic()
    res = FixResult(None)
    table = Overrides(per_cpu=subject.per_cpu)
    with overriding(table):
        for mm in mms:
            if not _learn(subject.check(mm, settings), res):
                return res
    res.texts = {s: i.text for s, i in table.seen.items()}
    if not res.counterexamples:
        res.already_holds = True
        res.changes = ()
        return res
    universe: set[Change] = set()
    tested: set[tuple[Change, ...]] = set()
    while True:
        for cx in res.counterexamples:
            assert cx.violation.graph is not None
            universe |= candidates(cx.violation.graph, subject.per_cpu)
        combo = _next_combo(universe, tested, res, max_changes)
        if combo is None:
            res.reason = (f"no set of at most {max_changes} changes makes it hold"
                          if res.complete else "checks were cut short")
            return res
        tested.add(combo)
        if deadline_s is not None and time.monotonic() - start > deadline_s:
            res.complete, res.reason = False, f"stopped after {deadline_s:g} s"
            return res
        if progress is not None:
            progress(", ".join(c.describe() for c in combo))
        verdicts = []
        with overriding(overrides_for(combo)):
            for mm in mms:
                res.checks += 1
                v = subject.check(mm, settings)
                verdicts.append(v)
                if not _learn(v, res):
                    break
        if all(v.holds for v in verdicts) and len(verdicts) == len(mms):
            res.changes, res.verdicts = combo, verdicts
            return res


def _learn(v: Verdict, res: FixResult) -> bool:
    """Note a check's counterexample; False when the search cannot use it."""
    if v.holds:
        return True
    if v.holds is None:
        res.complete = False
        return True
    if v.violation is None or v.violation.graph is None:
        res.reason = (f"under {v.mm}: {v.finding or 'it fails'}, with no execution to "
                      "order (no barrier can fix that)")
        res.complete = False
        return False
    res.counterexamples.append(Counterexample(v.mm, v.violation))
    return True


def _next_combo(universe: set[Change], tested: set[tuple[Change, ...]], res: FixResult,
                max_changes: int) -> tuple[Change, ...] | None:
    """The smallest untested set, fewest smp_mb() first, that no known counterexample
    survives."""
    ordered = sorted(universe)
    for k in range(1, max_changes + 1):
        combos = sorted(itertools.combinations(ordered, k),
                        key=lambda c: (sum(x.kind == MB for x in c), c))
        for combo in combos:
            if combo in tested:
                continue
            if any(cx.survives(combo) for cx in res.counterexamples):
                tested.add(combo)
                res.pruned += 1
                continue
            return combo
    return None
