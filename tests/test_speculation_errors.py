"""Model code that raises on a value a read speculates: an error only if some execution
gives the read that value (the LKMM's load-buffering cycles run through speculation).

Found by the sweep of the 6.15 design (an IndexError in a speculating pass) and the C
front end's container_of; the models here are the smallest such shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck._rt.loader import load_model
from smpcheck.errors import UsageError
from smpcheck.explore.verify import verify
from smpcheck.settings import Settings

DATA = Path(__file__).parent / "data" / "speculation"


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_a_raise_on_a_value_no_execution_gives_is_no_error(mm: str) -> None:
    """P0 raises if it reads x == 1; P1 writes 1 only after reading P0's write, which P0
    makes only after reading 0: no execution reads 1.  By hand, two executions: P0
    reads 0 and writes y = 1; P1 reads y = 0, or y = 1 and writes x = 1 (after P0's
    read in coherence order's sense: fr).  (Brute force cannot serve: it runs each CPU
    on every value a read might see, 1 included, and the model raises there.)"""
    model, names = load_model(str(DATA / "raise_on_unreal_value.py"))
    r = verify(model, names, mm, Settings(all_violations=True))
    assert r.complete
    assert r.executions == 2


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_a_raise_on_a_value_some_execution_gives_is_an_error(mm: str) -> None:
    model, names = load_model(str(DATA / "raise_on_real_value.py"))
    with pytest.raises(UsageError, match="IndexError") as info:
        verify(model, names, mm, Settings(all_violations=True))
    assert info.value.line == 10


def test_a_non_pointer_a_read_speculated_is_no_bad_input() -> None:
    """A litmus test whose only write of pointer p is its initial x: a read of p that
    speculates (it may sit on a load-buffering cycle) takes 1, a value the test writes
    elsewhere, and dereferences it.  That is no input's fault unless some execution
    reads 1 there; none does.  tests/support/lkmm_gen.py's generate(11750, 24): it was
    refused as bad input (`the value 1 is not a pointer`); herd7 7.58's lines are in
    the .herd7 file next to it, and both LKMM paths must print them."""
    from tests.conftest import need_lkmm
    from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session

    path = DATA / "pointer_speculated_non_pointer.litmus"
    want = (DATA / "pointer_speculated_non_pointer.herd7").read_text().splitlines()
    assert builtin_lines(path) == want
    assert herd_lines(path, herd_session(need_lkmm())) == want


def test_a_writer_that_ended_may_run_again() -> None:
    """P1's plain read of x speculates 1, the value of P0's xchg_release; P0 has ended,
    but P2's fetch_add, reading P1's atomic_inc, may revisit P0's fetch_add: P0 runs
    again and writes x = 1 anew.  The explorer dropped the speculating graph once P0
    ended, and with it the one execution where P0 reads 2 after P2 read 1 (found by
    bench/fuzz.py, minimized): both LKMM paths said Never 0 7, herd7 7.58 Sometimes 1 7
    (its lines are in the .herd7 file)."""
    from tests.conftest import need_lkmm
    from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session

    path = DATA / "rerun_writer.litmus"
    want = (DATA / "rerun_writer.herd7").read_text().splitlines()
    assert builtin_lines(path) == want
    assert herd_lines(path, herd_session(need_lkmm())) == want
