"""The simplest counterexample (``check --shortest``): every execution is explored, and
of the violating ones the report keeps one with the fewest steps and then, under a
weak memory model, the fewest reordered pairs.

*Steps* are the execution's events that do something (accesses, fences,
allocations, frees; not a CPU's end or a wait marker).  A *reordered pair* is two
events of one CPU whose places in the table (the model's timeline, the order the
report prints) are the reverse of program order, a store counting where it
reaches memory: a store-buffer flush delayed past a later load under x86-TSO, a
pair out of program order under the LKMM.  Both are functions of the execution
graph alone (:func:`cost`), so brute force can compute them for every execution.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.model.model import Model
from smpcheck.models import MemoryModel, get_model
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result

Cost = tuple[int, int]


def cost(g: ExecutionGraph, mm: MemoryModel) -> Cost:
    """(steps, reordered pairs) of an execution (see the module docstring)."""
    steps = mm.timeline(View(g))
    place: dict[Any, int] = {}
    for i, step in enumerate(steps):
        place[step.event.id] = i  # (a buffered store: where it reaches memory)
    doing = [ev for ev in g.events() if ev.kind not in "EBN" and ev.id in place]
    reordered = 0
    for t in g.threads:
        mine = [ev for ev in t if ev is not None and ev.kind not in "EBN" and ev.id in place]
        for i, a in enumerate(mine):
            reordered += sum(place[b.id] < place[a.id] for b in mine[i + 1:])
    return len(doing), reordered


def shortest(model: Model, names: Any, mm: str, settings: Settings,
             progress: Callable[[Result], None] | None = None) -> Result:
    """Check ``model`` exploring every execution; its findings are the cheapest
    execution of each (kind, place), cheapest first (only the cheapest unless
    ``settings.all_violations``)."""
    memory_model = get_model(mm)
    best: dict[Any, tuple[Cost, int, Violation]] = {}

    def seen(v: Violation) -> None:
        if v.graph is None:
            return
        c = cost(v.graph, memory_model)
        key = v.key()
        if key not in best or c < best[key][0]:
            best[key] = (c, len(best) if key not in best else best[key][1], v)

    wanted_all = settings.all_violations
    result = verify(model, names, mm, dataclasses.replace(settings, all_violations=True),
                    progress, on_violation=seen)
    chosen = []
    for v in result.violations:
        entry = best.get(v.key())
        chosen.append((entry[0], entry[1], entry[2]) if entry else ((0, 0), -1, v))
    chosen.sort(key=lambda e: (e[0], e[1]))
    result.violations = [v for _, _, v in chosen][: None if wanted_all else 1]
    result.stopped_early = False
    return result
