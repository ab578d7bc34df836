"""The final clause of a C model: ``exists``, ``~exists`` or ``forall`` (with an
optional ``filter`` and ``locations``) after the code, in herd's syntax.

It is read by the litmus front end's own parser.  Beyond herd's plain names a C
model's clause may name members and elements of globals (``s.f``, ``a[1]``,
``kvm.arch.x``), as the report names those locations.
"""

from __future__ import annotations

import re
from typing import Any

from smpcheck.c.layout import field_name
from smpcheck.model.model import Condition, FinalState
from smpcheck.model.objects import render_path

__all__ = ["condition_args", "split_clause"]

_CLAUSE = re.compile(r"^[ \t]*(~[ \t]*exists|exists|forall|filter|locations)\b", re.MULTILINE)
_PATH = re.compile(r"(?<![\w:.\]])([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[\d+\])+)")


def split_clause(text: str) -> tuple[str, str, int]:
    """The code, the final clause (``exists``, ``forall``... to the end) and its line.
    The clause starts at the first such word opening a line outside any brace."""
    depth = 0
    for m in _CLAUSE.finditer(text):
        before = text[:m.start()]
        stripped = re.sub(r"/\*.*?\*/|//[^\n]*", "", before, flags=re.DOTALL)
        depth = stripped.count("{") - stripped.count("}")
        if depth == 0:
            return before, text[m.start():], before.count("\n") + 1
    return text, "", 0


def condition_args(clause: str, line: int, path: str) -> dict[str, Any]:
    """The Model arguments of the final clause (herd's syntax, as in a litmus test)."""
    if not clause.strip():
        return {}
    from smpcheck.litmus.parse_common import _FileParser
    from smpcheck.model.propositions import predicate

    aliases: dict[str, str] = {}
    parser = _FileParser("\n" * (line - 1) + _alias_paths(clause, aliases), path)
    _locations, filt, cond = parser._tail("")
    out: dict[str, Any] = {}
    text = " ".join(x.strip() for x in clause.strip().splitlines())

    def test(prop: Any) -> Any:
        holds = predicate(prop, path)
        return lambda s: holds(_Aliased(s, aliases))  # type: ignore[arg-type]

    if cond is not None:
        q = cond.quantifier
        key = {"exists": "exists", "~exists": "not_exists", "forall": "forall"}[q]
        shown = re.sub(r"^.*?\b(exists|forall)\b\s*", "", text.split("filter")[-1]
                       if filt is not None else text)
        shown = _unwrap(shown.rstrip(";").strip())
        out[key] = shown
        check = test(cond.prop)
        # (a condition given as text has its locations marked in reports: only names
        # herd's parser reads, so not with member or element paths)
        out["compiled"] = Condition(q, check, shown, check if aliases else shown)
    if filt is not None:
        out["filter"] = "filter"
        out["compiled_filter"] = Condition("filter", test(filt), "filter", "filter")
    return out


def _alias_paths(clause: str, aliases: dict[str, str]) -> str:
    """``clause`` with each member or element path (``a[1].f``) replaced by a plain
    name herd's parser reads; ``aliases`` maps those names to the locations' names."""
    def alias(m: re.Match[str]) -> str:
        parts: list[str | int] = [int(p[1:-1]) if p.startswith("[") else field_name(p[1:])
                                  for p in re.findall(r"\.\w+|\[\d+\]", m.group(2))]
        name = f"_c_loc{len(aliases)}"
        aliases[name] = render_path(m.group(1), tuple(parts))
        return name

    return _PATH.sub(alias, clause)


class _Aliased:
    """A final state whose memory is also read by the aliases of :func:`_alias_paths`."""

    def __init__(self, state: FinalState, aliases: dict[str, str]) -> None:
        self.state = state
        self.aliases = aliases

    def mem(self, name: str) -> Any:
        return self.state.mem(self.aliases.get(name, name))

    def reg(self, cpu: int, name: str) -> Any:
        return self.state.reg(cpu, name)


def _unwrap(text: str) -> str:
    """``text`` without parentheses around all of it (the report adds its own)."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and k < len(text) - 1:
            return text
    return text[1:-1].strip()
