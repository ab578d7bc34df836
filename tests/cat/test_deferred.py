"""Deferred lets (smpcheck/cat/kinds.py): a top-level let that cannot fail is computed
where it is first read, and ``a & b`` / ``a \\ b`` skip operands that cannot fail once
``a`` is empty.  The oracle is the same program run as written (nothing deferred):
every verdict, witness, named value and error must be the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.cat import CatModel, Execution, load_model, pin_to_execution
from smpcheck.cat.batch_eval import evaluate_batch
from smpcheck.cat.defs import MacroDef
from smpcheck.cat.evaluate import CatResult, evaluate
from smpcheck.cat.program import PENDING, Program
from smpcheck.cat.values import EMPTY, Tag
from smpcheck.errors import UsageError
from smpcheck.graph.relation import Rel
from smpcheck.records import replace
from tests.cat.test_algebra import MASKS, RELS, N
from tests.cat.test_batch import _plain, _same_verdict
from tests.cat.test_language import BASE

MODEL = """
enum Acc = 'a || 'b
let f(r) = r ; [R]
let u = po | rf
let i = (po & 0) & (rf ; po)
let d = 0 \\ (po ; rf)
let e = (po & rf) \\ f(rf+)
let s = [R] ; po ; [W] ; rf
let p = (po | co)+ ; f(rf)
let c = ~R & W
let x = (R * W) \\ co
let dom = domain(po) | range(f(rf))
let unread = po ; rf ; co
let late = co ; (u \\ id)
let w = [W \\ R] ; (co & (W * W))
let v = if "nope" then po else rf
let na = [~A & W] ; co
empty i as i-empty
flag ~empty (e | (d & late)) as e-flag
acyclic p | x as px
flag ~empty (w & rf) & (s \\ p) as w-flag
"""

NAMES = ["u", "i", "d", "e", "s", "p", "c", "x", "dom", "unread", "late", "w", "v", "na"]


def _model(tmp: Path, text: str) -> CatModel:
    path = tmp / "m.cat"
    path.write_text(text)
    return load_model(path)


def _as_written(prog: Program) -> Program:
    """The same program with nothing deferred (its runs evaluate every let in order)."""
    return replace(prog, deferred={})


def _deferred_names(prog: Program, among: list[str]) -> set[str]:
    return {name for name, slot in prog.globals.items() if slot in prog.deferred} & set(among)


def test_lets_that_cannot_fail_are_deferred_and_the_others_not(tmp_path: Path) -> None:
    assert _deferred_names(_model(tmp_path, MODEL).program, [*NAMES, "f"]) == {
        "u", "i", "d", "e", "s", "p", "x", "dom", "unread", "late", "w", "v", "na"}
    # a complement can fail (~0) unless of an enum's tag set, a tag is no set, a tuple is
    # not judged, nor is a base name the model adds; a call is judged through its body
    path = tmp_path / "n.cat"
    path.write_text("let a = ~R\nlet b = a | W\nlet g = fun x -> x\nlet h = g(po)\n"
                    "let h1 = g(R) | po\nlet g2(x, y) = x | y\nlet h2 = g2(po, rf)\n"
                    "enum E = 't\nlet t = 't\nlet m = my | po\nlet nt = ~T & W\n")
    prog = load_model(path, base_names={"my"}).program
    assert _deferred_names(prog, ["a", "b", "g", "h", "h1", "g2", "h2", "t", "m", "nt"]) \
        == {"b", "h", "nt"}


def _execution(po: Rel, rf: Rel, co: Rel, r: int, w: int) -> Execution:
    return Execution({"n": N, "R": r, "W": w, "IW": 0, "po": po, "rf": rf, "co": co,
                      "loc": Rel(N), "int": Rel.identity(N)})


def _same(one: CatResult, other: CatResult, names: list[str]) -> None:
    _same_verdict(one, other)
    for name in names:
        v = one.value(name)
        if v is EMPTY or type(v) in (int, Rel, frozenset, Tag):  # (not functions)
            assert _plain(other.value(name)) == _plain(v), name


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(RELS, RELS, RELS, MASKS, MASKS), min_size=1, max_size=5))
def test_deferred_runs_agree_with_the_model_as_written(items: list[Any]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        prog = _model(Path(tmp), MODEL).program
    written = _as_written(prog)
    exes = [_execution(*item) for item in items]
    for exe, batched in zip(exes, evaluate_batch(prog, exes), strict=True):
        oracle = evaluate(written, exe)
        _same(oracle, evaluate(prog, exe), NAMES)
        _same(oracle, batched, NAMES)


def test_errors_of_lets_nothing_reads_are_still_reported(tmp_path: Path) -> None:
    cases = [("let a = 0 & (po | R)\n", "between a relation and an event set"),
             ("let a = rf \\ (po ; R)\n", "expected a relation"),
             ("let g(x) = x | po\nlet h = g(R)\n", "between an event set and a relation"),
             ("let a = po\nlet b = R & (po \\ W)\n", "between a relation and an event set")]
    for text, message in cases:
        with pytest.raises(UsageError) as info:
            _model(tmp_path, text).check(dict(BASE))
        assert message in info.value.message and info.value.path == str(tmp_path / "m.cat")
    exe = dict(BASE)
    del exe["co"]
    with pytest.raises(UsageError) as info:
        _model(tmp_path, "let a = po\nlet b = 0 & (co | rf)\nlet c = co | rf\n").check(exe)
    assert "does not give 'co'" in info.value.message and info.value.line == 2


# -- the kernel's model -----------------------------------------------------------------

@pytest.fixture(scope="module")
def lkmm() -> tuple[CatModel, dict[str, MacroDef]]:
    from smpcheck.cat import load_config_model, read_defs
    from tests.conftest import need_lkmm

    root = need_lkmm()
    return load_config_model(root / "linux-kernel.cfg"), read_defs(root / "linux-kernel.def")


@pytest.mark.parametrize(("name", "plain"), [
    ("MP+pooncerelease+poacquireonce", False), ("MP+polocks", False),
    ("SB+rfionceonce-poonceonces", False), ("dep+plain", True)])
def test_kernel_model_skips_the_data_race_lets_without_plain_accesses(
        lkmm: tuple[CatModel, dict[str, MacroDef]], name: str, plain: bool) -> None:
    """Every name's value the same as written, and the data-race lets of a test with
    no plain access never computed unless asked for."""
    from smpcheck.litmus import parse_litmus_file
    from tests.conftest import LKMM
    from tests.support.litmus_brute import candidates

    model, table = lkmm
    prog = model.program
    races = ["ww-nonrace", "rw-xbstar", "wr-vis", "ww-vis"]
    assert _deferred_names(prog, races) == set(races)
    written = _as_written(prog)
    test = parse_litmus_file(LKMM / "litmus-tests" / f"{name}.litmus")
    exes = [Execution(c.execution) for c in candidates(test, table)]
    assert exes
    for exe, batched in zip(exes, evaluate_batch(prog, exes), strict=True):
        one = evaluate(prog, exe, resolver=pin_to_execution(exe))
        if not plain:  # (pre-race is empty: nothing reads ww-nonrace)
            assert one._g[prog.globals["ww-nonrace"]] is PENDING
        oracle = evaluate(written, exe, resolver=pin_to_execution(exe))
        _same(oracle, one, list(prog.globals))
        _same(oracle, batched, list(prog.globals))
