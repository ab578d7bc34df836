"""Initial values of shared objects: found along a location's path, agreeing with the
full list of an object's locations (the reference) for nested arrays and structs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.model.objects import Array, Field, Obj, Spec, Struct, StructSpec


class pair(Struct):  # noqa: N801 - named as a C struct
    a = Field(3)
    b = Array(2, 7)


def specs() -> st.SearchStrategy[Spec]:
    leaf = st.builds(Field, st.integers(-2, 2))
    return st.recursive(leaf, lambda inner: st.one_of(
        st.builds(Array, st.integers(1, 3), inner),
        st.builds(lambda vals: Array(len(vals), 0, tuple(vals)),
                  st.lists(st.integers(0, 9), min_size=1, max_size=3)),
        st.just(StructSpec(pair)),
        st.builds(lambda a: StructSpec(pair, {"a": a}), st.integers(0, 9))), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(specs())
def test_init_value_agrees_with_every_location(spec: Spec) -> None:
    obj = Obj("o", spec)
    leaves = dict(spec.leaves())
    for path, value in leaves.items():
        assert obj.init_value(path) == value
    for path in {p[:-1] for p in leaves if p} | {p + (0,) for p in leaves} | {("zz",), (99,)}:
        if path not in leaves:
            with pytest.raises(KeyError):
                obj.init_value(path)


class Unlisted(Array):
    """An array whose locations may not be listed: a lookup must not need them."""

    def leaves(self, path: Any = ()) -> Any:
        raise AssertionError("init_value listed every location of the object")


def test_init_value_does_not_list_the_object() -> None:
    """Each location's init event asks for its value: listing the object each time made
    a C global of 4096 ints take seconds per execution (quadratic)."""
    obj = Obj("a", Unlisted(4096, Array(2, 5)))
    assert obj.init_value((4095, 1)) == 5
