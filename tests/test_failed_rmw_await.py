"""A spin loop whose iterations end in a failed RMW (a cmpxchg spin lock's retry) is an
await, as one that only reads: a failed cmpxchg writes nothing, so an iteration that
repeats it with the same value changes nothing, and the CPU waits for a write instead
(smpcheck._rt.loops).  It ran --loop-bound iterations, each retry a read that the LKMM's
speculation took anew, and was cut short.

Oracles: the same critical section under the kernel's spin_lock(), which the explorer
models as a lock (no loop): the same executions and blocked ones, under each model;
and a cmpxchg loop that retries with the value it read (no await after one failure:
the retry succeeds) against the same loop without cpu_relax(), bounded instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck import Kind, Settings, verify
from smpcheck.c.load import load_c_model
from smpcheck.results.result import Result

ACQUIRES = {
    "cmpxchg": ("int lock;", "while (cmpxchg_acquire(&lock, 0, 1) != 0)\n\t\tcpu_relax();",
                "smp_store_release(&lock, 0);"),
    "atomic": ("atomic_t lock;",
               "while (atomic_cmpxchg_acquire(&lock, 0, 1) != 0)\n\t\tcpu_relax();",
               "atomic_set_release(&lock, 0);"),
    "full": ("int lock;", "while (cmpxchg(&lock, 0, 1))\n\t\tcpu_relax();",
             "smp_mb();\n\tWRITE_ONCE(lock, 0);"),
    "spin_lock": ("DEFINE_SPINLOCK(lock);", "spin_lock(&lock);", "spin_unlock(&lock);"),
}


def lock_program(kind: str, cpus: int, release: bool = True) -> str:
    """A C model: ``cpus`` CPUs each increment a plain counter under the lock ``kind``
    (without ``release`` none unlocks); the condition: every increment counted."""
    decl, acquire, unlock = ACQUIRES[kind]
    body = f"\t{acquire}\n\tcounter = counter + 1;\n" + (f"\t{unlock}\n" if release else "")
    out = f"{decl}\nint counter;\n\nstatic void inc(void)\n{{\n{body}}}\n\n"
    out += "".join(f"void P{i}(void)\n{{\n\tinc();\n}}\n\n" for i in range(cpus))
    return out + f"forall (counter={cpus})\n" if release else out


def _check(tmp_path: Path, text: str, mm: str) -> Result:
    path = tmp_path / "lock.c"
    path.write_text(text)
    model, names = load_c_model(str(path))
    return verify(model, names, mm, Settings(all_violations=True))


@pytest.mark.parametrize(("mm", "cpus"), [("sc", 2), ("sc", 3), ("tso", 3), ("lkmm", 2)])
@pytest.mark.parametrize("kind", ["cmpxchg", "atomic", "full"])
def test_a_cmpxchg_lock_runs_as_the_kernels_lock(tmp_path: Path, kind: str, mm: str,
                                                 cpus: int) -> None:
    got = _check(tmp_path, lock_program(kind, cpus), mm)
    want = _check(tmp_path, lock_program("spin_lock", cpus), mm)
    assert got.complete and want.complete, (got.incomplete, want.incomplete)
    assert not got.violations and not want.violations
    assert (got.executions, got.blocked) == (want.executions, want.blocked)


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_cmpxchg_lock_never_released_is_an_endless_wait(tmp_path: Path, mm: str) -> None:
    """No CPU releases: the second one's retries wait forever for a write no CPU makes."""
    r = _check(tmp_path, lock_program("cmpxchg", 2, release=False), mm)
    assert r.complete, r.incomplete
    assert [v.kind for v in r.violations] == [Kind.ENDLESS_WAIT]


UPDATE = """int x;

static void inc(void)
{
\tint old, prev;

\told = READ_ONCE(x);
\twhile ((prev = cmpxchg(&x, old, old + 1)) != old) {
\t\told = prev;
\t\tRELAX
\t}
}

void P0(void)
{
\tinc();
}

void P1(void)
{
\tinc();
}

forall (x=2)
"""


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_a_cmpxchg_loop_that_retries_with_what_it_read_is_no_wait(tmp_path: Path,
                                                                  mm: str) -> None:
    """A failed cmpxchg here feeds the next try (its operands depend on a read): one
    failure must not block the CPU (it would wait for a write no CPU makes: a false
    endless wait), the retry succeeds."""
    got = _check(tmp_path, UPDATE.replace("RELAX", "cpu_relax();"), mm)
    want = _check(tmp_path, UPDATE.replace("RELAX", ""), mm)
    assert got.complete and want.complete, (got.incomplete, want.incomplete)
    assert not got.violations and not want.violations
    assert (got.executions, got.blocked) == (want.executions, want.blocked)


STALE = """int x;

void P0(void)
{
\tint old;

\told = READ_ONCE(x);
\twhile (cmpxchg(&x, old, old + 1) != old)
\t\tcpu_relax();
}

void P1(void)
{
\tWRITE_ONCE(x, 5);
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_cmpxchg_loop_that_retries_a_stale_value_waits_forever(tmp_path: Path,
                                                                  mm: str) -> None:
    """The operands come from a read made once: when P1's write lands between the read
    and the cmpxchg, every retry is the same failure; two in a row and the CPU waits, for
    a write that never comes (it ran to the loop bound, incomplete)."""
    r = _check(tmp_path, STALE, mm)
    assert r.complete, r.incomplete
    assert [v.kind for v in r.violations] == [Kind.ENDLESS_WAIT]
