"""The HTML report (``--html FILE``): one self-contained page per command.

The page has no script, no font, no image and no link to fetch: a style sheet and
inline SVG only, and a Content-Security-Policy that forbids the browser anything
else, so it opens the same offline, in a mail archive or a CI artifact.  Each
counterexample is drawn as the CPU-column table is printed (one lane per CPU,
time flowing down, the rows of :func:`~smpcheck.report.table.rows_for`), with

* arrows for reads-from (``rf``, write to the read that takes its value), coherence
  (``co``, a write to the next write of the same location) and from-read (``fr``, a
  read to the write that overwrites the value it read); a read of an initial value has
  no ``rf`` arrow;
* the free (``kfree``, or the poison it writes) and the accesses the finding is about
  marked in red, each badged ``free`` or ``access``;
* each event's source line (``file:line`` on hover) and the function it is in.

Above the drawing: the verdict, the finding, the bound a verdict covers, or what cut
the run short.  Every name and message from the input is escaped
(:func:`html.escape`, quotes too), after :func:`smpcheck.text.printable`.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.model import Model
from smpcheck.model.objects import is_poison
from smpcheck.model.values import EventId
from smpcheck.models.base import MemoryModel
from smpcheck.report.kasan import kasan_lines
from smpcheck.report.limits import Options, incomplete_lines
from smpcheck.report.table import Row, rows_for
from smpcheck.report.text import summary_line, verdict_text
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Result, Status
from smpcheck.text import printable

if TYPE_CHECKING:
    from smpcheck.litmus.run import LitmusRun

LANE = 430     # width of a CPU's lane (px)
GAP = 70       # between lanes, where arrows run
LEFT = 36      # room for the => marks
CHAR = 7.2     # width of a character of the 12 px monospace text
LINE = 16      # height of a line of text
PAD = 6        # inside a box
TOP = 44       # the lane headers

COLORS = {"rf": "#1b7f3b", "co": "#1f5fbf", "fr": "#c26a00"}


def esc(text: object) -> str:
    """Text from the input, safe in HTML text and attribute values."""
    return html.escape(printable(str(text)), quote=True)


@dataclass
class Section:
    """One check on the page: a heading, its verdict lines, and the execution shown."""

    heading: str
    verdict: str
    lines: list[str] = field(default_factory=list)  # the finding, or herd's block
    violation: Violation | None = None
    mm: MemoryModel | None = None
    cpu_names: Sequence[str] = ()
    caption: str = ""
    notes: list[str] = field(default_factory=list)  # under the drawing: KASAN, numbers


def page(title: str, sections: Sequence[Section]) -> str:
    """The whole page."""
    body = "\n".join(_section(s) for s in sections)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n{_CSP}\n"
            f"<title>{esc(title)}</title>\n<style>{_STYLE}</style></head>\n<body>\n"
            f"<h1>{esc(title)}</h1>\n{body}\n{_LEGEND}\n</body></html>\n")


def _section(s: Section) -> str:
    verdict_class = s.verdict.split()[0].strip(",") if s.verdict else ""
    out = [f"<section><h2>{esc(s.heading)}: <span class=\"v-{esc(verdict_class)}\">"
           f"{esc(s.verdict)}</span></h2>"]
    out.append(_pre(s.lines))
    if s.violation is not None and s.mm is not None:
        rows = rows_for(s.violation, s.mm)
        if rows:
            if s.caption:
                out.append(f"<p class=\"caption\">{esc(s.caption)}</p>")
            out.append(lanes_svg(rows, list(s.cpu_names), s.violation))
    out.append(_pre(s.notes))
    out.append("</section>")
    return "\n".join(out)


def _pre(lines: Sequence[str]) -> str:
    """Lines of the report as they print (escaped), or nothing."""
    return ("<pre>" + "\n".join(esc(line) for line in lines) + "</pre>") if lines else ""


@dataclass
class _Box:
    row: Row
    x: float
    y: float
    h: float
    lines: list[str]


def lanes_svg(rows: list[Row], cpu_names: list[str], v: Violation) -> str:
    """The execution as lanes of boxes with rf, co and fr arrows."""
    cpus = sorted({r.cpu for r in rows} | set(range(len(cpu_names))))
    lane_x = {c: LEFT + i * (LANE + GAP) for i, c in enumerate(cpus)}
    width = LEFT + len(cpus) * (LANE + GAP)
    per_line = int((LANE - 2 * PAD) / CHAR)
    parts: list[str] = []
    boxes: list[_Box] = []
    y = float(TOP)
    where: dict[int, str] = {}
    for r in rows:
        if r.func and where.get(r.cpu) != r.func:
            where[r.cpu] = r.func
            parts.append(f"<text class=\"func\" x=\"{lane_x[r.cpu] + 2}\" y=\"{y + 12}\">"
                         f"{esc(r.func)}():</text>")
            y += LINE + 2
        num = f"{r.line:>3}: " if r.line else ""
        lines = textwrap.wrap(num + r.full, per_line, subsequent_indent="       ",
                              break_on_hyphens=False) or [""]
        h = len(lines) * LINE + 2 * PAD
        boxes.append(_Box(r, lane_x[r.cpu], y, h, lines))
        y += h + 6
    height = int(y + 20)
    heads = [f"<text class=\"cpu\" x=\"{lane_x[c] + 2}\" y=\"20\">"
             f"{esc(f'CPU {c} ({cpu_names[c]})' if c < len(cpu_names) else f'CPU {c}')}</text>"
             f"<line class=\"lane\" x1=\"{lane_x[c] + LANE / 2}\" y1=\"28\" "
             f"x2=\"{lane_x[c] + LANE / 2}\" y2=\"{height - 4}\"/>" for c in cpus]
    drawn = [_box(b, v) for b in boxes]
    arrows = _arrows(boxes, v.graph) if v.graph is not None else []
    return (f"<svg width=\"{width}\" height=\"{height}\" "
            f"viewBox=\"0 0 {width} {height}\" role=\"img\">{_DEFS}"
            + "".join(heads) + "".join(parts) + "".join(drawn) + "".join(arrows) + "</svg>")


def _box(b: _Box, v: Violation) -> str:
    r = b.row
    role = _role(r, v)
    cls = "box" + (f" {role}" if role else "") + (" visible" if r.kind == "visible" else "")
    tip = f"{r.path}:{r.line}" if r.path and r.line else r.kind
    text = "".join(f"<tspan x=\"{b.x + PAD}\" dy=\"{LINE if k else 0}\">{esc(line)}</tspan>"
                   for k, line in enumerate(b.lines))
    out = (f"<g class=\"{cls}\"><title>{esc(tip)}</title>"
           f"<rect x=\"{b.x}\" y=\"{b.y}\" width=\"{LANE}\" height=\"{b.h}\" rx=\"4\"/>"
           f"<text x=\"{b.x + PAD}\" y=\"{b.y + PAD + 11}\">{text}</text>")
    if role:
        out += (f"<text class=\"mark\" x=\"4\" y=\"{b.y + PAD + 11}\">=&gt;</text>"
                f"<text class=\"badge\" x=\"{b.x + LANE - 4}\" y=\"{b.y + 12}\" "
                f"text-anchor=\"end\">{role}</text>")
    return out + "</g>"


def _role(r: Row, v: Violation) -> str:
    """``free`` for the free the finding is about, ``access`` for its other marked
    events, else nothing."""
    if not r.mark:
        return ""
    if r.kind == "D" or (r.kind == "W" and is_poison(r.value)):
        return "free"
    return "access"


def _arrows(boxes: list[_Box], g: ExecutionGraph) -> list[str]:
    """rf, co and fr between the boxes shown (an RMW's write is its read's box)."""
    at: dict[EventId, _Box] = {}
    for b in boxes:
        e = b.row.event
        if e is None or b.row.kind == "visible" or e in at:
            continue
        at[e] = b
        ev = g.event(e) if g.has(e) else None
        if ev is not None and ev.rmw and ev.kind == "R" and g.has((e[0], e[1] + 1)):
            at.setdefault((e[0], e[1] + 1), b)
    out: list[str] = []
    for e, b in list(at.items()):
        if not g.has(e):
            continue
        ev = g.event(e)
        if ev.kind == "R" and e in g.rf:
            src = g.rf[e]
            if src in at and at[src] is not b:
                out.append(_arrow(at[src], b, "rf"))
            later = g.co_after(src) if ev.loc is not None else []
            if later and later[0] in at and at[later[0]] is not b:
                out.append(_arrow(b, at[later[0]], "fr"))
        elif ev.kind == "W" and ev.loc is not None:
            later = g.co_after(e)
            if later and later[0] in at and at[later[0]] is not b:
                out.append(_arrow(b, at[later[0]], "co"))
    return out


def _arrow(a: _Box, b: _Box, kind: str) -> str:
    """A curve from box ``a`` to box ``b``: between lanes from edge to edge, within a
    lane bowed out to its right."""
    y1, y2 = a.y + a.h / 2, b.y + b.h / 2
    if a.x == b.x:
        x = a.x + LANE
        bow = x + 16 + min(44.0, abs(y2 - y1) / 5)
        d = f"M{x},{y1} C{bow},{y1} {bow},{y2} {x},{y2}"
    elif a.x < b.x:
        x1, x2 = a.x + LANE, b.x
        d = f"M{x1},{y1} C{x1 + GAP},{y1} {x2 - GAP},{y2} {x2},{y2}"
    else:
        x1, x2 = a.x, b.x + LANE
        d = f"M{x1},{y1} C{x1 - GAP},{y1} {x2 + GAP},{y2} {x2},{y2}"
    return (f"<path class=\"{kind}\" d=\"{d}\" marker-end=\"url(#head-{kind})\">"
            f"<title>{kind}</title></path>")


# (the browser itself refuses any script, any fetch, any frame: the page needs none)
_CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">")

_DEFS = "<defs>" + "".join(
    f"<marker id=\"head-{k}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
    f"markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
    f"fill=\"{c}\"/></marker>" for k, c in COLORS.items()) + "</defs>"

_LEGEND = ("<p class=\"legend\"><span class=\"rf\">rf</span>: reads-from (a write to the "
           "read that takes its value) &middot; <span class=\"co\">co</span>: coherence "
           "(the next write to the location) &middot; <span class=\"fr\">fr</span>: "
           "from-read (a read to the write that overwrites what it read) &middot; red: the "
           "free and the accesses the finding is about. Time flows down each CPU's lane.</p>")

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d1d1d; background: #fff; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
pre { font: 13px/1.45 monospace; white-space: pre-wrap; margin: .4em 0; }
.v-violation { color: #b3261e; } .v-safe { color: #1b7f3b; } .v-incomplete { color: #8a6d00; }
svg { display: block; margin-top: .8em; }
svg text { font: 12px monospace; fill: #1d1d1d; white-space: pre; }
svg text.cpu { font: bold 14px system-ui, sans-serif; }
svg text.func { fill: #666; font-style: italic; }
svg line.lane { stroke: #ddd; stroke-dasharray: 4 4; }
g.box rect { fill: #f6f8fa; stroke: #c8ccd0; }
g.box.visible rect { fill: #fff; stroke-dasharray: 3 3; }
g.box.free rect, g.box.access rect { fill: #fde7e5; stroke: #b3261e; stroke-width: 2; }
svg text.mark, svg text.badge { fill: #b3261e; font-weight: bold; }
path.rf, path.co, path.fr { fill: none; stroke-width: 1.6; opacity: .85; }
path.rf { stroke: #1b7f3b; } path.co { stroke: #1f5fbf; stroke-dasharray: 6 3; }
path.fr { stroke: #c26a00; stroke-dasharray: 2 3; }
.legend { margin-top: 2em; color: #444; }
.legend .rf { color: #1b7f3b; } .legend .co { color: #1f5fbf; } .legend .fr { color: #c26a00; }
"""


def result_sections(result: Result, model: Model, mm: MemoryModel, options: Options,
                    all_findings: bool = False) -> list[Section]:
    """A check's sections (``smpcheck check``, ``kvm check``): the verdict and numbers,
    and each finding shown (the first, or every one with ``all_findings``)."""
    heading = f"{model.name} under {mm.name}"
    numbers = [summary_line(result), *incomplete_lines(result, options)]
    if result.verdict == Status.SAFE and result.bound:
        numbers.append(f"every execution of this bounded configuration was checked: "
                       f"{result.bound}")
    elif result.bound:
        numbers.append(f"bound: {result.bound}")
    shown = result.violations if all_findings else result.violations[:1]
    if not shown:
        return [Section(heading, verdict_text(result), numbers)]
    return [violation_section(v, model, mm, verdict_text(result), numbers) for v in shown]


def violation_section(v: Violation, model: Model, mm: MemoryModel, verdict: str,
                      numbers: Sequence[str] = ()) -> Section:
    """One finding drawn: its message above, its KASAN blocks and ``numbers`` below."""
    order = [r.event for r in rows_for(v, mm)]
    return Section(f"{model.name} under {mm.name}", verdict,
                   [f"{v.kind.value}: {v.message}" + (f" ({v.src})" if v.src else "")],
                   v, mm, model.cpu_names,
                   notes=[*kasan_lines(v, model.cpu_names, 10_000, order), *numbers])


def litmus_sections(runs: Sequence[LitmusRun], options: Options) -> list[Section]:
    """A litmus command's sections: herd7's block for each run and an execution that
    satisfies the condition's proposition (else one that does not)."""
    from smpcheck.litmus.translate import render_prop
    from smpcheck.models import get_model
    from smpcheck.report.herd import herd_text

    out = []
    for run in runs:
        verdict = run.verdict or "incomplete, no verdict"
        section = Section(f"{run.test.name} under {run.mm}", verdict,
                          herd_text(run, options).splitlines())
        states = [s for s in run.sorted_states() if s in run.witnesses]
        pick = [s for s in states if run.satisfies(s)] or states
        if pick:
            prop = render_prop(run.test.condition.prop)
            holds = "holds" if run.satisfies(pick[0]) else "does not hold"
            section.caption = (f"An execution under {run.mm} where {prop} {holds} "
                               f"({run.show_state(pick[0])}):")
            section.violation = Violation(Kind.CONDITION, "", None, None,
                                          run.witnesses[pick[0]])
            section.mm = get_model(run.mm)
            section.cpu_names = run.model.cpu_names
        out.append(section)
    return out


def check_writable(path: str | None) -> None:
    """Before a run: a usage error if ``--html FILE`` cannot be written (its directory
    is missing, or it is a directory), so that no check runs for nothing."""
    import os

    from smpcheck.errors import UsageError

    if path is None:
        return
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise UsageError(f"--html: {path} is a directory (give a file name)")
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise UsageError(f"--html: cannot write {path}: no writable directory {folder}")


def write_page(path: str, title: str, sections: Sequence[Section]) -> None:
    """Write the page to ``path``; a usage error if it cannot be written."""
    from smpcheck.errors import UsageError

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page(title, sections))
    except OSError as exc:
        raise UsageError(f"--html: cannot write {path}: {exc.strerror}") from None


__all__ = ["Section", "check_writable", "esc", "lanes_svg", "litmus_sections", "page",
           "result_sections", "violation_section", "write_page"]
