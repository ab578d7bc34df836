"""The garbage collector's thresholds while exploring and for a command (smpcheck.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, verify
from smpcheck.cli.main import herd_main
from smpcheck.collector import (
    YOUNG_COLLECTION,
    fewer_collections,
    fewer_collections_from_now,
)
from smpcheck.explore.checks import Checker
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.results.result import Result


@pytest.fixture(autouse=True)
def thresholds() -> Iterator[tuple[int, ...]]:
    """Python's thresholds before the test, put back after it whatever it did."""
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_young_generation_is_collected_less_often_in_the_block() -> None:
    gc.set_threshold(700, 7, 9)
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION, 7, 9)
    assert gc.get_threshold() == (700, 7, 9)


def test_a_higher_threshold_is_kept_and_an_error_restores_it() -> None:
    gc.set_threshold(YOUNG_COLLECTION * 3, 10, 10)
    with pytest.raises(KeyError), fewer_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION * 3, 10, 10)
        raise KeyError("out")
    assert gc.get_threshold() == (YOUNG_COLLECTION * 3, 10, 10)


def test_from_now_raises_a_lower_threshold_and_keeps_a_higher_one() -> None:
    gc.set_threshold(700, 7, 9)
    fewer_collections_from_now()
    assert gc.get_threshold() == (YOUNG_COLLECTION, 7, 9)
    gc.set_threshold(YOUNG_COLLECTION * 3, 10, 10)
    fewer_collections_from_now()
    assert gc.get_threshold() == (YOUNG_COLLECTION * 3, 10, 10)


def test_a_call_with_arguments_leaves_the_process_thresholds_alone() -> None:
    """(only a call from the command line, whose process ends with it, keeps them)"""
    gc.set_threshold(600, 10, 10)
    assert herd_main(["-version"]) == 0
    assert gc.get_threshold() == (600, 10, 10)


class _Seen:
    """A judge noting the threshold while each complete execution is judged."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.thresholds: list[int] = []

    def __call__(self, g: ExecutionGraph, result: Result) -> None:
        self.thresholds.append(gc.get_threshold()[0])
        self.checker(g, result)

    def reset(self) -> None:
        self.checker.reset()


def test_an_exploration_runs_in_the_block_and_restores_the_thresholds() -> None:
    gc.set_threshold(500, 10, 10)
    x = Var(0)

    def writer() -> None:
        WRITE_ONCE(x, 1)

    def reader() -> int:
        return int(READ_ONCE(x))

    seen: list[_Seen] = []

    def judge(checker: Checker) -> _Seen:
        seen.append(_Seen(checker))
        return seen[-1]

    result = verify(Model("wr", [writer, reader]), None, "sc", judge=judge)
    assert result.executions == 2
    assert seen[0].thresholds == [YOUNG_COLLECTION] * 2
    assert gc.get_threshold() == (500, 10, 10)
