"""Unlocks that match no lock (lock.cat's unmatched UL), read by spin_is_locked().

A lone unlock is a fence with the lock's location: in no coherence order, read by
spin_is_locked() of other CPUs (rf-ru), in po-loc with the lock's other accesses.
Generated tests where lone unlocks meet spin_is_locked(), locks, trylocks and a
few accesses (tests/support/diff_gen.py's ``lone`` and ``locks`` themes) are run
through the explorer and brute force under each model; bench/fuzz.py
``--theme locks --herd7`` runs them against herd7 for as long as it is given.

What went wrong (tests/data/herd7/cases/lone-unlocks-read-by-spin-is-locked):
a revisit by a spin_lock() kept an unlock before it through the unlock-lock rule
(po-unlock-lock-po) that needs the unlock between them, which it did not keep (a
lone unlock was not an access of its location to keep): a later revisit cut that
one, and the first was left frozen though no longer kept, so no revisit could cut
it and an execution was lost.  :func:`test_what_a_revisit_keeps_stays_kept` asks
it of every revisit.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from smpcheck.explore import session
from smpcheck.explore.explorer import Explorer
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import run_litmus
from smpcheck.model.values import EventId
from tests.support.diff_gen import litmus_tests
from tests.support.diff_harness import disagreements

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@EXAMPLES
@given(litmus_tests(max_cpus=3, max_steps=3, theme="lone"))
def test_lone_unlocks_agree_with_brute_force(text: str) -> None:
    """Executions and final states under sc, tso and lkmm are brute force's (no
    duplicate, no execution lost)."""
    found = disagreements(text, cat=False)
    assert not [f for f in found if not f.startswith("incomplete")], text


@EXAMPLES
@given(litmus_tests(max_cpus=3, max_steps=3, theme="locks"))
def test_locks_with_accesses_agree_with_brute_force(text: str) -> None:
    found = disagreements(text, cat=False)
    assert not [f for f in found if not f.startswith("incomplete")], text


def _unkept(g: Any, w: EventId, keep: set[EventId], keeps_order: Any) -> set[EventId]:
    """What a revisit by ``w`` keeps in ``g`` but would not keep once the events it
    does not keep are gone (as a later revisit may cut them)."""
    rest = g.copy()
    rest.remove({e for e in g.stamp if e not in keep})
    return keep - rest.dep_prefix(w, keeps_order)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=4, theme="lone"))
def test_what_a_revisit_keeps_stays_kept(text: str) -> None:
    """Under the LKMM a revisit keeps what its write depends on and freezes it; each
    kept event must stay kept without the events the revisit cuts, or a later revisit
    cuts what it needs and the frozen event can be neither kept nor cut.  (Ten of
    these 300 tests broke it before lone unlocks were kept as accesses; a few
    seconds.)"""
    broken: list[Any] = []

    class Checking(Explorer):
        def _keep(self, g: Any, w: EventId) -> set[EventId]:
            keep = super()._keep(g, w)
            lost = _unkept(g, w, keep, self.mm.keeps_order)
            if lost:
                broken.append((w, sorted(lost)))
            return keep

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(session, "Explorer", Checking)
        run_litmus(parse_litmus(text, "gen.litmus"), "lkmm", None, text)
    assert not broken, text
