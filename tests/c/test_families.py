"""Each kernel primitive family in a C example, under sc, tso and lkmm.

The expected verdicts come from the memory models, not from the tool (each
file's comment says why): the designs as written are safe under every
model; the -D variants break them where theory says they break.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck.c import load_c_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.settings import LOOP_BOUND

C = Path(__file__).resolve().parents[2] / "examples" / "c"
MODELS = ("sc", "tso", "lkmm")

SAFE = [
    ("refcount.c", ()),          # atomic_t, atomic_dec_and_test, kzalloc/kfree, init()
    ("claim.c", ()),             # cmpxchg, xchg, xchg_acquire, BUG_ON
    ("mutex.c", ()),             # mutex_lock/unlock, WARN_ON, BUG_ON
    ("irq-preempt.c", ()),       # spin_lock_irqsave, local_irq_*, preempt_*
    ("rcu-replace.c", ()),       # RCU: rcu_assign_pointer, synchronize_rcu, kfree
    ("list.c", ()),              # list_head, container_of, list_for_each_entry
    ("list.c", ("RCU",)),        # list_add_rcu, list_for_each_entry_rcu
    ("lost-wakeup.c", ("FIXED",)),  # cpu_relax waits, smp_mb
    ("counter.c", ()),           # spinlocks
    ("handshake.c", ("FENCE_AFTER_PUBLISH", "FENCE_BEFORE_CHECK")),
]

# file, defines -> memory model -> the kinds of finding --all reports.
BROKEN = [
    ("refcount.c", ("RELAXED",), {"sc": [], "tso": [],
                                  "lkmm": ["use-after-free", "use-after-free"]}),
    ("rcu-replace.c", ("NO_SYNC",), {m: ["use-after-free", "use-after-free"] for m in MODELS}),
    ("lost-wakeup.c", (), {m: ["endless-wait"] for m in MODELS}),
    ("lost-wakeup.c", ("FIXED", "NO_MB"), {"sc": [], "tso": ["endless-wait"],
                                             "lkmm": ["endless-wait"]}),
    ("abba.c", (), {m: ["deadlock"] for m in MODELS}),
]


# The families smpcheck.kernel gains in time: checked when it has them (the kinds
# of finding each run must include; a safe run must have none).
LATER = [
    ("waitqueue.c", (), "wait_event", {m: [] for m in MODELS}),
    ("waitqueue.c", ("CHECK_ACTIVE",), "wait_event",
     {"sc": [], "tso": ["endless-wait"], "lkmm": ["endless-wait"]}),
    ("seqcount.c", (), "read_seqcount_begin", {m: [] for m in MODELS}),
    ("refcount-t.c", (), "refcount_dec_and_test", {m: [] for m in MODELS}),
]


# Loops of wait_event() each example needs: one sleep shows the handshake.  Under the
# LKMM its reads speculate (the lock and the task state close cycles of the site
# graph that only the lock forbids), and the exploration grows about eightfold per
# iteration: 3 s at two, 25 s at three, past the speculation budget at the default.
LOOPS = {"waitqueue.c": 2}


def _run(name: str, defines: tuple[str, ...], mm: str) -> tuple[int, list[str]]:
    model, names = load_c_model(str(C / name), dict.fromkeys(defines, "1"))
    settings = Settings(all_violations=True, loop_bound=LOOPS.get(name, LOOP_BOUND))
    r = verify(model, names, mm, settings)
    assert not r.incomplete, r.incomplete
    return r.exit_status, sorted(v.kind.value for v in r.violations)


@pytest.mark.parametrize(("name", "defines"), SAFE,
                         ids=[n + "".join("-" + d for d in ds) for n, ds in SAFE])
def test_family_example_is_safe_under_every_model(name: str, defines: tuple[str, ...]) -> None:
    for mm in MODELS:
        assert _run(name, defines, mm) == (0, []), mm


@pytest.mark.parametrize(("name", "defines", "expected"), BROKEN,
                         ids=[n + "".join("-" + d for d in ds) for n, ds, _ in BROKEN])
def test_broken_variant_fails_where_theory_says(name: str, defines: tuple[str, ...],
                                                expected: dict[str, list[str]]) -> None:
    for mm in MODELS:
        status, kinds = _run(name, defines, mm)
        assert kinds == sorted(expected[mm]), mm
        assert status == (1 if expected[mm] else 0), mm


@pytest.mark.parametrize(("name", "defines", "needs", "expected"), LATER,
                         ids=[n + "".join("-" + d for d in ds) for n, ds, _, _ in LATER])
def test_later_family(name: str, defines: tuple[str, ...], needs: str,
                      expected: dict[str, list[str]]) -> None:
    import smpcheck.kernel as kernel

    if not hasattr(kernel, needs):
        pytest.skip(f"smpcheck.kernel has no {needs} yet")
    for mm in MODELS:
        status, kinds = _run(name, defines, mm)
        assert set(expected[mm]) <= set(kinds) and bool(kinds) == bool(expected[mm]), mm
        assert status == (1 if expected[mm] else 0), mm


def test_a_missing_family_is_an_error_at_the_type(tmp_path: Path) -> None:
    """A type of a family this smpcheck.kernel lacks is a usage error at its line."""
    import smpcheck.kernel as kernel
    from smpcheck.errors import UsageError

    if hasattr(kernel, "wait_queue_head_t"):
        pytest.skip("smpcheck.kernel has wait queues")
    path = tmp_path / "w.c"
    path.write_text("int x;\nDECLARE_WAIT_QUEUE_HEAD(wq);\nvoid P0(void) { }\n")
    with pytest.raises(UsageError) as info:
        load_c_model(str(path))
    assert info.value.line == 2 and "wait_queue_head_t" in info.value.message


def test_every_c_example_is_covered() -> None:
    from tests.c.test_equivalence import PAIRS

    covered = {n for n, _ in SAFE} | {n for n, _, _ in BROKEN} | {c for c, _, _ in PAIRS}
    covered |= {n for n, _, _, _ in LATER}
    assert {p.name for p in C.glob("*.c")} == covered
