"""The built-in LKMM (smpcheck/models/lkmm.py) against the kernel's own model files.

The same explorer runs each test twice: under ``--mm lkmm`` with smpcheck's
kernel API, and under linux-kernel.cfg's cat files interpreted by
smpcheck.cat with linux-kernel.def's macros (herd mode).  Verdict,
positive / negative counts, final states and flags must agree, on the
kernel's 35 tests and on random programs over kernel primitives
(tests/support/litmus_gen.py, tests/support/lkmm_gen.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smpcheck.cat import load_config_model, read_defs
from smpcheck.explore.explorer import Settings
from smpcheck.herd.defmacros import def_macros
from smpcheck.litmus.c_macros import MACROS
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import LitmusRun, run_litmus
from smpcheck.models.cat import CatMemoryModel
from tests.conftest import LKMM, need_lkmm
from tests.support.litmus_gen import litmus_tests
from tests.support.lkmm_gen import generate


@pytest.fixture(scope="module")
def herd_mode() -> tuple[CatMemoryModel, dict[str, Any]]:
    root = need_lkmm()
    cat = CatMemoryModel(load_config_model(root / "linux-kernel.cfg"), "linux-kernel.cat")
    return cat, def_macros(read_defs(root / "linux-kernel.def"))


def _summary(run: LitmusRun) -> tuple[Any, ...]:
    return (run.verdict, run.positive, run.negative, dict(run.states), run.flags,
            run.result.incomplete)


def _both(text: str, path: str, mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    cat, macros = mode
    test = parse_litmus(text, path)
    interpreted = run_litmus(test, cat, None, text, macros)
    builtin = run_litmus(test, "lkmm", None, text)
    assert _summary(builtin) == _summary(interpreted), text


def _kernel_files() -> list[Any]:
    files = sorted((LKMM / "litmus-tests").glob("*.litmus"))
    return [pytest.param(p, id=p.stem) for p in files] or \
        [pytest.param(None, marks=pytest.mark.skip("shared litmus data absent"))]


@pytest.mark.parametrize("path", _kernel_files())
def test_kernel_tests_agree(path: Path, herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    _both(path.read_text(), str(path), herd_mode)


def test_both_macro_tables_write_the_same_unseen_values(
        herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    """A statement that never ran offers what its calls write unseen (a lock's 1, an
    atomic operation's result) as latent values: the kernel API's table gives it by
    name, the def file's from the macro bodies' primitives; they must agree on every
    macro both know, for several old values and operands, and locks and atomic
    arithmetic must have it (else cycles through a lock taken only on the cycle are
    missed: case lock-taken-only-on-cycle)."""
    _cat, macros = herd_mode
    common = sorted(set(MACROS) & set(macros))
    assert len(common) > 100

    def table(t: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in common:
            writes, v = t[n].writes, t[n].roles.count("v")
            out[n] = None if writes is None else [
                writes(old, (x,) * v) for old in (0, 5, -3) for x in (1, 6)]
        return out

    assert table(MACROS) == table(macros)
    assert macros["spin_lock"].writes(0, ()) == 1
    assert macros["atomic_dec_return_relaxed"].writes(0, ()) == -1
    assert macros["atomic_fetch_andnot"].writes(7, (2,)) == 5
    assert sum(table(macros)[n] is not None for n in common) > 50


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=litmus_tests())
def test_random_programs_agree(herd_mode: tuple[CatMemoryModel, dict[str, Any]],
                               text: str) -> None:
    _both(text, "generated.litmus", herd_mode)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(2, 2**20), index=st.integers(0, 599))
@example(seed=1007279, index=421)  # the cat path crashed judging a read's latest source
def test_corpus_generator_programs_agree(herd_mode: tuple[CatMemoryModel, dict[str, Any]],
                                         seed: int, index: int) -> None:
    """tests/support/lkmm_gen.py's programs (every primitive of linux-kernel.def) with
    other seeds than the recorded corpus's: the two paths agree on each one both
    explore completely within the bound.  The same seeds every run (a CI run must not
    depend on the draw); new seeds are bench/lkmm_cross.py's, which found the last two
    corpora's bugs."""
    cat, macros = herd_mode
    text = generate(seed, index)
    test = parse_litmus(text, "generated.litmus")
    interpreted = run_litmus(test, cat, Settings(max_executions=1000), text, macros)
    builtin = run_litmus(test, "lkmm", Settings(max_executions=1000), text)
    if not (interpreted.result.incomplete or builtin.result.incomplete):
        assert _summary(builtin) == _summary(interpreted), text


RCU_REVISIT = """C rcu-revisit

{}

P0(int *x, int *y)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*y);
	synchronize_rcu();
	r1 = READ_ONCE(*x);
}

P1(int *x, int *y)
{
	rcu_read_lock();
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*y, 1);
	rcu_read_unlock();
	WRITE_ONCE(*y, 1);
}

exists (0:r0=0 /\\ 0:r1=0)
"""


def test_a_read_before_a_grace_period_revisited_by_a_write_after_the_section(
        herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    """Found by the random test.  By hand: r0 reads y's initial value, the y=1 in the
    critical section or the one after it; if it reads either 1 the section began
    before the grace period, so r1 reads x=1; otherwise r1 reads 0 or 1.  Four
    executions, one with r0=0 and r1=0.  The built-in model cut the prefix where
    r0 read the in-section y=1 and r1 read 0 (inconsistent once the section is
    closed) and so never reached r0 reading the later y=1: it counted three."""
    builtin = run_litmus(parse_litmus(RCU_REVISIT, "rcu-revisit.litmus"), "lkmm", None,
                         RCU_REVISIT)
    assert (builtin.positive, builtin.negative) == (1, 3)
    _both(RCU_REVISIT, "rcu-revisit.litmus", herd_mode)


BEFORE_ATOMIC = """C before-atomic-keeps

{}

P0(int *x, int *y, struct srcu_struct *s)
{
	int r1;
	r1 = atomic_read_acquire(x);
	WRITE_ONCE(*y, 1);
	srcu_read_unlock(s, 0);
	smp_mb__after_srcu_read_unlock();
	srcu_read_unlock(s, 0);
}

P1(int *x, int *y, struct srcu_struct *s)
{
	int r2;
	int r3;
	int r4;
	r2 = srcu_read_lock(s);
	smp_mb__before_atomic();
	r3 = atomic_xchg_acquire(y, 2);
	r4 = atomic_fetch_inc_acquire(x);
}

exists (0:r1=1)
"""


def test_a_read_before_smp_mb__before_atomic_stays_when_a_later_write_revisits(
        herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    """Reduced from a generated test where the built-in model found 138 of herd7's 348
    executions.  herd7 7.58: ``Observation before-atomic-keeps Sometimes 1 5``; the
    positive one has P0 read x=1 from P1's fetch_inc, whose revisit of P0's read must
    keep P1's srcu_read_lock() read (smp_mb__before_atomic() and the xchg order it
    before the fetch_inc).  Dropped, the read had to be re-read coherence-latest
    first, and that graph has a happens-before cycle: the execution was lost."""
    builtin = run_litmus(parse_litmus(BEFORE_ATOMIC, "ba.litmus"), "lkmm", None, BEFORE_ATOMIC)
    assert (builtin.positive, builtin.negative) == (1, 5)
    _both(BEFORE_ATOMIC, "ba.litmus", herd_mode)


CTRL_ENDS = """C ctrl-ends-with-if

{}

P0(int *x, spinlock_t *l)
{
	spin_lock(l);
}

P1(int *x, spinlock_t *l)
{
	spin_lock(l);
	WRITE_ONCE(*x, 1);
	spin_unlock(l);
}

P2(int *x, int *y, spinlock_t *l)
{
	int r0;
	if (spin_trylock(l)) {
		WRITE_ONCE(*y, 1);
	}
	r0 = xchg_relaxed(x, 1);
}

exists (2:r0=0)
"""


def test_a_control_dependency_ends_with_its_if_statement(
        herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    """herd7 7.58: ``Observation ctrl-ends-with-if Sometimes 2 2``.  The positive
    execution missing before: P1 writes x=1 in its critical section, P0 takes the
    lock after it and keeps it, P2's spin_trylock() fails reading P0's lock write and
    P2's xchg_relaxed() reads x=0.  With the trylock's control dependency reaching
    past the if to the xchg's write, that write came both after the failed trylock
    (the dependency) and before it (prop: its coherence successor P1's x=1, P1's
    unlock, P0's lock write read by the trylock): a happens-before cycle herd7 does
    not have, since in its C a control dependency covers the if's branches only."""
    builtin = run_litmus(parse_litmus(CTRL_ENDS, "ce.litmus"), "lkmm", None, CTRL_ENDS)
    assert (builtin.positive, builtin.negative) == (2, 2)
    _both(CTRL_ENDS, "ce.litmus", herd_mode)
