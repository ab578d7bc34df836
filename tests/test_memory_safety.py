"""Use-after-free by the memory model's own semantics, checked against litmus tests.

kfree() writes POISON to the object, so a read of freed memory is one that
reads it in an execution the memory model allows.  The oracle is the same
program as a C litmus test where kfree is a WRITE_ONCE of a poison constant,
run through smpcheck's litmus front end (a separate translation and no
use-after-free machinery: only the litmus condition): smpcheck must report a
use-after-free on the model under a memory model exactly when the litmus
condition (a read got the poison, or a store landed after it) is reachable
under that model.  herd7's own verdicts, recorded under tests/data/uaf, check
the litmus side under the LKMM.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from smpcheck._rt.loader import load_model
from smpcheck._rt.runtime import STOPPED
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.litmus.run import check_litmus
from smpcheck.results.findings import Kind
from smpcheck.results.result import Result
from tests.support.cli import line_of
from tests.support.uaf_shapes import Shape, shapes, to_litmus, to_model

DATA = Path(__file__).resolve().parent / "data" / "uaf"
MODELS = ("sc", "tso", "lkmm")
CASES = sorted(p.stem for p in DATA.glob("*.litmus"))


def run(path: Path, mm: str) -> Result:
    model, names = load_model(str(path))
    return verify(model, names, mm, Settings(all_violations=True))


def kinds(result: Result) -> set[Kind]:
    return {v.kind for v in result.violations}


def herd_verdict(name: str) -> str:
    """herd7's Observation (Never, Sometimes, Always) for ``NAME.litmus``."""
    text = (DATA / f"{name}.herd7").read_text()
    [line] = [x for x in text.splitlines() if x.startswith("Observation ")]
    return line.split()[2]


# -- the shapes of the issue, by hand --------------------------------------------------------
# Derivations: under SC nothing is reordered; on x86 a locked RMW is a full barrier and
# only a store may pass a later load, so the refcount and handoff shapes are safe there
# while the handshake (store buffering) is not without smp_mb().  Under the LKMM a relaxed
# RMW orders nothing, a WRITE_ONCE does not order the read before it, and neither does
# store buffering without a full barrier; release/acquire, a fully ordered RMW and smp_mb()
# restore the order.
EXPECTED = {
    "refcount-relaxed": {"lkmm"},
    "refcount-mb": set(),
    "handoff-once": {"lkmm"},
    "handoff-release-acquire": set(),
    "handshake-sb": {"tso", "lkmm"},
    "handshake-sb-mb": set(),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("mm", MODELS)
def test_hand_shapes(name: str, mm: str) -> None:
    found = Kind.USE_AFTER_FREE in kinds(run(DATA / f"{name}.py", mm))
    assert found == (mm in EXPECTED[name])
    assert (check_litmus(DATA / f"{name}.litmus", mm).verdict != "Never") == found


@pytest.mark.parametrize("name", CASES)
def test_recorded_herd7_verdicts(name: str) -> None:
    """The recorded shapes (by hand and generated) against herd7 under the LKMM."""
    verdict = herd_verdict(name)
    assert check_litmus(DATA / f"{name}.litmus", "lkmm").verdict == verdict
    assert (Kind.USE_AFTER_FREE in kinds(run(DATA / f"{name}.py", "lkmm"))) == (verdict != "Never")


def test_recorded_cases_cover_both_verdicts_and_the_models() -> None:
    verdicts = {herd_verdict(n) for n in CASES}
    assert {"Never", "Sometimes"} <= verdicts
    assert {"handshake-sb", "refcount-relaxed", "handoff-once"} <= set(CASES)


# -- generated shapes ----------------------------------------------------------------------
def check_shape(tmp: Path, shape: Shape) -> None:
    model, litmus = tmp / "shape.py", tmp / "shape.litmus"
    model.write_text(to_model(shape))
    litmus.write_text(to_litmus(shape))
    for mm in MODELS:
        found = kinds(run(model, mm))
        want = check_litmus(litmus, mm).verdict != "Never"
        assert (Kind.USE_AFTER_FREE in found) == want, (mm, model.read_text(), litmus.read_text())
        assert Kind.DOUBLE_FREE not in found  # one kfree runs, in every execution that frees


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shape=shapes())
def test_generated_shapes_agree_with_their_litmus_tests(tmp_path: Path, shape: Shape) -> None:
    check_shape(tmp_path, shape)


def test_the_generator_reaches_every_verdict_pattern(tmp_path: Path) -> None:
    """(So that the property above compares something.)  Shapes safe everywhere, racy
    under the LKMM only, under x86-TSO too, everywhere: each drawn by some seed."""
    import random

    seen = set()
    for seed in range(400):
        rnd = random.Random(seed)
        from tests.support.uaf_shapes import build_shape

        shape = build_shape(lambda options, rnd=rnd: rnd.choice(list(options)))
        path = tmp_path / f"{seed}.litmus"
        path.write_text(to_litmus(shape))
        seen.add(tuple(check_litmus(path, mm).verdict != "Never" for mm in MODELS))
        if len(seen) == 4:
            break
    assert seen == {(False, False, False), (False, False, True), (False, True, True),
                    (True, True, True)}


# -- what a finding says, and the cases around the stop ------------------------------------------
HEAD = "from smpcheck import *\n\n\nclass foo(Struct):\n    a = 0\n\n\nobj = preallocated(foo())\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "model.py"
    path.write_text(HEAD + body)
    return path


def test_the_finding_names_the_read_and_the_free(tmp_path: Path) -> None:
    path = DATA / "handoff-once.py"
    [v] = [v for v in run(path, "lkmm").violations if v.kind == Kind.USE_AFTER_FREE]
    assert (v.cpu, v.line) == (0, line_of(path, "r0 = READ_ONCE(obj.a)"))
    assert v.message == (f"read obj.a on CPU 0 reads memory freed by kfree(obj) on CPU 1 at "
                         f"line {line_of(path, 'kfree(obj)')}")


@pytest.mark.parametrize("mm", MODELS)
def test_a_store_after_the_free_is_one_too(tmp_path: Path, mm: str) -> None:
    path = write(tmp_path, "\n\ndef P0():\n    kfree(obj)\n\n\ndef P1():\n"
                 "    WRITE_ONCE(obj.a, 1)\n\n\nMODEL = Model('w', [P0, P1])\n")
    [v] = run(path, mm).violations
    assert (v.kind, v.cpu, v.line) == (Kind.USE_AFTER_FREE, 1, line_of(path, "WRITE_ONCE"))
    assert "write obj.a on CPU 1 writes memory freed by kfree(obj) on CPU 0" in v.message


@pytest.mark.parametrize("mm", MODELS)
def test_the_freeing_cpu_reads_its_own_poison(tmp_path: Path, mm: str) -> None:
    path = write(tmp_path, "\n\ndef P0():\n    kfree(obj)\n    r = READ_ONCE(obj.a)\n"
                 "    assert r == 12345  # never reached: the CPU stops at the read\n\n\n"
                 "MODEL = Model('own', [P0])\n")
    result = run(path, mm)
    assert kinds(result) == {Kind.USE_AFTER_FREE}
    assert result.violations[0].line == line_of(path, "r = READ_ONCE(obj.a)")


@pytest.mark.parametrize("mm", MODELS)
def test_a_cpu_waiting_for_a_stopped_one_is_not_an_endless_wait(tmp_path: Path, mm: str) -> None:
    """The reader stops at POISON before it sets the flag the freer then waits for: the
    finding is the use-after-free, not the wait it leaves unended."""
    path = write(tmp_path, "done = Var(0)\n\n\ndef P0():\n    r = READ_ONCE(obj.a)\n"
                 "    WRITE_ONCE(done, 1)\n\n\ndef P1():\n    kfree(obj)\n"
                 "    while READ_ONCE(done) != 1:\n        cpu_relax()\n\n\n"
                 "MODEL = Model('wait', [P0, P1])\n")
    assert kinds(run(path, mm)) == {Kind.USE_AFTER_FREE}


def test_a_plain_read_racing_with_the_free_is_not_a_data_race(tmp_path: Path) -> None:
    """Under the LKMM: the plain read that may read the freed memory is a use-after-free,
    and kfree's marked POISON stores raise no data race of their own."""
    path = write(tmp_path, "\n\ndef P0():\n    r = obj.a\n\n\ndef P1():\n    kfree(obj)\n\n\n"
                 "MODEL = Model('plain', [P0, P1])\n")
    assert kinds(run(path, "lkmm")) == {Kind.USE_AFTER_FREE}


@pytest.mark.parametrize("mm", MODELS)
def test_two_frees_are_a_double_free_whatever_the_order(tmp_path: Path, mm: str) -> None:
    path = write(tmp_path, "\n\ndef P0():\n    kfree(obj)\n\n\ndef P1():\n    kfree(obj)\n\n\n"
                 "MODEL = Model('df', [P0, P1])\n")
    result = run(path, mm)
    assert kinds(result) == {Kind.DOUBLE_FREE}  # (the second free's POISON is no store after)
    assert result.executions == 2  # the two orders of the frees' POISON stores


RCU = """

gp = Var(NULL)


def updater():
    rcu_assign_pointer(gp, obj)
    rcu_assign_pointer(gp, NULL)
    {sync}
    kfree(obj)


def reader():
    rcu_read_lock()
    p = rcu_dereference(gp)
    if p:
        r = READ_ONCE(p.a)
    rcu_read_unlock()


MODEL = Model('rcu', [updater, reader])
"""


@pytest.mark.parametrize("mm", MODELS)
def test_a_grace_period_still_binds_a_reader_that_stops(tmp_path: Path, mm: str) -> None:
    """A reader that gets POISON stops inside its read-side critical section; it ends the
    section there, so that synchronize_rcu() still rules that read out."""
    assert run(write(tmp_path, RCU.format(sync="synchronize_rcu()")), mm).violations == []
    assert kinds(run(write(tmp_path, RCU.format(sync="pass")), mm)) == {Kind.USE_AFTER_FREE}


SRCU = """

ss = Var(SrcuStruct())
gp = Var(NULL)


def updater():
    WRITE_ONCE(gp, obj)
    WRITE_ONCE(gp, NULL)
    {sync}
    kfree(obj)


def reader():
    idx = srcu_read_lock(ss)
    p = READ_ONCE(gp)
    if p:
        r = READ_ONCE(p.a)
    srcu_read_unlock(ss, idx)


MODEL = Model('srcu', [updater, reader])
"""


def test_a_reader_that_stops_ends_its_srcu_section(tmp_path: Path) -> None:
    """With an srcu_read_unlock() of the index its srcu_read_lock() read (a store data
    dependent on the lock, as linux-kernel.bell pairs them), then the end of the CPU."""
    [v] = run(write(tmp_path, SRCU.format(sync="pass")), "lkmm").violations
    assert v is not None and v.graph is not None and v.kind == Kind.USE_AFTER_FREE
    lock, *_, unlock, end = [ev for ev in v.graph.threads[1] if ev is not None]
    assert "srcu-lock" in lock.tags and "srcu-unlock" in unlock.tags
    assert unlock.data == {lock.id} and unlock.loc is lock.loc and end.value is STOPPED


def test_an_srcu_grace_period_still_binds_a_reader_that_stops(tmp_path: Path) -> None:
    assert run(write(tmp_path, SRCU.format(sync="synchronize_srcu(ss)")), "lkmm").violations == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("mm", MODELS)
def test_cached_cpus_stop_the_same(tmp_path: Path, name: str, mm: str) -> None:
    """A deterministic CPU function (the litmus interpreter's kind) takes its ops from an
    op cache: reading POISON must stop it there too, with the same executions."""
    text = (DATA / f"{name}.py").read_text()
    cached = tmp_path / "cached.py"
    cached.write_text(text + "\nfor _f in MODEL.cpus:\n    _f.smp_deterministic = True\n")
    plain, fast = run(DATA / f"{name}.py", mm), run(cached, mm)
    assert (fast.executions, fast.blocked) == (plain.executions, plain.blocked)
    assert [(v.kind, v.line) for v in fast.violations] == [(v.kind, v.line)
                                                           for v in plain.violations]
