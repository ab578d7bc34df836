"""Barrier hints point where a barrier forbids the counterexample, on whichever CPU
that is: the seqcount writer, the lost wakeup's waker (examples/), and, on
random message-passing, store-buffering and load-buffering shapes, the hinted
barriers inserted by hand into the source forbid the weak outcome by brute force."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from smpcheck._rt.loader import load_model
from smpcheck._rt.sites import site_of
from smpcheck.analyses.fix import Change
from smpcheck.analyses.hints import barrier_hints, find_hints
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import translate
from smpcheck.results.findings import Kind
from tests.analyses.oracle import CandidateLimit, change_text, observation
from tests.analyses.test_barriers import shapes

HINTS = Path(__file__).resolve().parents[2] / "examples"


def _first(path: Path, mm: str = "lkmm"):  # type: ignore[no-untyped-def]
    model, names = load_model(str(path))
    return verify(model, names, mm, Settings()).violations[0]


def test_seqcount_blames_the_writer() -> None:
    v = _first(HINTS / "seqcount.py")
    hints = find_hints(v, "lkmm")
    assert len(hints) == 1 and len(hints[0]) == 1
    a, b, kind = hints[0][0]
    assert (a.tid, b.tid, kind) == (0, 0, "smp_wmb")  # the writer, between its stores
    assert "WRITE_ONCE(seq, 1)" in a.src.text and "WRITE_ONCE(data, 1)" in b.src.text


def test_lost_wakeup_blames_the_waker() -> None:
    v = _first(HINTS / "lost-wakeup.py")
    hints = find_hints(v, "lkmm")
    assert hints and all(b.tid == 1 for h in hints for _, b, _ in h)  # never the waiter
    notes = barrier_hints(v, "lkmm")
    assert notes is not None
    assert any("smp_mb__after_spinlock()" in text for text in notes.values())


def test_no_hint_under_sc() -> None:
    model, names = load_model(str(HINTS / "seqcount.py"))
    v = verify(model, names, "sc", Settings())
    assert not v.violations or barrier_hints(v.violations[0], "sc") is None


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(shapes(ordered=False))
def test_hinted_barriers_forbid_the_weak_outcome(text: str) -> None:
    """In these shapes the weak outcome is one execution: a hint claims a barrier
    forbids it, so brute force must find the outcome Never with the barriers written
    into the source."""
    text = text.replace("\nexists (", "\n~exists (")
    model, names = translate(parse_litmus(text, "shape.litmus"), text)
    model.observe_only = False
    found = [v for v in verify(model, names, "lkmm", Settings()).violations
             if v.kind == Kind.CONDITION]
    if not found:
        return
    plain = text.replace("\n~exists (", "\nexists (")
    try:
        assert observation(plain, "lkmm") != "Never"
    except CandidateLimit:
        return
    hints = find_hints(found[0], "lkmm")
    for hint in hints:
        changes = tuple(Change(site_of(b), kind) for _, b, kind in hint)
        assert observation(change_text(plain, changes), "lkmm") == "Never", (plain, changes)
    if not hints:  # then smp_mb() on both CPUs does not forbid it either
        g = found[0].graph
        assert g is not None
        seconds = [[ev for ev in t if ev is not None and ev.kind in "RW" and not
                    (ev.kind == "W" and ev.rmw)][1] for t in g.threads]
        both = tuple(Change(site_of(b), "smp_mb") for b in seconds)
        assert observation(change_text(plain, both), "lkmm") != "Never", plain
