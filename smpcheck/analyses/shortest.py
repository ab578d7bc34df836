"""The simplest counterexample (``check --shortest``): every execution is explored, and
of the violating ones the report keeps one with the fewest steps and then, under a
weak memory model, the fewest reordered pairs.

*Steps* are the execution's events that do something (accesses, fences,
allocations, frees; not a CPU's end or a wait marker).  A *reordered pair* is two
accesses of one CPU whose program order the execution contradicts: the later one
reaches the earlier one through program order, reads-from, coherence and
from-read (a store-buffering pair under x86-TSO, a message-passing pair under the
LKMM; never one under SC, which forbids every such cycle).  Both are functions of
the execution graph alone (:func:`cost`), so brute force can price every execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.model.model import Model
from smpcheck.records import replace
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result

Cost = tuple[int, int]


def cost(g: ExecutionGraph) -> Cost:
    """(steps, reordered pairs) of an execution (see the module docstring)."""
    view = View(g)
    steps = sum(1 for ev in g.events() if ev.kind not in "EBN")
    order = (view.po | view.rf | view.co | view.fr).plus()
    access = [ev.is_access and not ev.is_init for ev in view.events]
    reordered = sum(1 for a, b in view.po.pairs()
                    if access[a] and access[b] and order.has(b, a))
    return steps, reordered


def shortest(model: Model, names: Any, mm: str, settings: Settings,
             progress: Callable[[Result], None] | None = None) -> Result:
    """Check ``model`` exploring every execution; its findings are the cheapest
    execution of each (kind, place), cheapest first (only the cheapest unless
    ``settings.all_violations``)."""
    best: dict[Any, tuple[Cost, int, Violation]] = {}

    def seen(v: Violation) -> None:
        if v.graph is None:
            return
        c = cost(v.graph)
        key = v.key()
        if key not in best or c < best[key][0]:
            best[key] = (c, len(best) if key not in best else best[key][1], v)

    wanted_all = settings.all_violations
    result = verify(model, names, mm, replace(settings, all_violations=True),
                    progress, on_violation=seen)
    chosen = []
    for v in result.violations:
        entry = best.get(v.key())
        chosen.append((entry[0], entry[1], entry[2]) if entry else ((0, 0), -1, v))
    chosen.sort(key=lambda e: (e[0], e[1]))
    result.violations = [v for _, _, v in chosen][: None if wanted_all else 1]
    result.stopped_early = False
    return result
