"""rwlock_t, rw_semaphore, smp_cond_load_*(), atomic64_t, local_irq_save/restore and
the RCU additions, against hand-derived outcomes under sc, tso and lkmm."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck import Kind
from tests.kernel.helpers import MMS, check, kinds, outcomes

RW = '''
lock = Var({DECL})
x = Var(0)
y = Var(0)

def writer():
    {WLOCK}(lock)
    x.__class__  # (a plain access pair below)
    WRITE_ONCE(x, READ_ONCE(x) + 1)
    WRITE_ONCE(y, READ_ONCE(y) + 1)
    {WUNLOCK}(lock)

def reader():
    {RLOCK}(lock)
    a = READ_ONCE(x)
    b = READ_ONCE(y)
    {RUNLOCK}(lock)
    return {{"a": a, "b": b}}

MODEL = Model("rw", [writer, writer, reader], forall="2:a=2:b")
'''
FORMS = {"rwlock": dict(DECL="RwLock()", WLOCK="write_lock", WUNLOCK="write_unlock",
                        RLOCK="read_lock", RUNLOCK="read_unlock"),
         "rwsem": dict(DECL="RwSemaphore()", WLOCK="down_write", WUNLOCK="up_write",
                       RLOCK="down_read", RUNLOCK="up_read")}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("mm", MMS)
def test_readers_and_writers_exclude_each_other(tmp_path: Path, mm: str, form: str) -> None:
    source = RW.format(**FORMS[form]).replace("    x.__class__  # (a plain access pair below)\n",
                                              "")
    result = check(tmp_path, source, mm)
    assert result.complete and not result.violations
    # hand-derived: the reader comes before, between or after the two writers
    assert {(dict(s)["2:a"], dict(s)["2:b"]) for s in outcomes(result)} == {(0, 0), (1, 1),
                                                                         (2, 2)}


@pytest.mark.parametrize("mm", MMS)
def test_two_readers_hold_an_rwlock_together(tmp_path: Path, mm: str) -> None:
    source = '''
lock = Var(RwLock())
inside = Var(0)

def reader():
    read_lock(lock)
    n = atomic_inc_return(inside)
    atomic_dec(inside)
    read_unlock(lock)
    return {"n": n}

def writer():
    ok = write_trylock(lock)
    if ok:
        write_unlock(lock)
    return {"ok": 1 if ok else 0}

MODEL = Model("readers", [reader, reader, writer])
'''
    result = check(tmp_path, source, mm)
    assert not result.violations
    got = {(dict(s)["0:n"], dict(s)["1:n"]) for s in outcomes(result)}
    assert (2, 1) in got or (1, 2) in got  # both inside at once
    assert {dict(s)["2:ok"] for s in outcomes(result)} == {0, 1}


@pytest.mark.parametrize("mm", MMS)
def test_a_reader_that_write_locks_deadlocks(tmp_path: Path, mm: str) -> None:
    source = '''
lock = Var(RwLock())

def P0():
    read_lock(lock)
    write_lock(lock)

MODEL = Model("self", [P0])
'''
    assert kinds(check(tmp_path, source, mm)) == {Kind.DEADLOCK}


def test_down_read_in_atomic_context_is_reported(tmp_path: Path) -> None:
    source = '''
sem = Var(RwSemaphore())

def P0():
    spin_lock_irq(l)
    down_read(sem)
    up_read(sem)
    spin_unlock_irq(l)

l = Var(SpinLock())
MODEL = Model("atomic", [P0])
'''
    result = check(tmp_path, source, "sc")
    assert any("down_read() called with interrupts disabled" in v.message
               for v in result.violations)


COND = '''
data = Var(0)
flag = Var(0)

def P0():
    WRITE_ONCE(data, 1)
    smp_store_release(flag, 1)

def P1():
    v = {LOAD}(flag, lambda VAL: VAL != 0)
    return {{"v": v, "d": READ_ONCE(data)}}

MODEL = Model("cond", [P0, P1])
'''


@pytest.mark.parametrize("mm,stale", [("sc", False), ("tso", False), ("lkmm", False)])
def test_smp_cond_load_acquire_orders_what_follows(tmp_path: Path, mm: str, stale: bool) -> None:
    result = check(tmp_path, COND.format(LOAD="smp_cond_load_acquire"), mm)
    assert {(dict(s)["1:v"], dict(s)["1:d"]) for s in outcomes(result)} == {(1, 1)}
    assert result.complete and not result.violations


@pytest.mark.parametrize("mm,stale", [("sc", False), ("tso", False), ("lkmm", True)])
def test_smp_cond_load_relaxed_does_not(tmp_path: Path, mm: str, stale: bool) -> None:
    result = check(tmp_path, COND.format(LOAD="smp_cond_load_relaxed"), mm)
    seen = {(dict(s)["1:v"], dict(s)["1:d"]) for s in outcomes(result)}
    assert seen == ({(1, 1), (1, 0)} if stale else {(1, 1)})


def test_smp_cond_load_that_nothing_satisfies_is_an_endless_wait(tmp_path: Path) -> None:
    source = COND.format(LOAD="smp_cond_load_acquire").replace("VAL != 0", "VAL == 2")
    assert kinds(check(tmp_path, source, "sc")) == {Kind.ENDLESS_WAIT}


@pytest.mark.parametrize("mm", MMS)
def test_atomic64_operations(tmp_path: Path, mm: str) -> None:
    source = '''
v = Var(0)

def P():
    old = atomic64_fetch_add(5, v)
    atomic64_inc(v)
    return {"old": old}

MODEL = Model("a64", [P, P], forall="v=12")
'''
    result = check(tmp_path, source, mm)
    assert result.complete and not result.violations
    assert {(dict(s)["0:old"], dict(s)["1:old"]) for s in outcomes(result)} == {
        (0, 5), (0, 6), (5, 0), (6, 0)}


def test_atomic64_events_carry_their_own_names(tmp_path: Path) -> None:
    source = '''
v = Var(0)

def P():
    atomic64_inc(v)
    BUG_ON(atomic64_read(v) == 1)

MODEL = Model("a64", [P])
'''
    result = check(tmp_path, source, "sc")
    texts = [ev.op for ev in result.violations[0].graph.threads[0] if ev is not None]
    assert any(t.startswith("atomic64_inc(") for t in texts)
    assert any(t.startswith("atomic64_read(") for t in texts)


@pytest.mark.parametrize("mm", MMS)
def test_local_irq_save_and_restore_nest(tmp_path: Path, mm: str) -> None:
    source = '''
def P0():
    a = local_irq_save()
    b = local_irq_save()
    inner = irqs_disabled()
    local_irq_restore(b)
    still = irqs_disabled()
    local_irq_restore(a)
    return {"inner": int(inner), "still": int(still), "after": int(irqs_disabled())}

MODEL = Model("irq", [P0], forall="0:inner=1 /\\\\ 0:still=1 /\\\\ 0:after=0")
'''
    result = check(tmp_path, source, mm)
    assert result.complete and not result.violations


RCU = '''
class foo(Struct):
    a = 0

first = preallocated(foo(a=1))
gp = Var(first)

def reader():
    {LOCK}
    p = rcu_dereference(gp)
    r = 0
    if p:
        r = READ_ONCE(p.a)
    {UNLOCK}
    return {{"r": r}}

def updater():
    spin_lock(l)
    old = rcu_replace_pointer(gp, NULL, 1)
    spin_unlock(l)
    if old:
        {FREE}(old)

l = Var(SpinLock())
MODEL = Model("rcu", [reader, updater])
'''
READERS = {"rcu_read_lock": ("rcu_read_lock()", "rcu_read_unlock()"),
           "preempt": ("preempt_disable()", "preempt_enable()"),
           "irq": ("local_irq_disable()", "local_irq_enable()"),
           "irqsave": ("flags = local_irq_save()", "local_irq_restore(flags)")}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("mm", MMS)
def test_kfree_rcu_waits_for_every_kind_of_reader(tmp_path: Path, mm: str, reader: str) -> None:
    lock, unlock = READERS[reader]
    result = check(tmp_path, RCU.format(LOCK=lock, UNLOCK=unlock, FREE="kfree_rcu"), mm)
    assert result.complete and not result.violations


@pytest.mark.parametrize("mm", MMS)
def test_kfree_without_a_grace_period_is_a_use_after_free(tmp_path: Path, mm: str) -> None:
    lock, unlock = READERS["preempt"]
    result = check(tmp_path, RCU.format(LOCK=lock, UNLOCK=unlock, FREE="kfree"), mm)
    assert kinds(result) == {Kind.USE_AFTER_FREE}


@pytest.mark.parametrize("mm", MMS)
def test_kfree_rcu_does_not_cover_an_unprotected_reader(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, RCU.format(LOCK="pass", UNLOCK="pass", FREE="kfree_rcu"), mm)
    assert kinds(result) == {Kind.USE_AFTER_FREE}


def test_call_rcu_runs_the_callback_after_rcu_barrier(tmp_path: Path) -> None:
    source = '''
done = Var(0)

def cb(head):
    WRITE_ONCE(done, 1)

def P0():
    call_rcu(None, cb)
    before = READ_ONCE(done)
    rcu_barrier()
    return {"before": before, "after": READ_ONCE(done)}

MODEL = Model("cb", [P0], forall="0:before=0 /\\\\ 0:after=1")
'''
    result = check(tmp_path, source, "sc")
    assert result.complete and not result.violations


MEMBERS = '''
class S(Struct):
    {A} = 5
    {B} = 7

s = S()
gp = Var(NULL, "ptr")

def publisher():
    rcu_assign_pointer(gp, s)

def reader():
    rcu_read_lock()
    p = rcu_dereference(gp)
    r = {{"a": -1, "b": -1}}
    if p != NULL:
        r = {{"a": p.{A}, "b": READ_ONCE(p.{B})}}
    rcu_read_unlock()
    return r

MODEL = Model("members", [publisher, reader])
'''


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize(("a", "b"), [("v", "deps"), ("deps", "v"), ("value", "x")])
def test_members_read_through_a_pointer_a_read_returned(tmp_path: Path, mm: str, a: str,
                                                        b: str) -> None:
    """A member reached through a pointer that a read returned (a value that carries its
    dependency) is the member, whatever its name: ``v`` and ``deps`` once named the
    value's own insides and gave them instead (the pointer, its dependencies)."""
    result = check(tmp_path, MEMBERS.format(A=a, B=b), mm)
    assert result.complete and not result.violations
    assert outcomes(result) == {(("1:a", -1), ("1:b", -1)), (("1:a", 5), ("1:b", 7))}
