"""ExecutionGraph.validate() on every complete execution the explorer builds, and
validate() itself failing on graphs that break its invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from smpcheck import verify
from smpcheck.errors import InternalError
from smpcheck.explore.checks import Checker
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import translate
from smpcheck.results.result import Result
from tests.support.programs import as_model, programs


class Validating:
    """A judge that validates each complete graph before the checker sees it."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.graphs: list[ExecutionGraph] = []

    def __call__(self, g: ExecutionGraph, result: Result) -> None:
        g.validate()
        self.graphs.append(g.copy())
        self.checker(g, result)

    def reset(self) -> None:
        self.checker.reset()


def explore(prog: list[Any], mm: str) -> list[ExecutionGraph]:
    judges: list[Validating] = []

    def judge(checker: Checker) -> Validating:
        judges.append(Validating(checker))
        return judges[-1]

    model, names = as_model(prog)
    result = verify(model, names, mm, judge=judge)
    assert result.executions == 0 or judges[0].graphs
    return judges[0].graphs


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
@settings(max_examples=25, deadline=None)
@given(prog=programs())
def test_every_complete_graph_is_valid(mm: str, prog: list[Any]) -> None:
    explore(prog, mm)


@pytest.mark.parametrize("prog", [[[("r", 0)], [("w", 1, 1)]],
                                  [[("w", 0, 1), ("r", 1)], [("w", 1, 2), ("r", 0)]]])
def test_validate_finds_a_read_from_another_location(prog: list[Any]) -> None:
    """Point a read at a write of another location: validate() must object."""
    graphs = explore(prog, "sc")
    for g in graphs:
        read = next(r for r in g.rf if g.event(r).loc is not None)
        wrong = next(ev for ev in g.events() if ev.is_write and ev.loc != g.event(read).loc)
        g.rf[read] = wrong.id
        with pytest.raises(InternalError, match="reads from another location"):
            g.validate()
    assert graphs


PLAIN_RCU = """C plain-rcu

{}

P0(int *x, int *y)
{
\tint r0;

\trcu_read_lock();
\tr0 = *x;
\tWRITE_ONCE(*y, 1);
\trcu_read_unlock();
}

P1(int *x, int *y)
{
\tint r0;

\tr0 = READ_ONCE(*y);
\tsynchronize_rcu();
\t*x = 1;
}

exists (0:r0=1 /\\ 1:r0=1)
"""


def _litmus_graphs(text: str, mm: str) -> list[ExecutionGraph]:
    judges: list[Validating] = []

    def judge(checker: Checker) -> Validating:
        judges.append(Validating(checker))
        return judges[-1]

    model, names = translate(parse_litmus(text, "plain-rcu.litmus"), text)
    verify(model, names, mm, judge=judge)
    return judges[0].graphs


def test_plain_accesses_are_noted() -> None:
    """Plain accesses under the LKMM, with grace periods (whose check reads the note at
    every step) and revisits that put a read in place of another: every complete graph
    notes them (validate), and validate objects to one that does not."""
    graphs = _litmus_graphs(PLAIN_RCU, "lkmm")
    assert graphs and all(g.plain for g in graphs)
    g = graphs[0]
    g.plain = False
    with pytest.raises(InternalError, match="not noted"):
        g.validate()
