"""Bad model, cfg and def files give UsageError naming file:line(:column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smpcheck.cat import load_config_model, load_model, parse, parse_defs, read_config
from smpcheck.errors import UsageError
from tests.cat.test_language import BASE


def load_error(tmp_path: Path, text: str, name: str = "bad.cat", **kw: Any) -> UsageError:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        load_model(path, **kw)
    err = info.value
    assert err.path == str(path)
    return err


def test_unknown_operator(tmp_path: Path) -> None:
    err = load_error(tmp_path, "let a = po\nlet b = po % rf\n")
    assert (err.line, err.column) == (2, 12)
    assert "unexpected character '%'" in err.message
    assert str(err).startswith(f"{tmp_path / 'bad.cat'}:2:12: ")


def test_unexpected_token(tmp_path: Path) -> None:
    err = load_error(tmp_path, "let a = po ;\nacyclic a\n")
    assert err.line == 2 and "expected an expression" in err.message
    err = load_error(tmp_path, "acyclic po as\n")
    assert err.line == 1 and "expected a name" in err.message
    err = load_error(tmp_path, "po | rf\n")
    assert (err.line, err.column) == (1, 4) and "expected an instruction" in err.message


def test_undefined_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, "let a = po\n\nlet b = a | nonesuch\n")
    assert (err.line, err.column) == (3, 13)
    assert err.message == "undefined name nonesuch"


def test_recursion_without_rec(tmp_path: Path) -> None:
    err = load_error(tmp_path, "let hb2 = po | (hb2 ; hb2)\n")
    assert err.line == 1 and err.message.startswith("undefined name hb2:")
    assert "let rec hb2" in err.message
    err = load_error(tmp_path, "let f(r) = r | f(r)\n")
    assert err.line == 1 and err.message.startswith("undefined name f:")
    (tmp_path / "ok.cat").write_text("let rec hb2 = po | (hb2 ; hb2)\n")
    load_model(tmp_path / "ok.cat")  # with rec it is fine


def test_missing_include(tmp_path: Path) -> None:
    err = load_error(tmp_path, '"T"\n\ninclude "nowhere.cat"\n', search_path=["/opt/cats"])
    assert (err.line, err.column) == (3, 1)
    assert '"nowhere.cat"' in err.message and "/opt/cats" in err.message
    assert str(tmp_path) in err.message


def test_error_in_included_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "inner.cat").write_text("let x = po\nlet y = nope\n")
    path = tmp_path / "outer.cat"
    path.write_text('include "inner.cat"\n')
    with pytest.raises(UsageError) as info:
        load_model(path)
    assert info.value.path == str(tmp_path / "inner.cat") and info.value.line == 2


def test_other_static_errors(tmp_path: Path) -> None:
    assert "undefined tag 'nope" in load_error(tmp_path, "let t = 'nope\n").message
    assert "needs a name" in load_error(tmp_path, "flag ~empty po\n").message
    assert "unterminated comment" in load_error(tmp_path, "(* open\nlet x = po\n").message
    err = load_error(tmp_path, "let a = R * W * M\n")
    assert "does not associate" in err.message
    assert load_error(tmp_path, 'let s = "str"\n').line == 1


def test_errors_at_run_time_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "m.cat"
    path.write_text("let a = po\nacyclic R as oops\n")
    model = load_model(path)
    with pytest.raises(UsageError) as info:
        model.check(dict(BASE))
    assert (info.value.path, info.value.line) == (str(path), 2)
    assert "acyclic needs a relation" in info.value.message
    path.write_text("let a = po | R\n")
    with pytest.raises(UsageError) as info:
        load_model(path).check(dict(BASE))
    assert info.value.line == 1 and "between a relation and an event set" in info.value.message


def test_execution_missing_a_base_name(tmp_path: Path) -> None:
    path = tmp_path / "m.cat"
    path.write_text("let a = po\nlet b = addr | rf\n")
    exe = dict(BASE)
    del exe["rf"]
    with pytest.raises(UsageError) as info:
        load_model(path).check(exe)
    assert "does not give 'rf'" in info.value.message
    path.write_text("let a = po\nlet b = my-rel | rf\n")
    with pytest.raises(UsageError) as info:
        load_model(path, base_names={"my-rel"}).check(dict(BASE))
    assert (info.value.path, info.value.line) == (str(path), 2)
    assert "does not give 'my-rel'" in info.value.message
    with pytest.raises(UsageError):
        load_model(path).check({"n": 2, "po": [(0, 5)]})


def test_bad_cfg_lines(tmp_path: Path) -> None:
    cfg = tmp_path / "x.cfg"
    cfg.write_text("model sc.cat\nmodel=sc.cat\n")
    with pytest.raises(UsageError) as info:
        read_config(cfg)
    assert (info.value.path, info.value.line) == (str(cfg), 2)
    cfg.write_text("graph columns\nfrobnicate yes\n")
    with pytest.raises(UsageError) as info:
        read_config(cfg)
    assert info.value.line == 2 and "unknown cfg key 'frobnicate'" in info.value.message
    cfg.write_text("model\n")
    with pytest.raises(UsageError) as info:
        read_config(cfg)
    assert info.value.line == 1 and "needs a value" in info.value.message
    cfg.write_text("graph columns\n")
    with pytest.raises(UsageError, match="names no model"):
        load_config_model(cfg)


def test_bad_def_lines() -> None:
    with pytest.raises(UsageError) as info:
        parse_defs("READ_ONCE(X) __load{ONCE}(X)\nbroken line here\n", "k.def")
    assert (info.value.path, info.value.line) == ("k.def", 2)
    with pytest.raises(UsageError) as info:
        parse_defs("F(X) __load{ONCE}(Y)\n", "k.def")
    assert "unknown name 'Y'" in info.value.message
    with pytest.raises(UsageError):
        parse_defs("F(X) { __store{ONCE}(X,1) }\n", "k.def")


def test_parse_reports_columns() -> None:
    with pytest.raises(UsageError) as info:
        parse("let x =\n  po ^ 2\n", "m.cat")
    assert (info.value.line, info.value.column) == (2, 6)


@pytest.mark.parametrize(("expr", "column"), [
    ("~po?", 12), ("~po*", 12), ("~po+", 12), ("~(po)?", 14), ("~po^-1?", 15),
    ("~~po?", 13), ("po ; ~po*", 17), ("~[W]+", 13), ("~R * W", 12), ("~~R * W", 13),
    ("R * ~W", 13)])
def test_postfix_after_a_complement(tmp_path: Path, expr: str, column: int) -> None:
    """herd7 7.58 rejects ``?``, ``*`` (a product too) and ``+`` after a complemented
    operand ("unexpected '?'"; bench/cat_mutate.py found smpcheck reading ``~po?``,
    linux-kernel.cat's rcu-link edited, as ``~(po?)``), and a complement right after a
    product's ``*``."""
    err = load_error(tmp_path, f"let a = po\nlet b = {expr}\n")
    assert (err.line, err.column) == (2, column), err
    assert "complement" in err.message


@pytest.mark.parametrize("expr", ["~po^-1", "(~po)?", "~(po?)", "[~W]?", "~po ; po?",
                                  "~po^-1^-1", "R * (~W)", "~R & W"])
def test_postfix_a_complement_allows(tmp_path: Path, expr: str) -> None:
    """What herd7 reads there: ``^-1``, a parenthesised complement, other operators."""
    path = tmp_path / "ok.cat"
    path.write_text(f"let b = {expr}\n")
    load_model(path).check(dict(BASE))


@pytest.mark.parametrize(("expr", "message"), [
    ("[po & rf]", "expected an event set, got a relation"),
    ("[po & rf] ; po", "expected an event set, got a relation"),
    ("(po & rf) * W", "expected an event set, got a relation"),
    ("(po & rf) & R", "'&' between a relation and an event set"),
    ("(R & W) | (po & rf)", "'|' between an event set and a relation"),
    ("(R & W) ; po", "expected a relation, got an event set"),
    ("(po & rf) ; [po]", "expected an event set, got a relation"),
    ("[W] ; (po & rf) ; addr(W) ; po", "a relation is not a function"),
])
def test_operands_of_the_wrong_kind_fail_though_empty(tmp_path: Path, expr: str,
                                                     message: str) -> None:
    """herd7 types expressions: an operand of the wrong kind is an error even where its
    value is empty (po & rf on BASE), or a sequence's earlier part is, which
    smpcheck's empty relation, of no kind at run time, and its sequences stopping at an
    empty part hid (bench/cat_mutate.py --seed 2 to 4: linux-kernel.cat's [M] made
    [srcu-rscs], loc made ALL-LOCKS, Marked made rwdep, fencerel made addr; cases
    cat-mutants/toid-of-an-empty-relation, relation-applied-after-empty)."""
    path = tmp_path / "bad.cat"
    path.write_text(f"let a = {expr}\nacyclic a as x\n")
    with pytest.raises(UsageError) as info:
        load_model(path).check(dict(BASE))
    assert message in info.value.message and info.value.line == 1, info.value


def test_undefined_name_in_a_function_fails_where_called(tmp_path: Path) -> None:
    """herd7 reports a name a function's body does not know only if the function is
    called (lock.cat's possible-rf-ru reading fre, which cos.cat defines later, on tests
    without spin_is_locked(): bench/cat_mutate.py --seed 1); smpcheck rejected the model
    when loading it."""
    path = tmp_path / "f.cat"
    path.write_text("let f x = (x * x) & nowhere\nlet a = po\n")
    load_model(path).check(dict(BASE))
    path.write_text("let f x = (x * x) & nowhere\nlet a = f(R)\n")
    with pytest.raises(UsageError) as info:
        load_model(path).check(dict(BASE))
    assert (info.value.line, info.value.message) == (1, "undefined name nowhere")


def test_a_function_as_an_operand_fails_though_skipped(tmp_path: Path) -> None:
    """herd7 rejects a function given to a set or relation operator ("intersection on
    closure"), though a sequence before it is empty: linux-kernel.cat's Plain made
    lock.cat's possible-rfe-noncrit-lf (bench/cat_mutate.py --seed 1)."""
    path = tmp_path / "f.cat"
    path.write_text("let f x = x * x\nlet a = (po & rf) ; [f & W]\nacyclic a as x\n")
    with pytest.raises(UsageError) as info:
        load_model(path).check(dict(BASE))
    assert info.value.line == 2 and "a function is not" in info.value.message
