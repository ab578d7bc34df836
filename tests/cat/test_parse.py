"""Parsing the kernel's model files (cat, bell, cfg, def) and cat syntax details."""

from __future__ import annotations

import pytest

from smpcheck.cat import parse, read_config, read_defs
from smpcheck.cat import syntax as S
from smpcheck.cat.defs import DCompare, DDeref, DOp, DParam, DPrim, expand_macro
from tests.conftest import need_lkmm


@pytest.mark.parametrize("name", ["linux-kernel.cat", "linux-kernel.bell", "lock.cat"])
def test_parses_kernel_model_files(name: str) -> None:
    path = need_lkmm() / name
    cat = parse(path.read_text(), str(path))
    assert cat.body
    kinds = {type(i).__name__ for i in cat.body}
    assert "Let" in kinds


def test_kernel_cat_structure() -> None:
    path = need_lkmm() / "linux-kernel.cat"
    cat = parse(path.read_text(), str(path))
    assert cat.title == "Linux-kernel memory consistency model"
    assert isinstance(cat.body[0], S.Include) and cat.body[0].filename == "lock.cat"
    checks = {i.name: i for i in cat.body if isinstance(i, S.Check)}
    assert checks["coherence"].test == "acyclic" and checks["coherence"].mode == "check"
    race = checks["data-race"]
    assert (race.mode, race.test, race.negated) == ("flag", "empty", True)
    recs = [i for i in cat.body if isinstance(i, S.Let) and i.rec]
    assert [b.pattern for b in recs[0].bindings] == ["rcu-order"]
    a_cumul = next(b for i in cat.body if isinstance(i, S.Let) for b in i.bindings
                   if b.pattern == "A-cumul")
    assert isinstance(a_cumul.expr, S.Fun) and a_cumul.expr.param == "r"


def test_bell_declarations() -> None:
    path = need_lkmm() / "linux-kernel.bell"
    cat = parse(path.read_text(), str(path))
    enums = {i.name: i.tags for i in cat.body if isinstance(i, S.Enum)}
    assert enums["Accesses"] == ("ONCE", "RELEASE", "ACQUIRE", "NORETURN", "MB")
    assert "after-srcu-read-unlock" in enums["Barriers"]
    classes = [(i.cls, i.line) for i in cat.body if isinstance(i, S.Instructions)]
    assert [c for c, _ in classes] == ["R", "W", "RMW", "F", "SRCU"]
    rcu = next(i for i in cat.body if isinstance(i, S.Let) and i.bindings[0].pattern == "rcu-rscs")
    assert isinstance(rcu.bindings[0].expr, S.LetIn) and rcu.bindings[0].expr.rec


def test_lock_cat_uses_with_and_try() -> None:
    path = need_lkmm() / "lock.cat"
    cat = parse(path.read_text(), str(path))
    withs = [i.var for i in cat.body if isinstance(i, S.WithFrom)]
    assert withs == ["rfe-lf", "rf-ru"]
    rl = cat.body[1]
    assert isinstance(rl, S.Let) and isinstance(rl.bindings[0].expr, S.Try)
    assert [i.filename for i in cat.body if isinstance(i, S.Include)] == [
        "cross.cat", "cos-opt.cat"]


def test_reads_kernel_cfg() -> None:
    cfg = read_config(need_lkmm() / "linux-kernel.cfg")
    assert cfg.variants == frozenset({"lkmmv2"})
    assert cfg.model and cfg.model.endswith("linux-kernel.cat")
    assert cfg.bell and cfg.bell.endswith("linux-kernel.bell")
    assert cfg.macros and cfg.macros.endswith("linux-kernel.def")
    assert cfg.options["graph"] == "columns"


def test_def_table_has_every_macro_with_tags() -> None:
    table = read_defs(need_lkmm() / "linux-kernel.def")
    assert len(table) == 114
    expect = {
        "READ_ONCE": ("__load", ("ONCE",)), "smp_load_acquire": ("__load", ("ACQUIRE",)),
        "xchg": ("__xchg", ("MB",)), "xchg_relaxed": ("__xchg", ("ONCE",)),
        "xchg_release": ("__xchg", ("RELEASE",)), "cmpxchg_acquire": ("__cmpxchg", ("ACQUIRE",)),
        "spin_trylock": ("__trylock", ()), "spin_is_locked": ("__islocked", ()),
        "srcu_read_lock": ("__load", ("srcu-lock",)),
        "atomic_fetch_add_relaxed": ("__atomic_fetch_op", ("ONCE",)),
        "atomic_add_unless": ("__atomic_add_unless", ("MB",)),
    }
    for name, (prim, tags) in expect.items():
        assert not table[name].block
        expr = table[name].expr
        if isinstance(expr, DCompare):
            expr = expr.left
        assert isinstance(expr, DPrim) and (expr.name, expr.tags) == (prim, tags), name
    blocks = {
        "WRITE_ONCE": [("__store", ("ONCE",))], "smp_mb": [("__fence", ("MB",))],
        "smp_store_mb": [("__store", ("ONCE",)), ("__fence", ("MB",))],
        "spin_lock": [("__lock", ())], "spin_unlock": [("__unlock", ())],
        "rcu_read_lock": [("__fence", ("rcu-lock",))],
        "synchronize_srcu": [("__srcu", ("sync-srcu",))],
        "atomic_inc": [("__atomic_op", ("NORETURN",))],
        "smp_mb__after_unlock_lock": [("__fence", ("after-unlock-lock",))],
    }
    for name, prims in blocks.items():
        assert table[name].block
        assert [(p.name, p.tags) for p in table[name].primitives()] == prims, name
    assert table["cmpxchg"].params == ("X", "V", "W")
    assert table["smp_store_release"].primitives()[0].args == (DDeref(DParam("X")), DParam("V"))
    assert table["atomic_andnot"].primitives()[0].args == (DParam("X"), DOp("&~"), DParam("V"))
    test = table["atomic_dec_and_test"].expr
    assert isinstance(test, DCompare) and test.op == "=="


def test_def_expansion_inlines_macro_uses() -> None:
    table = read_defs(need_lkmm() / "linux-kernel.def")
    read = expand_macro(table, "atomic_read")
    assert str(read.expr) == "__load{ONCE}(*X)"
    sets = expand_macro(table, "atomic_set_release")
    assert [str(p) for p in sets.body] == ["__store{RELEASE}(*X,V)"]
    for name in table:
        for prim in expand_macro(table, name).primitives():
            assert prim.name.startswith("__")


def test_precedence_and_postfix_star() -> None:
    cat = parse("let a = x | y ; z \\ u & v * w\nlet b = (r ; s)* ; t\nlet c = ~M | IW\n")
    a, b, c = (i.bindings[0].expr for i in cat.body if isinstance(i, S.Let))
    assert isinstance(a, S.Binary) and a.op == "|"
    seq = a.args[1]
    assert isinstance(seq, S.Binary) and seq.op == ";"
    diff = seq.args[1]
    assert isinstance(diff, S.Binary) and diff.op == "\\"
    inter = diff.args[1]
    assert isinstance(inter, S.Binary) and inter.op == "&"
    assert isinstance(inter.args[1], S.Binary) and inter.args[1].op == "*"
    assert isinstance(b, S.Binary) and isinstance(b.args[0], S.Unary) and b.args[0].op == "star"
    assert isinstance(c, S.Binary) and isinstance(c.args[0], S.Unary) and c.args[0].op == "comp"


def test_nested_comments_and_line_numbers() -> None:
    cat = parse('"T"\n(* a (* nested *) comment *)\n// line comment\nlet x = po\n')
    assert cat.title == "T"
    assert cat.body[0].line == 4
