"""KASAN-style blocks under a use-after-free or a double free.

The kernel's KASAN report ends with where the object was allocated and freed; a
reader looks there first.  So does ours::

    Allocated by CPU 0 (setup_and_free):
      setup_and_free() examples/uaf.py:20: p = kmalloc(foo)
    Freed by CPU 0 (setup_and_free):
      setup_and_free() examples/uaf.py:24: kfree(p)
    Accessed by CPU 1 (reader):
      reader() examples/uaf.py:30: return {"a": READ_ONCE(p->a)}

An object set up before the CPUs start (a global, a scenario's object) was
"allocated before the CPUs started".  A double free shows "Freed by" and "Freed
again by".
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from smpcheck.explore.checks import _free_of as free_of
from smpcheck.graph.events import Event
from smpcheck.model.objects import is_poison
from smpcheck.model.values import EventId
from smpcheck.results.findings import Kind, Violation


def kasan_lines(v: Violation, cpu_names: Sequence[str], width: int = 80,
                order: Sequence[EventId | None] = ()) -> list[str]:
    """The blocks for ``v`` (none unless it is a use-after-free or a double free);
    ``order``: the events as the table shows them (two frees are told in that order)."""
    g = v.graph
    if g is None or v.kind not in (Kind.USE_AFTER_FREE, Kind.DOUBLE_FREE):
        return []
    events = [g.event(e) for e in v.events if g.has(e)]
    if v.kind == Kind.DOUBLE_FREE:
        shown = {e: i for i, e in enumerate(order) if e is not None}
        frees = sorted((e for e in events if e.kind == "D"),
                       key=lambda e: shown.get(e.id, len(shown)))
        if len(frees) < 2:
            return []
        blocks = [("Freed by", frees[0]), ("Freed again by", frees[1])]
        obj = frees[0].obj
    else:
        access = next((e for e in events if not is_poison(e.value) or e.kind == "R"), None)
        poison = next((e for e in events if e is not access), None)
        free = free_of(g, poison) if poison is not None else None
        if access is None or free is None or free.kind != "D":
            return []
        blocks = [("Freed by", free), ("Accessed by", access)]
        obj = free.obj
    alloc = next((e for e in g.events() if e.kind == "A" and obj is not None
                  and e.obj is obj), None)
    out = ([f"Allocated before the CPUs started: {obj}, part of the model's initial state"]
           if alloc is None
           else _block("Allocated by", alloc, cpu_names, width))
    for title, ev in blocks:
        out += _block(title, ev, cpu_names, width)
    return out


def _block(title: str, ev: Event, cpu_names: Sequence[str], width: int) -> list[str]:
    from smpcheck.report.table import _code

    cpu = cpu_names[ev.tid] if ev.tid < len(cpu_names) else f"P{ev.tid}"
    src = ev.src
    func = f"{src.func}() " if src.func else ""
    code = _code(src.path, src.text).strip() or ev.op
    where = f"{src}: " if src.path and src.line else ""
    body = textwrap.wrap(f"{func}{where}{code}", width, initial_indent="  ",
                         subsequent_indent="      ", break_long_words=False,
                         break_on_hyphens=False)
    return [f"{title} CPU {ev.tid} ({cpu}):", *body]


__all__ = ["kasan_lines"]
