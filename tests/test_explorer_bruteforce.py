"""The explorer against brute force: same number of (rf, co) classes, same final states."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from smpcheck import Settings, verify
from tests.candidates import executions
from tests.programs import as_model, programs, sc_classes, tso_classes


def explore(prog: list[Any], mm: str) -> tuple[int, set[Any]]:
    model, names = as_model(prog)
    result = verify(model, names, mm, Settings(all_violations=True))
    assert result.blocked == 0
    return result.executions, set(result.outcomes)


def brute_finals(finals: set[Any]) -> set[Any]:
    out = set()
    for regs, mem in finals:
        out.add((tuple(tuple(sorted(r)) for r in regs),
                 tuple(sorted((f"v{i}", v) for i, v in enumerate(mem)))))
    return out


@settings(max_examples=60, deadline=None)
@given(programs())
def test_sc_matches_brute_force(prog: list[Any]) -> None:
    classes, finals = sc_classes(prog)
    count, outcomes = explore(prog, "sc")
    assert count == len(classes)
    assert outcomes == brute_finals(finals)


@settings(max_examples=60, deadline=None)
@given(programs())
def test_tso_matches_brute_force_store_buffers(prog: list[Any]) -> None:
    classes, finals = tso_classes(prog)
    count, outcomes = explore(prog, "tso")
    assert count == len(classes)
    assert outcomes == brute_finals(finals)


def candidate_check(prog: list[Any], mm: str) -> None:
    model, names = as_model(prog)
    want_count, want_finals = executions(model, names, mm)
    count, outcomes = explore(prog, mm)
    assert (count, outcomes) == (want_count, want_finals)


@settings(max_examples=40, deadline=None)
@given(programs(max_cpus=3, max_len=3))
def test_lkmm_matches_candidate_enumeration(prog: list[Any]) -> None:
    """Under the LKMM (load buffering allowed) the explorer, with its dependency-based
    revisits, finds exactly the consistent candidates herd-style enumeration finds."""
    candidate_check(prog, "lkmm")


@settings(max_examples=20, deadline=None)
@given(programs(max_cpus=2, max_len=3))
def test_candidate_enumeration_agrees_with_interleavings(prog: list[Any]) -> None:
    """The candidate enumerator itself, checked under SC against interleavings."""
    classes, finals = sc_classes(prog)
    model, names = as_model(prog)
    count, outcomes = executions(model, names, "sc")
    assert count == len(classes)
    assert outcomes == brute_finals(finals)
