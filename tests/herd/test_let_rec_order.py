"""``let rec`` evaluates its bindings in order: the bell file's RCU nesting.

linux-kernel.bell matches rcu_read_lock/unlock pairs with a ``let rec`` whose
bindings are not monotone.  Two critical sections one after the other on one
CPU, around a synchronize_rcu(), are two sections, never one spanning the grace
period; a program with no writes has its one execution (hand-derived: nothing
can be reordered, nothing read but the initial values).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need_lkmm
from tests.support.herd import herd

TWO_SECTIONS = """C two-sections

{}

P0(int *x)
{
	int r0;
	r0 = READ_ONCE(*x);
}

P1(int *x)
{
	int r0;
	int r1;
	rcu_read_lock();
	r0 = READ_ONCE(*x);
	rcu_read_unlock();
	synchronize_rcu();
	rcu_read_lock();
	r1 = READ_ONCE(*x);
	rcu_read_unlock();
}

exists (0:r0=0 /\\ 1:r0=0 /\\ 1:r1=0)
"""


def test_sections_around_a_grace_period_are_two(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = need_lkmm()
    test = tmp_path / "two-sections.litmus"
    test.write_text(TWO_SECTIONS)
    out = herd(capsys, "-conf", str(root / "linux-kernel.cfg"), str(test))
    assert out.observations()["two-sections"] == "Observation two-sections Always 1 0"
