"""The built-in LKMM's cheap RCU test never clears an execution the exact one rejects.

:meth:`LkmmRelations._rcu_surely_kept` over-approximates rcu-link by the closure
of ``po | rf | co | fr`` among grace periods and critical-section ends; when
that finds no rb cycle, :meth:`LkmmRelations.rcu_violated` answers False without
the exact relations.  Here every complete execution of RCU tests from the
generated corpus (tests/herd/lkmm_gen.py) and of RCU rings is judged both ways:
wherever the cheap test clears an execution, the exact computation (rcu-order
and rcu-link from hb, pb and prop, and the whole rb relation too) must find RCU's
axiom kept.  The corpus's verdicts against herd7 are tests/herd/test_lkmm_gen.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.litmus.run import check_litmus
from smpcheck.models import lkmm
from tests.support.lkmm_gen import generate


def _ring(n: int) -> str:
    """An RCU ring of ``n`` CPUs: even ones read in a critical section, odd ones wait
    for a grace period between their read and their write."""
    header = ", ".join(f"int *x{i}" for i in range(n))
    threads = []
    for i in range(n):
        nxt = (i + 1) % n
        if i % 2 == 0:
            body = (f"\trcu_read_lock();\n\tr0 = READ_ONCE(*x{i});\n"
                    f"\tWRITE_ONCE(*x{nxt}, 1);\n\trcu_read_unlock();\n")
        else:
            body = f"\tr0 = READ_ONCE(*x{i});\n\tsynchronize_rcu();\n\tWRITE_ONCE(*x{nxt}, 1);\n"
        threads.append(f"P{i}({header})\n{{\n\tint r0;\n\n{body}}}\n")
    cond = " /\\ ".join(f"{i}:r0=1" for i in range(n))
    return f"C RCU-ring-{n}\n\n{{}}\n\n" + "\n".join(threads) + f"\nexists ({cond})\n"


#: RCU alone forbids r1=1 /\ r2=1 (sequentially consistent otherwise): the cycle through
#: the grace period enters the critical section at its read, after its write, so it
#: closes only through rscs^-1 (from the unlock back to the lock), never by po, rf, fr.
SECTION_READS_LATE = """C RCU-section-reads-late

{}

P0(int *x, int *y)
{
	int r1;

	rcu_read_lock();
	WRITE_ONCE(*y, 1);
	r1 = READ_ONCE(*x);
	rcu_read_unlock();
}

P1(int *x, int *y)
{
	int r2;

	r2 = READ_ONCE(*y);
	synchronize_rcu();
	WRITE_ONCE(*x, 1);
}

exists (0:r1=1 /\\ 1:r2=1)
"""


def _rcu_corpus(count: int) -> list[str]:
    texts = (generate(1, i) for i in range(600))
    return [t for t in texts if "synchronize_rcu" in t and "srcu" not in t][:count]


def _judged_graphs(text: str, path: Path) -> list[ExecutionGraph]:
    """Every complete graph the explorer hands the built-in LKMM's deferred check."""
    seen: list[ExecutionGraph] = []

    class Recording(lkmm.LKMM):  # (compiled by mypyc, LKMM's own methods cannot be replaced)
        def deferred_inconsistency(self, g: ExecutionGraph) -> str | None:
            seen.append(g.copy())
            return super().deferred_inconsistency(g)

    path.write_text(text)
    check_litmus(path, Recording())
    return seen


@pytest.mark.parametrize("case", [*range(6), "ring4", "ring6", "late"])
def test_cheap_rcu_test_clears_only_what_the_exact_one_keeps(
        case: int | str, tmp_path: Path) -> None:
    if case == "late":
        text = SECTION_READS_LATE
    elif isinstance(case, str):
        text = _ring(int(case[4:]))
    else:
        corpus = _rcu_corpus(6)
        assert len(corpus) == 6, "the generated corpus has fewer RCU tests than before"
        text = corpus[case]
    graphs = _judged_graphs(text, tmp_path / "t.litmus")
    cleared = 0
    for g in graphs:
        rel = lkmm.LkmmRelations(View(g))
        if not rel.has_rcu or not rel._rcu_surely_kept():
            continue
        cleared += 1
        _, order, link = rel.rcu_small
        assert order.seq(link).is_irreflexive(), g.threads
        assert rel.rb.is_irreflexive(), g.threads
    assert graphs
    if case == "late":  # (the execution RCU forbids reaches the check, uncleared)
        assert cleared == len(graphs) - 1
    elif isinstance(case, str):  # (a ring's executions but one are SC: the test clears them)
        assert cleared >= len(graphs) - 1
