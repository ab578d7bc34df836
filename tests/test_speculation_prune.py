"""What keeps a speculating pass (smpcheck.explore.speculation) from exploring graphs
that lead nowhere new, checked against herd7 7.58's lines for the same test
(tests/data/speculation/cat_trylock_cycle.*: P0's failed spin_trylock() may sit on a
load-buffering cycle, so its read speculates): each cut must leave the output alone
and explore fewer graphs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpcheck.explore import session
from smpcheck.explore.explorer import Explorer
from smpcheck.explore.speculation import graph_key
from smpcheck.models.cat import CatMemoryModel
from tests.conftest import need_lkmm
from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session

DATA = Path(__file__).parent / "data" / "speculation"
TEST = DATA / "cat_trylock_cycle.litmus"
HERD7 = (DATA / "cat_trylock_cycle.herd7").read_text().splitlines()


def _explored(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], set[str]]:
    """The graphs the explorer extends from now on, each with its key if a speculating
    pass's read speculates or was resolved there (else None); and the names of the
    explorer's checks to turn off (``_duplicate``).  The explorer is a subclass that
    records (compiled by mypyc, Explorer's own methods cannot be replaced)."""
    seen: list[Any] = []
    off: set[str] = set()

    class Recording(Explorer):
        def _extend(self, g: Any) -> None:
            speculating = self.speculating and (g.spec or g.spec_resolved)
            seen.append(graph_key(g, self.domain.version) if speculating else None)
            super()._extend(g)

        def _duplicate(self, g: Any) -> bool:
            return "_duplicate" not in off and super()._duplicate(g)

    monkeypatch.setattr(session, "Explorer", Recording)
    return seen, off


def _with_and_without(monkeypatch: pytest.MonkeyPatch, run: Callable[[], list[str]],
                      owner: type, cut: str, off: Any) -> tuple[list[Any], list[Any]]:
    """The graphs explored by ``run`` (which must print herd7's lines) with the cut, then
    with ``owner.cut`` replaced by ``off`` (the explorer's: turned off)."""
    seen, turned_off = _explored(monkeypatch)
    assert run() == HERD7
    on = list(seen)
    seen.clear()
    if owner is Explorer:
        turned_off.add(cut)
    else:
        monkeypatch.setattr(owner, cut, off)
    assert run() == HERD7
    return on, seen


def test_a_speculating_pass_explores_each_graph_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speculation reaches one graph by several paths; the explorer extends each once
    (Explorer._duplicate): no key twice among the graphs extended, fewer graphs than
    without the check, which extends repeats, and the same lines."""
    on, without = _with_and_without(monkeypatch, lambda: builtin_lines(TEST), Explorer,
                                    "_duplicate", lambda self, g: False)
    keys = [k for k in on if k is not None]
    assert keys and len(set(keys)) == len(keys)
    repeated = [k for k in without if k is not None]
    assert len(set(repeated)) < len(repeated)
    assert len(on) < len(without)


def test_the_cat_path_cuts_speculating_graphs_the_kernel_axioms_forbid(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The cat path judged its model on complete executions only, so a graph where a
    read speculates was explored to its end although its cycle was already forbidden
    (CatMemoryModel._speculating cuts it): the same lines, fewer graphs."""
    session = herd_session(need_lkmm())
    on, without = _with_and_without(monkeypatch, lambda: herd_lines(TEST, session),
                                    CatMemoryModel, "_speculating", lambda self, g: None)
    assert len(on) < len(without)
