"""Op.replace (smpcheck.records.replace over Op._record_fields): every field of Op's
``__init__`` is named there, so that a copy loses none (a field added to one list and
not the other would be dropped silently: the lists are read from the source, which a
compiled Op hides from :mod:`inspect`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from smpcheck._rt.runtime import Op
from smpcheck.graph.events import Event
from smpcheck.model.objects import Field, Obj
from smpcheck.model.source import Source

TAGS = frozenset({"ONCE"})

SOURCE = Path(__file__).resolve().parents[2] / "smpcheck" / "_rt" / "runtime.py"


def _init_params() -> list[str]:
    tree = ast.parse(SOURCE.read_text())
    op = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Op")
    init = next(n for n in op.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return [a.arg for a in init.args.args[1:]]


def test_every_init_parameter_is_a_record_field() -> None:
    assert list(Op._record_fields) == _init_params()


def _fields() -> dict[str, object]:
    """A value of its type for each field, none of them its default."""
    x = Obj("x", Field(0)).loc(())
    return {"kind": "RMW", "loc": x, "value": 7, "tags": frozenset({"ONCE"}),
            "wtags": frozenset({"MB"}), "ftags": frozenset({"RMW"}), "vtags": lambda v: TAGS,
            "update": lambda v: v, "await_ok": lambda v: True, "addr": frozenset({(0, 1)}),
            "data": frozenset({(0, 2)}), "ctrl": frozenset({(0, 3)}),
            "branch": frozenset({(0, 4)}), "compared": frozenset({(0, 5)}),
            "from_read": False, "obj": None, "spec": None, "text": "xchg(x, 1)",
            "message": "m", "src": Source("t.litmus", 3, "r0 = xchg(x, 1);"),
            "made": Event((0, 6), "W", x, 1, TAGS), "irqs_on": True,
            "can_end": lambda g: False}


def test_replace_copies_every_field() -> None:
    values = _fields()
    assert set(values) == set(Op._record_fields)
    op = Op(**values)  # type: ignore[arg-type]
    copy = op.replace()
    assert copy is not op
    assert all(getattr(copy, n) is values[n] for n in Op._record_fields)


@pytest.mark.parametrize(("name", "new"), [("tags", frozenset({"ACQUIRE"})), ("text", "y"),
                                           ("from_read", True), ("obj", None)])
def test_replace_changes_one_field_and_keeps_the_rest(name: str, new: object) -> None:
    values = _fields()
    copy = Op(**values).replace(**{name: new})  # type: ignore[arg-type]
    for n in Op._record_fields:
        assert getattr(copy, n) is (new if n == name else values[n])


def test_replace_refuses_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="no field 'nope'"):
        Op("R").replace(nope=1)
