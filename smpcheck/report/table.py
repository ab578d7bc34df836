"""The CPU-column table: one column per CPU, one row per step, time flowing down.

This is the layout reviewers draw by hand in mail.  Each cell is the model's
source line (with its line number) and the value read or written, e.g.
``12: r = READ_ONCE(being_unmapped_rmap)  -> NULL`` for a load and
``13: WRITE_ONCE(kvm->gp, p)  <- foo@P0:0`` for a store whose code does not end
with the value.  Under x86-TSO a store the CPU buffers is noted ``(buffered)``
and a row ``(x = 1 reaches memory)`` says when it drains.  The rows that matter
to the finding are marked ``=>``.  Two CPUs fit in 80 columns.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from typing import Any

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.model.objects import Ref, is_poison
from smpcheck.model.values import EventId
from smpcheck.models.base import MemoryModel, Step
from smpcheck.report.cform import c_form, module_globals, show_int
from smpcheck.results.findings import Violation
from smpcheck.text import printable_block


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
    suffix: str = ""  # what it read or wrote
    func: str = ""    # the function the line is in
    loc: str | None = None  # the location read or written

    @property
    def full(self) -> str:
        return self.text + self.suffix


def show(value: Any) -> str:
    """A value as the table prints it: pointers by name, NULL, ints."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) and not is_poison(value):
        return show_int(value)
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
    notes = _hints(v, view, mm)
    focus = {g.event(e).loc for e in v.events if g.has(e)} - {None}
    error = None
    if v.src is not None and v.cpu is not None and not v.events:
        error = Row(v.cpu, v.src.text, v.src.line, v.src.path, mark=True, kind="error",
                    note=v.message)
    for i, step in enumerate(steps):
        if _hidden(g, step.event, focus):
            continue
        if error is not None and _stop_of(step.event, v.cpu):  # (its CPU stopped there,
            rows.append(error)                               # others went on: judged later)
            error = None
            continue
        row = _row(g, step, steps[i - 1] if i else None)
        if row is not None:
            row.mark = step.event.id in v.events and not step.visible
            if not step.visible and step.event.id in notes:
                row.mark = True
                row.suffix += f"  ({notes[step.event.id]})"
            rows.append(row)
    if error is not None:
        rows.append(error)
    return rows


def _stop_of(ev: Event, cpu: int | None) -> bool:
    """Whether ``ev`` is where CPU ``cpu`` stopped alone at its error."""
    return ev.kind == "E" and ev.tid == cpu and bool(ev.extra.get("stopped"))


def _hidden(g: ExecutionGraph, ev: Event, focus: set[Any]) -> bool:
    """kfree's POISON stores are shown for the locations the finding is about (``focus``),
    and then stand for their kfree; else the kfree's row stands for them."""
    if ev.kind == "W" and is_poison(ev.value):
        return ev.loc not in focus
    return ev.kind == "D" and any(
        p is not None and p.loc is not None and p.loc in focus and p.loc.obj is ev.obj
        and is_poison(p.value) for p in g.threads[ev.tid][:ev.idx])


def _hints(v: Violation, view: View, mm: MemoryModel) -> dict[EventId, str]:
    """Where a barrier forbids this execution (checked on it, :mod:`smpcheck.analyses.hints`);
    for models without that search, what the model says is missing."""
    from smpcheck.analyses.hints import barrier_hints

    found = barrier_hints(v, mm.name)
    return _missing_order(v, view, mm) if found is None else found


def _missing_order(v: Violation, view: View, mm: MemoryModel) -> dict[EventId, str]:
    """For each marked access: what the model says is missing between it and the
    access before it on its CPU (to another location)."""
    pairs = []
    for e in v.events:
        if e not in view.index:
            continue
        ev = view.events[view.index[e]]
        if not ev.is_access:
            continue
        prev = [x for x in view.g.threads[ev.tid][: ev.idx] if x is not None and x.is_access
                and not (x.rmw and x.kind == "W")]
        if prev and prev[-1].loc != ev.loc:
            pairs.append((view.index[prev[-1].id], view.index[e]))
    found = mm.missing_order(view, pairs)
    return {view.events[b].id: note for (_, b), note in found.items()}


def _preferred_order(v: Violation, view: View) -> list[tuple[int, int]]:
    """Show a use-after-free's access after the free when the execution allows it."""
    if len(v.events) == 2 and all(e in view.index for e in v.events):
        a, b = (view.index[e] for e in v.events)
        if view.events[b].kind == "D" or is_poison(view.events[b].value):
            return [(b, a)]
    return []


def _row(g: ExecutionGraph, step: Step, prev: Step | None) -> Row | None:
    ev = step.event
    src = ev.src
    text = _code(src.path, src.text) or ev.op
    if step.visible:
        return Row(ev.tid, f"({ev.loc} = {show(ev.value)} reaches memory)", None, None,
                   event=ev.id, kind="visible", value=ev.value, loc=str(ev.loc))
    if ev.kind in "EN" or (ev.kind == "C" and not ev.value):
        return _stop_row(ev)
    if ev.kind == "C":
        return Row(ev.tid, "(interrupt)", None, None, event=ev.id, kind="C")
    if ev.kind == "W" and ev.rmw and prev is not None and prev.event.id == (ev.tid, ev.idx - 1):
        return None  # shown with its read
    row = Row(ev.tid, text, src.line or None, src.path, event=ev.id, kind=ev.kind,
              note=step.note, func=src.func, loc=None if ev.loc is None else str(ev.loc))
    if ev.kind == "R":
        row.value = g.read_value(ev.id)
        row.suffix = f"  -> {show(row.value)}"
    elif ev.kind == "W":
        row.value = ev.value
        shown = show(ev.value)
        if ev.rmw:
            row.text = f"({ev.loc} = {shown} written)"
        elif not states_value(text, shown):
            row.suffix = f"  <- {shown}"
    elif ev.kind == "A":
        row.suffix = f"  -> {ev.obj}"
    elif ev.kind == "B":
        row.text = "(waits here forever)" if ev.extra.get("stuck") else "(waits here)"
    if step.note:
        row.suffix += f"  ({step.note})"
    return row


def _stop_row(ev: Event) -> Row | None:
    """Where a CPU stopped alone, at a bound or at its error under --all (another CPU's
    counterexample may hold it); None for any other end."""
    if not ev.extra.get("stopped"):
        return None
    what = "a bound" if ev.extra.get("cut") else "its error"
    return Row(ev.tid, f"(stops here: {what})", ev.src.line or None, ev.src.path,
               event=ev.id, kind="E")


def _code(path: str | None, line: str) -> str:
    """A Python model's source line in C form (:mod:`.cform`); other lines (a litmus
    test's C) as they are."""
    code = code_of(line)
    if path is None or not path.endswith(".py"):
        return code
    return c_form(code, module_globals(path))


def code_of(line: str) -> str:
    """A source line without its trailing comment."""
    if "#" not in line:
        return line
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError):
        return line
    for tok in toks:
        if tok.type == tokenize.COMMENT:
            return line[: tok.start[1]].rstrip()
    return line


def states_value(code: str, shown: str) -> bool:
    """Whether a store's code ends with the value it stores (``WRITE_ONCE(x, 1)``,
    ``p.a = 1``), so that the row need not repeat it."""
    return code.endswith((f", {shown})", f"= {shown}"))


def render_table(rows: list[Row], cpu_names: list[str], width: int = 80) -> str:
    """Lay rows out in CPU columns; columns share ``width`` (at least 24 each).

    A cell too long for its column wraps onto continuation lines rather than losing
    text (:func:`_wrap`: never inside a name).  A CPU's column names the function its
    rows are in, ``drop_spte():``, whenever it is not the CPU's own (the heading's)."""
    cpus = sorted({r.cpu for r in rows} | set(range(len(cpu_names))))
    ncol = max(1, len(cpus))
    colw = max(24, (width - 3 - 2 * (ncol - 1)) // ncol)
    col = {c: i for i, c in enumerate(cpus)}
    lines = ["   " + "  ".join(_fit(f"CPU {c} ({cpu_names[c]})" if c < len(cpu_names)
                                       else f"CPU {c}", colw).ljust(colw) for c in cpus)]
    lines.append("   " + "  ".join("-" * colw for _ in cpus))
    where: dict[int, str] = {}

    def emit(cpu: int, text: str, mark: bool) -> None:
        for k, part in enumerate(_wrap(text, colw)):
            cells = [""] * ncol
            cells[col[cpu]] = part
            lead = "=> " if mark and k == 0 else "   "
            lines.append(lead + "  ".join(c.ljust(colw) for c in cells).rstrip())

    for r in rows:
        own = cpu_names[r.cpu] if r.cpu < len(cpu_names) else None
        if r.func and r.line and where.get(r.cpu, own) != r.func:
            where[r.cpu] = r.func
            emit(r.cpu, f"{r.func}():", False)
        num = f"{r.line:>3}: " if r.line else "     "
        emit(r.cpu, num + r.full, r.mark)
    return printable_block("\n".join(line.rstrip() for line in lines))


def _fit(text: str, w: int) -> str:
    """``text`` in ``w`` columns, ending in an ellipsis when it is cut."""
    return text if len(text) <= w else text[: w - 1] + "\u2026"


def _wrap(text: str, w: int) -> list[str]:
    """``text`` in lines of at most ``w`` columns, continuations indented: broken at a
    space where one fits, else after punctuation, never inside a name or a number; a
    name longer than a whole line is split with an ellipsis at each cut."""
    indent = "       "
    atoms = _atoms(text)
    lines: list[str] = []
    cur = ""
    for atom in atoms:
        room = w - len(cur)
        if len(atom) <= room or (not cur.strip() and atom.isspace() and not lines):
            cur += atom
            continue
        if atom.isspace():
            lines.append(cur.rstrip())
            cur = indent
            continue
        if cur.strip() and len(indent) + len(atom) <= w:
            cur = _break(cur, lines, indent, w, atom)
            continue
        while len(cur) + len(atom) > w:  # (a name longer than a line: cut, marked)
            take = w - len(cur) - 1
            if take < 1:
                lines.append(cur.rstrip())
                cur = indent
                continue
            lines.append(cur + atom[:take] + "\u2026")
            cur, atom = indent + "\u2026", atom[take:]
        cur += atom
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


def _atoms(text: str) -> list[str]:
    """Names and numbers whole, runs of spaces, and each other character alone."""
    import re

    return re.findall(r"\w+|\s+|.", text.rstrip())


def _break(cur: str, lines: list[str], indent: str, w: int, atom: str) -> str:
    """End the line ``cur`` before ``atom`` where what follows fits the next line with
    ``atom``: at a space at least half way along, else after a ``(``, ``[`` or ``,``
    that far, else at any space, else where it is; the new line's text."""
    first = len(indent) if lines else 0
    cuts = [i for i in range(first + 1, len(cur) + 1) if cur[i - 1] in " ([,"]
    fits = [i for i in cuts if len(indent) + len(cur[i:].lstrip()) + len(atom) <= w]
    good = [i for i in fits if len(cur[:i].rstrip()) >= w // 2]
    spaces = [i for i in fits if cur[i - 1] == " " and cur[:i].strip()]
    good_spaces = [i for i in good if i in spaces]
    cut = (good_spaces or good or spaces or [len(cur)])[-1]
    lines.append(cur[:cut].rstrip())
    return indent + cur[cut:].lstrip() + atom
