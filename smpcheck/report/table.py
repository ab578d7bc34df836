"""The CPU-column table: one column per CPU, one row per step, time flowing down.

This is the layout reviewers draw by hand in mail.  Each cell is the model's
source line (with its line number) and the value read or written, e.g.
``12: r = READ_ONCE(being_unmapped_rmap)  -> NULL``.  The rows that matter to
the finding are marked ``=>``.  Two CPUs fit in 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smpcheck.findings import Violation
from smpcheck.graph import ExecutionGraph
from smpcheck.memory import Ref
from smpcheck.models.base import MemoryModel, Step
from smpcheck.values import EventId
from smpcheck.view import View


@dataclass
class Row:
    """One table row: which CPU, what it did, and whether the finding points at it."""

    cpu: int
    text: str  # the code (source line or a rendering of the operation)
    line: int | None
    path: str | None
    mark: bool = False
    event: EventId | None = None
    kind: str = ""
    value: Any = None
    note: str = ""
    suffix: str = ""  # what it read or wrote, kept when the code is cut to fit

    @property
    def full(self) -> str:
        return self.text + self.suffix


def show(value: Any) -> str:
    """A value as the table prints it: pointers by name, NULL, ints."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def rows_for(v: Violation, mm: MemoryModel) -> list[Row]:
    """The rows of a violation's execution, in an order consistent with it."""
    g = v.graph
    if g is None:
        return []
    view = View(g)
    prefer = _preferred_order(v, view)
    rows = []
    steps = mm.timeline(view, prefer)
    for i, step in enumerate(steps):
        row = _row(g, step, steps[i - 1] if i else None)
        if row is not None:
            row.mark = step.event.id in v.events and not step.visible
            rows.append(row)
    if v.src is not None and v.cpu is not None and not v.events:
        rows.append(Row(v.cpu, v.src.text, v.src.line, v.src.path, mark=True, kind="error",
                        note=v.message))
    return rows


def _preferred_order(v: Violation, view: View) -> list[tuple[int, int]]:
    """Show a use-after-free's access after the free when the execution allows it."""
    if len(v.events) == 2 and all(e in view.index for e in v.events):
        a, b = (view.index[e] for e in v.events)
        if view.events[b].kind == "D":
            return [(b, a)]
    return []


def _row(g: ExecutionGraph, step: Step, prev: Step | None) -> Row | None:
    ev = step.event
    src = ev.src
    text = src.text or ev.op
    if step.visible:
        return Row(ev.tid, f"({ev.loc} = {show(ev.value)} reaches memory)", None, None,
                   event=ev.id, kind="visible", value=ev.value)
    if ev.kind in "EN":
        return None
    if ev.kind == "W" and ev.rmw and prev is not None and prev.event.id == (ev.tid, ev.idx - 1):
        return None  # shown with its read
    row = Row(ev.tid, text, src.line or None, src.path, event=ev.id, kind=ev.kind,
              note=step.note)
    if ev.kind == "R":
        row.value = g.read_value(ev.id)
        row.suffix = f"  -> {show(row.value)}"
    elif ev.kind == "W":
        row.value = ev.value
        shown = show(ev.value)
        if ev.rmw:
            row.text = f"({ev.loc} = {shown} written)"
        elif shown not in text:
            row.suffix = f"  [{ev.loc} = {shown}]"
    elif ev.kind == "A":
        row.suffix = f"  -> {ev.obj}"
    elif ev.kind == "B":
        row.text = "(waits here forever)" if ev.extra.get("stuck") else "(waits here)"
    if step.note:
        row.suffix += f"  ({step.note})"
    return row


def render_table(rows: list[Row], cpu_names: list[str], width: int = 80) -> str:
    """Lay rows out in CPU columns; columns share ``width`` (at least 24 each)."""
    cpus = sorted({r.cpu for r in rows} | set(range(len(cpu_names))))
    ncol = max(1, len(cpus))
    colw = max(24, (width - 3) // ncol - 2)
    col = {c: i for i, c in enumerate(cpus)}
    lines = ["   " + "  ".join(_fit(f"CPU {c} ({cpu_names[c]})" if c < len(cpu_names)
                                       else f"CPU {c}", "", colw).ljust(colw) for c in cpus)]
    lines.append("   " + "  ".join("-" * colw for _ in cpus))
    for r in rows:
        cells = [""] * ncol
        num = f"{r.line:>3}: " if r.line else "     "
        cells[col[r.cpu]] = _fit(num + r.text, r.suffix, colw)
        lines.append(("=> " if r.mark else "   ") + "  ".join(c.ljust(colw) for c in cells)
                     .rstrip())
    return "\n".join(line.rstrip() for line in lines)


def _fit(code: str, suffix: str, w: int) -> str:
    """``code + suffix`` in ``w`` columns, cutting the code (never the value) if need be."""
    if len(code) + len(suffix) <= w:
        return code + suffix
    room = max(8, w - len(suffix))
    return (code[: room - 3] + "..." + suffix)[:w]
