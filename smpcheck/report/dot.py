"""Execution graphs as Graphviz DOT, for herd's ``-show`` / ``-gv``.

One cluster per CPU with its events top to bottom (``a: Wx=1 [ONCE]``),
program order between consecutive events, and the communication relations
herd draws: ``rf`` (red), ``co`` (blue, immediate edges only), ``fr``
(orange).  Initial writes are left out, as the kernel's ``linux-kernel.cfg``
asks (``showinitwrites false``); reads from them are labelled ``=0 (init)``.
Every string taken from the test (its name, labels) is escaped
(:func:`smpcheck.text.dot_string`): it can end neither a string nor the graph.
"""

from __future__ import annotations

from smpcheck.graph.events import Event
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.relation import Rel
from smpcheck.graph.view import View
from smpcheck.text import dot_string

_SHOWN_TAGS = ("ONCE", "RELEASE", "ACQUIRE", "MB", "NORETURN", "LKR", "LKW", "UL", "LF",
               "RL", "RU", "srcu-lock", "srcu-unlock")


def _name(i: int) -> str:
    """herd's event names: a, b, ..., z, a1, b1, ..."""
    letter = chr(ord("a") + i % 26)
    return letter if i < 26 else f"{letter}{i // 26}"


def _label(ev: Event, value: object) -> str:
    tags = [t for t in sorted(ev.tags) if t in _SHOWN_TAGS or ev.kind == "F"]
    shown = f"[{','.join(tags)}]" if tags else ""
    if ev.kind == "F":
        return f"F{shown}"
    return f"{ev.kind}{shown}{ev.loc}={value}"


def _immediate(rel: Rel) -> Rel:
    return rel - rel.seq(rel)


def execution_dot(g: ExecutionGraph, title: str, index: int = 0) -> str:
    """The DOT text of one execution (``index`` numbers the executions of a test)."""
    view = View(g)
    title = dot_string(title)
    lines = [f'digraph "{title}-{index}" {{', f'  label="{title} (execution {index})";',
             "  node [shape=none, fontsize=10]; edge [fontsize=9];"]
    shown = [i for i, ev in enumerate(view.events) if not ev.is_init]
    names = {i: _name(k) for k, i in enumerate(shown)}
    by_cpu: dict[int, list[int]] = {}
    for i in shown:
        by_cpu.setdefault(view.events[i].tid, []).append(i)
    for cpu, evs in sorted(by_cpu.items()):
        lines.append(f'  subgraph cluster_P{cpu} {{ label="P{cpu}";')
        for i in evs:
            ev = view.events[i]
            label = dot_string(f"{names[i]}: {_label(ev, _value(view, i))}")
            lines.append(f'    e{i} [label="{label}"];')
        lines += [f"    e{a} -> e{b} [label=po];" for a, b in zip(evs, evs[1:], strict=False)]
        lines.append("  }")
    visible = set(shown)
    for rel, label, color in ((view.rf, "rf", "red"), (_immediate(view.co), "co", "blue"),
                              (view.fr, "fr", "orange")):
        for a, b in rel.pairs():
            if a in visible and b in visible:
                lines.append(f'  e{a} -> e{b} [label={label}, color={color}, '
                             f'fontcolor={color}];')
    lines.append("}")
    return "\n".join(lines)


def _value(view: View, i: int) -> object:
    ev = view.events[i]
    if ev.kind != "R":
        return ev.value
    src = view.g.rf.get(ev.id)
    if src is None or src not in view.index:
        return "?"
    w = view.events[view.index[src]]
    return f"{w.value} (init)" if w.is_init else w.value
