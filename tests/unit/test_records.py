"""Records (smpcheck.records) behave as ``@dataclass(frozen=True, slots=True)``, and
mutable records as ``@dataclass``: the oracle is the standard decorator on the same
class body, compared on generated values (repr, ==, hash, pattern matching,
pickling, copying, assignment and bad arguments), and the syntax trees that use
records keep their behaviour."""

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
from smpcheck.records import FrozenInstanceError, field_names, mutable_record, record, replace
from smpcheck.records import field as record_field


def _classes(deco: Any, field: Any) -> tuple[type, type, type]:
    """A base with two fields, a subclass adding one, and a class with a default
    excluded from ``==`` (the litmus syntax's ``line``): made by ``deco`` (with its
    ``field``)."""

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


OURS = _classes(record, record_field)
THEIRS = _classes(dataclass(frozen=True, slots=True), field)
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
        with pytest.raises((dataclasses.FrozenInstanceError, FrozenInstanceError)):
            x.line = 5
        with pytest.raises((dataclasses.FrozenInstanceError, FrozenInstanceError)):
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
            a: list[int] = record_field(default_factory=list)
    with pytest.raises(TypeError, match="smpcheck.records.field"):
        @record
        class Theirs:
            a: int = field(default=0)


def test_replace_and_field_names() -> None:
    base, sub, lit = OURS
    x = sub(1, 2, "n")
    assert replace(x, col=5) == sub(1, 5, "n") and replace(x) == x and x.col == 2
    assert field_names(sub) == ("line", "col", "name")
    with pytest.raises(TypeError, match="no field 'other'"):
        replace(x, other=1)
    ours, theirs = MUTABLE[0]("r", 2), MUTABLE_REF[0]("r", 2)  # (__post_init__ runs again)
    assert vars(replace(ours, count=3)) == vars(dataclasses.replace(theirs, count=3))
    ref = THEIRS[1](1, 2, "n")  # (a dataclass: dataclasses.replace)
    assert replace(ref, col=5) == THEIRS[1](1, 5, "n")


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


def _mutable_classes(deco: Any, field: Any) -> tuple[type, type]:
    """A class with a default, a factory, a field neither compared nor shown and a
    ``__post_init__``; and a subclass adding a field: made by ``deco`` (with its
    ``field``)."""

    @deco
    class Run:
        name: Any
        count: Any = 0
        seen: list[Any] = field(default_factory=list)
        note: Any = field(default="", compare=False, repr=False)

        def __post_init__(self) -> None:
            if isinstance(self.seen, list):
                self.seen.append(self.name)

    @deco
    class More(Run):
        extra: Any = None

    return Run, More


MUTABLE = _mutable_classes(mutable_record, record_field)
MUTABLE_REF = _mutable_classes(dataclass, field)
mutable_args = st.lists(values, min_size=1, max_size=5)


@given(mutable_args, mutable_args)
def test_mutable_like_dataclasses(a: list[Any], b: list[Any]) -> None:
    for ours, theirs in zip(MUTABLE, MUTABLE_REF, strict=True):
        fit = len(ours.__match_args__)
        x, rx, y, ry = ours(*a[:fit]), theirs(*a[:fit]), ours(*b[:fit]), theirs(*b[:fit])
        assert repr(x) == repr(rx).replace(theirs.__qualname__, ours.__qualname__)
        assert (x == y) == (rx == ry) and (x != y) == (rx != ry)
        assert ours.__match_args__ == theirs.__match_args__ and ours.__hash__ is None
        with pytest.raises(TypeError):
            hash(x)
        assert vars(x) == vars(rx) and ours(a[0]).seen is not ours(a[0]).seen
        assert copy.deepcopy(x) == x  # (pickling: test_mutable_records_in_use)
        x.count = rx.count = 5
        assert x == copy.copy(x) and repr(x).endswith(repr(rx).split("(", 1)[1])
        for name in ("count", "seen", "note"):
            assert hasattr(ours, name) == hasattr(theirs, name)
            assert getattr(ours, name, None) == getattr(theirs, name, None)


def test_mutable_keywords_and_bad_classes() -> None:
    run, more = MUTABLE
    assert more(name="n", extra=3, count=2) == more("n", 2, [], "", 3)
    for args, kwargs in [((), {}), ((1,), {"name": 2}), ((1,), {"other": 2}),
                         ((1, 2, [], "", 5), {})]:
        with pytest.raises(TypeError):
            run(*args, **kwargs)
    with pytest.raises(TypeError):
        record_field(default=0, init=False)  # type: ignore[call-overload]


def test_mutable_records_in_use() -> None:
    """herd's options go to -j's workers pickled, and a session is kept while they are
    equal."""
    from smpcheck.herd.config import parse_options

    opts = parse_options(["-model", "sc.cat", "-I", "a", "x.litmus"])
    again = pickle.loads(pickle.dumps(opts))
    assert again == opts and repr(again) == repr(opts) and vars(again) == vars(opts)
    again.files.append("y.litmus")
    assert again != opts and opts.files == ["x.litmus"]
