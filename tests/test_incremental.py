"""The incremental consistency checks agree with the whole-graph ones at every step.

The explorer asks ``inconsistency_after(g, added)``; SC and x86-TSO answer by
searching for cycles through ``added`` only (smpcheck.models.cycles), the LKMM
skips events nothing can follow and cuts coherence cycles short.  Here each
such answer is compared with ``inconsistency(View(g))`` on random programs, the
x86 litmus tests and the kernel's litmus tests, so that a change the
incremental check misses (or a precondition the explorer breaks) shows at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from smpcheck import Settings, verify
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.view import View
from smpcheck.litmus.run import check_litmus
from smpcheck.model.values import EventId
from smpcheck.models import get_model
from smpcheck.models.base import MemoryModel
from tests.litmus.conftest import kernel_litmus_files, lkmm_dir, x86_rows
from tests.support.programs import as_model, programs

pytestmark = pytest.mark.slow  # exhaustive comparisons (deselect: -m 'not slow')


def crosschecked(mm: MemoryModel) -> MemoryModel:
    """``mm`` with every incremental answer compared with the whole-graph one."""

    class Crosschecked(type(mm)):  # type: ignore[misc]
        calls = 0

        def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                                atomicity: bool = True) -> str | None:
            fast = super().inconsistency_after(g, added, atomicity)
            full = self.prefix_inconsistency(View(g), atomicity)
            assert fast == full, (g.threads, g.rf, g.co, added)
            Crosschecked.calls += 1
            return fast

    return Crosschecked()


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys.modules["smpcheck.explore.verify"], "get_model",
                         lambda name: crosschecked(get_model(name)))
    yield


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_random_programs(mm: str, checked: None) -> None:
    @settings(max_examples=60, deadline=None)
    @given(programs())
    def run(prog: list[Any]) -> None:
        model, names = as_model(prog)
        verify(model, names, mm, Settings(all_violations=True))

    run()


def _litmus() -> list[Any]:
    x86 = [lkmm_dir() / "x86" / r["file"] for r in x86_rows()]
    return [pytest.param(p, id=p.stem) for p in [*x86, *kernel_litmus_files()]]


@pytest.mark.parametrize("path", _litmus())
@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_litmus(path: Path, mm: str, checked: None) -> None:
    check_litmus(path, mm, Settings(all_violations=True))


KVM_CASES = [("unmap-nolock-2013", "core", {}),
             ("unmap-nolock-2013", "core", {"fence_after_publish": "smp_mb"}),
             ("fast-invalidate-3.11", "walker", {}),
             ("fast-invalidate-3.11", "walker", {"walker_fence": "none"}),
             ("rmap-aging-6.15", "core", {})]


@pytest.mark.parametrize(("design", "scenario", "variant"), KVM_CASES,
                         ids=[f"{d}-{s}-{','.join(v) or 'defaults'}" for d, s, v in KVM_CASES])
@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_kvm_scenarios(design: str, scenario: str, variant: dict[str, str], mm: str) -> None:
    """Fences, compiler barriers, locks, IPIs' irq words and frees, as the models use them."""
    from smpcheck.kvm.registry import get

    model, names = get(design).build(scenario, variant)
    verify(model, names, crosschecked(get_model(mm)), Settings(all_violations=True))


def deferring(mm: MemoryModel) -> MemoryModel:
    """``mm`` checking only RMW atomicity as the explorer goes, the rest at the end."""

    class Deferring(type(mm)):  # type: ignore[misc]
        def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                                atomicity: bool = True) -> str | None:
            whole = self.inconsistency(View(g), atomicity)
            return whole if whole == "atomic" else None

        def deferred_inconsistency(self, g: ExecutionGraph) -> str | None:
            return self.inconsistency(View(g))

    return Deferring()


@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_deferred_axioms_give_the_same_executions(mm: str) -> None:
    """A model may check its axioms on complete executions only (the interpreted cat
    models do): the explorer then visits more prefixes but counts the same
    executions, with the same final states."""

    @settings(max_examples=40, deadline=None)
    @given(programs())
    def run(prog: list[Any]) -> None:
        model, names = as_model(prog)
        eager = verify(model, names, mm, Settings(all_violations=True))
        model, names = as_model(prog)
        late = verify(model, names, deferring(get_model(mm)), Settings(all_violations=True))
        assert (late.executions, set(late.outcomes)) == (eager.executions, set(eager.outcomes))

    run()
