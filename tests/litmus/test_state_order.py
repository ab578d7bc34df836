"""herd's order of final states (LitmusRun.sorted_states): the same whether the states
hold integers alone (sorted as they are) or other values too (sorted by state_order)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from smpcheck.litmus.run import LitmusRun, state_order

_VALUES = st.one_of(st.integers(-3, 3), st.booleans(), st.sampled_from(["x", "y", "NULL"]))


def _sorted(states: set[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    run = LitmusRun.__new__(LitmusRun)
    run.states = dict.fromkeys(states, 1)
    return run.sorted_states()


@given(st.sets(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3))))
def test_integer_states_are_in_herds_order(states: set[tuple[int, ...]]) -> None:
    assert _sorted(states) == sorted(states, key=state_order)


@given(st.sets(st.tuples(_VALUES, _VALUES)))
def test_states_with_other_values_are_in_herds_order(states: set[tuple[Any, ...]]) -> None:
    assert _sorted(states) == sorted(states, key=state_order)
