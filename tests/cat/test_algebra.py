"""The interpreter's operators agree with smpcheck.graph.relation on random inputs.

Guards the evaluator's shortcuts: identities in sequences become domain and
range restrictions, and empty results become the untyped EMPTY value.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.cat import CatModel, load_model
from smpcheck.graph.relation import Rel

N = 5
MASKS = st.integers(min_value=0, max_value=(1 << N) - 1)
RELS = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1)), max_size=10).map(
    lambda pairs: Rel.from_pairs(N, pairs))

MODEL = """
let u = a | b
let i = a & b
let d = a \\ b
let s = a ; b
let restricted = [S] ; a ; [T] ; b ; [T]
let ids = [S] ; [T]
let p = a+
let k = a*
let o = a?
let v = a^-1
let c = ~a
let x = S * T
let dom = domain(a)
let rng = range(b)
let ss = singlestep(a+)
"""


def _model(tmp: Path) -> CatModel:
    path = tmp / "algebra.cat"
    path.write_text(MODEL)
    return load_model(path, base_names={"a", "b", "S", "T"})


def test_operators_match_relation_module(tmp_path: Path) -> None:
    model = _model(tmp_path)

    @settings(max_examples=200, deadline=None)
    @given(RELS, RELS, MASKS, MASKS)
    def check(a: Rel, b: Rel, s: int, t: int) -> None:
        exe = {"n": N, "R": 0, "W": 0, "IW": 0, "po": Rel(N), "rf": Rel(N), "loc": Rel(N),
               "int": Rel.identity(N), "a": a, "b": b, "S": s, "T": t}
        r = model.check(exe)
        ids = lambda m: Rel.identity(N, m)  # noqa: E731
        assert r.relation("u") == a | b
        assert r.relation("i") == a & b
        assert r.relation("d") == a - b
        assert r.relation("s") == a.seq(b)
        assert r.relation("restricted") == ids(s).seq(a).seq(ids(t)).seq(b).seq(ids(t))
        assert r.relation("ids") == ids(s & t)
        assert r.relation("p") == a.plus()
        assert r.relation("k") == a.star()
        assert r.relation("o") == a.opt()
        assert r.relation("v") == a.inverse()
        assert r.relation("c") == a.complement()
        assert r.relation("x") == Rel.product(N, s, t)
        assert r.set("dom") == a.domain() and r.set("rng") == b.range()
        closure = a.plus()
        assert r.relation("ss") == closure - closure.seq(closure)

    check()
