"""Records (smpcheck.records) behave as ``@dataclass(frozen=True, slots=True)``: the
oracle is the standard decorator on the same class body, compared on generated
values (repr, ==, hash, pattern matching, pickling, copying, refusing assignment
and bad arguments), and the syntax trees that use records keep their behaviour."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpcheck.cat import syntax as CS
from smpcheck.litmus import syntax as LS
from smpcheck.records import record


def _classes(deco: Any) -> tuple[type, type, type]:
    """A base with two fields, a subclass adding one, and a class with a default
    excluded from ``==`` (the litmus syntax's ``line``): made by ``deco``."""

    @deco
    class Base:
        line: int
        col: int

    @deco
    class Sub(Base):
        name: Any

    @deco
    class Lit:
        value: Any
        line: int = field(default=0, compare=False)

    return Base, Sub, Lit


OURS = _classes(record)
THEIRS = _classes(dataclass(frozen=True, slots=True))
values = st.integers(-3, 3) | st.text(max_size=3) | st.none() | st.tuples(st.integers(0, 2))


def _pairs(args: list[Any]) -> list[tuple[Any, Any]]:
    """The same arguments given to each of our classes and of the dataclasses."""
    base, sub, lit = args
    return [(cls(*a), ref(*a)) for cls, ref, a in zip(OURS, THEIRS, (base, sub, lit),
                                                      strict=True)]


arguments = st.tuples(st.tuples(values, values), st.tuples(values, values, values),
                      st.tuples(values) | st.tuples(values, values)).map(list)


@given(arguments, arguments)
def test_like_dataclasses(a: list[Any], b: list[Any]) -> None:
    for (x, rx), (y, ry) in zip(_pairs(a), _pairs(b), strict=True):
        assert repr(x) == repr(rx)
        assert (x == y) == (rx == ry) and (x != y) == (rx != ry)
        assert hash(x) == hash(rx)  # (so that sets of nodes iterate in the same order)
        assert type(x).__match_args__ == type(rx).__match_args__
        assert type(x).__slots__ == type(rx).__slots__ and not hasattr(x, "__dict__")
        assert copy.deepcopy(x) == x and repr(copy.copy(x)) == repr(x)
        with pytest.raises(dataclasses.FrozenInstanceError):
            x.line = 5
        with pytest.raises(dataclasses.FrozenInstanceError):
            del x.line
    assert (OURS[0](1, 2) == OURS[1](1, 2, "x")) is False  # (another class: never equal)


def test_keywords_and_defaults() -> None:
    _, sub, lit = OURS
    assert sub(name="n", col=2, line=1) == sub(1, 2, "n")
    assert lit(7).line == 0 and lit(7, line=3) == lit(7)
    match sub(1, 2, "n"):
        case sub(_, _, name):  # type: ignore[misc]
            assert name == "n"
    bad: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}), ((), {"value": 1, "other": 2}), ((1, 2, 3), {}), ((1,), {"value": 2})]
    for args, kwargs in bad:
        with pytest.raises(TypeError):
            lit(*args, **kwargs)


def test_own_methods_stay() -> None:
    @record
    class Tag:
        name: str

        def __repr__(self) -> str:
            return "'" + self.name

    assert repr(Tag("x")) == "'x" and Tag("x") == Tag("x")


def test_bad_classes() -> None:
    with pytest.raises(TypeError, match="follows a default"):
        @record
        class Late:
            a: int = 0
            b: int  # type: ignore[misc]
    with pytest.raises(TypeError, match="default_factory"):
        @record
        class Factory:
            a: list[int] = field(default_factory=list)


def test_syntax_trees() -> None:
    """The litmus syntax compares without ``line``; the cat syntax with it."""
    assert LS.Name("x", line=3) == LS.Name("x", line=9)
    assert hash(LS.Name("x", line=3)) == hash(("x",))
    assert CS.Var(1, 2, "po") != CS.Var(1, 3, "po") and CS.Var(1, 2, "po") == CS.Var(1, 2, "po")
    assert isinstance(CS.Var(1, 2, "po"), CS.Node)
    assert repr(LS.Num(2)) == "Num(value=2, line=0)"
    tree = LS.Deref(LS.Binary("+", LS.Name("x", line=2), LS.Num(1), line=2), line=2)
    again = pickle.loads(pickle.dumps(tree))  # (-j sends parsed tests to workers)
    assert again == tree and repr(again) == repr(tree)
