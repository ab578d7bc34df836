"""One run of a model over a batch of executions gives each execution's own verdict.

``evaluate_batch`` (smpcheck/cat/batch.py) must agree with judging the
executions one at a time: on random relations through every operator, on
models whose control depends on values (those executions fall back to one at
a time), and on every candidate execution of the kernel's litmus tests under
linux-kernel.cat, lock.cat's ``with`` choices included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.cat import CatModel, Execution, load_config_model, load_model, pin_to_execution
from smpcheck.cat import batch as B
from smpcheck.cat.batch_eval import evaluate_batch
from smpcheck.cat.defs import MacroDef
from smpcheck.cat.evaluate import CatResult
from smpcheck.cat.values import EMPTY
from smpcheck.graph.relation import Rel
from tests.cat.test_algebra import MASKS, RELS, N
from tests.conftest import need_lkmm

OPERATORS = """
let u = a | b
let i = a & b
let d = a \\ b
let ds = (S \\ T) | (S & T) | domain(b)
let s = a ; b
let restricted = [S] ; a ; [T] ; b ; [T]
let ids = [S] ; [T]
let p = a+
let k = a* ; b?
let v = a^-1 ; [S]
let c = ~a & (S * T)
let x = (S * T) \\ b
let dom = [domain(a) | range(b)]
let ss = singlestep(a+)
let rec grow = a | (grow ; b)
acyclic a as a-acyclic
irreflexive b as b-irreflexive
empty a & b as disjoint
flag ~empty (a ; b) & id as loop
"""

CONTROL = """
let m = match S with || {} -> a || e ++ rest -> b end
let t = if S = T then a else b
let picked = map (fun e -> e) S
acyclic m | t as mt-acyclic
flag ~empty picked as some
"""

NAMES = ["u", "i", "d", "ds", "s", "restricted", "ids", "p", "k", "v", "c", "x", "dom", "ss",
         "grow"]


def _model(tmp: Path, text: str) -> CatModel:
    path = tmp / "m.cat"
    path.write_text(text)
    return load_model(path, base_names={"a", "b", "S", "T"})


def _execution(a: Rel, b: Rel, s: int, t: int) -> Execution:
    return Execution({"n": N, "R": 0, "W": 0, "IW": 0, "po": Rel(N), "rf": Rel(N),
                      "loc": Rel(N), "int": Rel.identity(N), "a": a, "b": b, "S": s, "T": t})


def _same_verdict(one: CatResult, batched: CatResult) -> None:
    assert batched.consistent == one.consistent
    assert batched.failed == one.failed
    assert sorted(batched.flags) == sorted(one.flags)
    assert batched.undefined == one.undefined
    for name in one.witnesses:
        assert _plain(batched.witnesses[name]) == _plain(one.witnesses[name])


def _plain(v: Any) -> Any:
    """EMPTY, an empty Rel and the empty set are the same value."""
    if v is EMPTY:
        return None
    if isinstance(v, Rel):
        return v.rows if any(v.rows) else None
    return v if v != 0 else None


EXECUTIONS = st.lists(st.tuples(RELS, RELS, MASKS, MASKS), min_size=1, max_size=6)


def _shared_or_own(draw: Any, items: list[Any]) -> list[Any]:
    """Executions where some base values are the same in all (they stay scalar)."""
    keep = draw(st.sets(st.integers(0, 3)))
    first = items[0]
    return [tuple(first[k] if k in keep else item[k] for k in range(4)) for item in items]


@st.composite
def batches(draw: Any) -> list[Execution]:
    items = _shared_or_own(draw, draw(EXECUTIONS))
    return [_execution(*item) for item in items]


@pytest.mark.parametrize("text", [OPERATORS, CONTROL], ids=["operators", "control"])
def test_a_batch_gives_each_execution_its_own_verdict(tmp_path: Path, text: str) -> None:
    model = _model(tmp_path, text)

    @settings(max_examples=150, deadline=None)
    @given(batches())
    def check(exes: list[Execution]) -> None:
        batched = evaluate_batch(model.program, exes)
        for exe, res in zip(exes, batched, strict=True):
            one = model.check(exe)
            _same_verdict(one, res)
            if text is OPERATORS:
                for name in NAMES:
                    assert _plain(res.value(name)) == _plain(one.value(name)), name
    check()


def test_values_that_differ_are_batched_and_uniform_ones_are_not() -> None:
    """The representation the speed rests on: a value the same in every execution
    stays scalar; results are lowered back to scalar once uniform."""
    r1, r2 = Rel.from_pairs(3, [(0, 1)]), Rel.from_pairs(3, [(0, 1), (1, 2)])
    assert B.stack([r1, r1, r1], 3) is r1
    both = B.stack([r1, r2], 3)
    assert isinstance(both, B.BRel)
    assert both.rows[0] == {1: 0b11} and both.rows[1] == {2: 0b10}
    assert B.project(both, 0) == r1 and B.project(both, 1) == r2
    assert B.inter(both, r1, 3) == r1  # the same pair in both executions: scalar again
    assert isinstance(B.inter(both, r1, 3), Rel)
    assert B.cyclic(B.union(both, Rel.from_pairs(3, [(2, 0)]), 3), 3) == 0b10


# -- the kernel's litmus tests -------------------------------------------------------

@pytest.fixture(scope="module")
def lkmm() -> tuple[CatModel, dict[str, MacroDef]]:
    from smpcheck.cat import read_defs

    root = need_lkmm()
    return load_config_model(root / "linux-kernel.cfg"), read_defs(root / "linux-kernel.def")


def _kernel_tests() -> list[Path]:
    from tests.conftest import LKMM

    return sorted((LKMM / "litmus-tests").glob("*.litmus")) if LKMM.is_dir() else []


@pytest.mark.parametrize("path", _kernel_tests(), ids=lambda p: p.stem)
def test_kernel_candidates_batched_as_one_at_a_time(
        lkmm: tuple[CatModel, dict[str, MacroDef]], path: Path) -> None:
    """Every candidate of one test in one batch (different shapes included)."""
    from smpcheck.litmus import parse_litmus_file
    from tests.support.litmus_brute import candidates

    model, table = lkmm
    exes = [Execution(c.execution) for c in candidates(parse_litmus_file(path), table)]
    for exe, res in zip(exes, evaluate_batch(model.program, exes), strict=True):
        _same_verdict(model.check(exe, resolver=pin_to_execution(exe)), res)
