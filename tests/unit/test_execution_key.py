"""speculation.execution_key, the digest that counts each execution once, against what
it stands for: the reads-from and coherence orders (an initial write as any other
initial write: a read's location names it).  On random graphs of reads and writes of
two locations (tests/unit/test_coherence_check.py): the same orders built in another
order give the same key, and a change to one read's source or one location's
coherence order gives another key exactly when the orders differ; and exactly when
digest_key's differ, the one form every graph has (which a graph whose positions no
byte holds gets, the others their orders as bytes or a digest of those)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.explore.speculation import DIGEST, RAW_MAX, digest_key, execution_key
from smpcheck.graph.events import replaced
from smpcheck.graph.graph import ExecutionGraph
from tests.unit.test_coherence_check import graphs


def _orders(g: ExecutionGraph) -> Any:
    rf = sorted((r, (-1, -1) if w[0] < 0 else w) for r, w in g.rf.items())
    return rf, sorted(ws for ws in g.co.values() if ws)


def _rebuilt(g: ExecutionGraph) -> ExecutionGraph:
    """``g`` with its reads-from and coherence dictionaries filled in reverse order."""
    out = g.copy()
    out.rf = dict(reversed(list(g.rf.items())))
    out.co = dict(reversed([(loc, list(ws)) for loc, ws in g.co.items()]))
    return out


def _moved(g: ExecutionGraph, by: int) -> ExecutionGraph:
    """``g`` with every CPU's events ``by`` positions later (holes before them)."""
    def at(e: tuple[int, int]) -> tuple[int, int]:
        return e if e[0] < 0 else (e[0], e[1] + by)
    out = g.copy()
    out.threads = [[None] * by + [None if ev is None else replaced(ev, id=at(ev.id))
                                  for ev in t] for t in g.threads]
    out.rf = {at(r): at(w) for r, w in g.rf.items()}
    out.co = {loc: [at(w) for w in ws] for loc, ws in g.co.items()}
    return out


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_key_is_the_orders(g: ExecutionGraph, data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        g = _moved(g, 300)  # (then digest_key's form)
    assert execution_key(_rebuilt(g)) == execution_key(g)
    other = g.copy()
    reads = [ev for ev in g.events() if ev.kind == "R"]
    if reads and data.draw(st.booleans()):
        ev = data.draw(st.sampled_from(reads))
        assert ev.loc is not None
        sources = [g.init_of(ev.loc).id, *g.co.get(ev.loc, [])]
        other.rf[ev.id] = data.draw(st.sampled_from(sources))
    else:
        loc = data.draw(st.sampled_from(list(g.co)))
        other.co[loc] = data.draw(st.permutations(g.co[loc]))
    same = _orders(other) == _orders(g)
    assert (execution_key(other) == execution_key(g)) == same
    key = execution_key(g)
    assert len(key) == DIGEST or len(key) <= RAW_MAX
    if g.rf or any(g.co.values()):  # (a number to write: past a byte where moved)
        assert (key == digest_key(g)) == (len(g.threads[0]) > 255)
    assert (execution_key(other) == key) == (digest_key(other) == digest_key(g))
