"""The garbage collector's thresholds while exploring and for a command (smpcheck.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, verify
from smpcheck.cat import load_model
from smpcheck.cli.main import herd_main
from smpcheck.collector import (
    YOUNG_COLLECTION,
    fewer_collections,
    fewer_collections_from_now,
)
from smpcheck.explore.checks import Checker
from smpcheck.explore.explorer import Explorer
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.models.cat import CatMemoryModel
from smpcheck.results.result import Result
from smpcheck.settings import Settings


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


def _mp_ring(n: int) -> Model:
    """n CPUs, each reading its location and writing the next one's: 2^n - 1 executions
    under sc (every read may see 0 or 1 but all 1 closes a cycle)."""
    xs = [Var(0) for _ in range(n)]

    def cpu(i: int) -> Any:
        def body() -> int:
            r = int(READ_ONCE(xs[i]))
            WRITE_ONCE(xs[(i + 1) % n], 1)
            return r
        return body

    return Model("ring", [cpu(i) for i in range(n)])


def test_a_cat_model_keeps_no_graph_once_its_batches_are_judged() -> None:
    # (kept until the next batch, a batch's graphs and verdicts made the collector walk
    # them while exploring: a 12-CPU ring spent a tenth of its time there)
    mm = CatMemoryModel(load_model("sc.cat"))
    result = verify(_mp_ring(4), None, mm, Settings(batch=4))
    assert result.executions == 15
    assert mm._batch == {}


def test_the_domain_forgets_the_events_it_met_when_the_exploration_ends() -> None:
    mm = CatMemoryModel(load_model("sc.cat"))
    explorer = Explorer(_mp_ring(3).cpus, mm, Settings(batch=4))
    explorer.explore(Result("ring", "sc"))
    assert explorer.result.executions == 7
    assert not explorer.domain.met and not explorer.domain.met_deps
