"""Independent oracles for the analyses: brute force (tests/candidates.py) on litmus
text, and the text edits a reviewer would make by hand (remove a fence, weaken or
strengthen an access, insert smp_mb()), so that the runtime's per-site changes are
checked against rewritten sources."""

from __future__ import annotations

import re

from smpcheck.analyses.fix import ACQUIRE, MB, RELEASE, Change
from smpcheck.graph.final import final_state
from smpcheck.graph.graph import ExecutionGraph, Locations
from smpcheck.graph.view import View
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import translate
from smpcheck.model.model import Model
from smpcheck.models import get_model
from tests.support.candidates import CandidateLimit, _all_traces, _Budget, _combos, _graphs

__all__ = ["CandidateLimit", "brute_graphs", "observation", "weaken_text", "change_text"]


def brute_graphs(model: Model, mm_name: str, limit: int = 40000) -> list[ExecutionGraph]:
    """Every consistent execution, by brute force (CandidateLimit when too many)."""
    mm = get_model(mm_name)
    budget = _Budget(limit)
    locs = Locations()
    out = []
    for combo in _combos(_all_traces(model, locs, budget), locs, budget):
        for g in _graphs(combo, locs, budget):
            budget.spend()
            if mm.inconsistency(View(g)) is None:
                out.append(g)
    return out


def observation(text: str, mm: str) -> str:
    """herd's Observation of a litmus test by brute force."""
    test = parse_litmus(text, "oracle.litmus")
    model, names = translate(test, text)
    cond = model.condition
    assert cond is not None
    sat = [cond.holds_in(final_state(g, model, names)) for g in brute_graphs(model, mm)]
    if not any(sat):
        return "Never"
    return "Always" if all(sat) else "Sometimes"


_LVALUE_CALL = r"{name}\(\*(\w+)\)"


def weaken_text(text: str, line: int, primitive: str, weakened_to: str) -> str:
    """The litmus text with the site at ``line`` weakened by hand."""
    lines = text.split("\n")
    s = lines[line - 1]
    if weakened_to == "(removed)":
        s = s.replace(f"{primitive}();", "")
    elif primitive == "smp_load_acquire":
        s = re.sub(r"smp_load_acquire\((\w+)\)", r"READ_ONCE(*\1)", s)
    elif primitive in ("smp_store_release", "rcu_assign_pointer"):
        s = re.sub(rf"{primitive}\(\*?(\w+), ", r"WRITE_ONCE(*\1, ", s)
    elif weakened_to == "plain load":
        s = re.sub(rf"{primitive}\(\*(\w+)\)", r"*\1", s)
    elif weakened_to == "plain store":
        s = re.sub(r"WRITE_ONCE\(\*(\w+), (.*)\);", r"*\1 = \2;", s)
    else:
        s = s.replace(f"{primitive}(", f"{weakened_to}(")
    assert s != lines[line - 1], (line, primitive, weakened_to, s)
    lines[line - 1] = s
    return "\n".join(lines)


def change_text(text: str, changes: tuple[Change, ...]) -> str:
    """The litmus text with ``changes`` made by hand (each on its own line)."""
    lines = text.split("\n")
    for c in changes:
        s = lines[c.site.line - 1]
        if c.kind in (MB, "smp_rmb", "smp_wmb"):
            s = re.sub(r"^(\s*)", rf"\1{c.kind}(); ", s, count=1)
        elif c.kind == ACQUIRE:
            s = re.sub(r"(READ_ONCE|rcu_dereference)\(\*(\w+)\)", r"smp_load_acquire(\2)", s)
            s = re.sub(r"= \*(\w+);", r"= smp_load_acquire(\1);", s)
        elif c.kind == RELEASE:
            s = re.sub(r"WRITE_ONCE\(\*(\w+), (.*)\);", r"smp_store_release(\1, \2);", s)
            s = re.sub(r"^(\s*)\*(\w+) = (.*);", r"\1smp_store_release(\2, \3);", s)
        assert s != lines[c.site.line - 1], (c, s)
        lines[c.site.line - 1] = s
    return "\n".join(lines)
