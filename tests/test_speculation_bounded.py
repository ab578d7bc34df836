"""Dependencies that a cycle may run through only with company (MemoryModel.bounded):
a plain read that a release or a strong fence orders before a marked write, or a
marked read that an acquire, an address dependency or a strong fence orders before a
plain write.  A cycle whose only edge outside happens-before is one of them is
forbidden by plain-coherence, so no read speculates for it; two of them on one cycle
may make an execution (herd7 7.58's verdicts below, both LKMM paths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smpcheck.explore import session
from smpcheck.explore.explorer import Explorer
from smpcheck.models.lkmm import LKMM
from tests.conftest import need_lkmm
from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session

CASES = Path(__file__).parent / "data" / "herd7" / "cases"


def _lb(read0: str, write0: str, read1: str, write1: str) -> str:
    """Load buffering over x and y with the given read and write of each CPU."""
    return ("C lb\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n"
            f"\tr0 = {read0.format('x')};\n\t{write0.format('y')};\n}}\n"
            "P1(int *x, int *y)\n{\n\tint r1;\n"
            f"\tr1 = {read1.format('y')};\n\t{write1.format('x')};\n}}\n"
            "exists (0:r0=1 /\\ 1:r1=1)\n")


PLAIN, ONCE, ACQUIRE = "*{}", "READ_ONCE(*{})", "smp_load_acquire({})"
RELEASE, STORE = "smp_store_release({}, 1)", "*{} = 1"


@pytest.mark.parametrize(("shape", "verdict"), [
    ((PLAIN, RELEASE, PLAIN, RELEASE), "Sometimes 1 3"),  # two bounded edges
    ((ACQUIRE, STORE, ACQUIRE, STORE), "Sometimes 1 3"),  # two bounded edges
    ((PLAIN, RELEASE, ONCE, RELEASE), "Never 0 3"),  # one, and one in happens-before
    ((PLAIN, RELEASE, ONCE, "WRITE_ONCE(*{}, 1)"), "Sometimes 1 3"),  # one, and one free
], ids=["plain-release", "acquire-plain", "one-bounded", "bounded-and-free"])
def test_two_bounded_dependencies_close_a_cycle(shape: tuple[str, str, str, str],
                                                verdict: str, tmp_path: Path) -> None:
    """The cycle's execution is listed exactly where herd7 lists it: a speculation
    domain that took a bounded edge for an ordered one would say Never for the first
    two (load buffering between plain reads and release stores is a data race, not
    incoherent)."""
    path = tmp_path / "lb.litmus"
    path.write_text(_lb(*shape))
    for lines in (builtin_lines(path), herd_lines(path, herd_session(need_lkmm()))):
        assert f"Observation lb {verdict}" in lines, lines


def _graphs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the graphs the explorer extends from now on (a subclass: compiled
    by mypyc, Explorer's own methods cannot be replaced)."""
    count = [0]

    class Counting(Explorer):
        def _extend(self, g: Any) -> None:
            count[0] += 1
            super()._extend(g)

    monkeypatch.setattr(session, "Explorer", Counting)
    return count


@pytest.mark.parametrize("name", ["speculation-plain-read-in-lock",
                                  "speculation-plain-accesses-bounded"])
def test_a_lone_bounded_dependency_makes_no_read_speculate(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated tests (locks, SRCU, plain accesses) whose every cycle has one bounded
    edge and none free: herd7's lines on both paths, and fewer graphs than when each
    bounded edge counts as free (the domain before: reads speculated, for nothing)."""
    path = CASES / f"{name}.litmus"
    herd7 = [line for line in (CASES / f"{name}.herd7").read_text().splitlines()
             if line and not line.startswith(("Time ", "Hash="))]
    herd = herd_session(need_lkmm())
    count = _graphs(monkeypatch)
    assert builtin_lines(path) == herd7
    assert herd_lines(path, herd) == herd7
    bounded = count[0]
    monkeypatch.setattr(LKMM, "bounded", lambda self, read, write, between: False)
    count[0] = 0
    assert builtin_lines(path) == herd7
    assert herd_lines(path, herd) == herd7
    assert bounded < count[0]
