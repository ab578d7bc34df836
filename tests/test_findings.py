"""Each kind of finding, from a small model file: its kind, CPU and failing line.

Data races are the LKMM's notion (its plain-access rules) and only ``--mm lkmm``
reports them; under sc and tso a plain access is one machine access, as in
herd's sc.cat and x86tso.cat, so the same model has no finding there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import check_json, line_of, smpcheck, write_model

HEAD = "from smpcheck import *\n\n"

ONE_READER = HEAD + '''x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


def P1():
    r = READ_ONCE(x)
    {check}
'''


def only(tmp_path: Path, source: str, mm: str = "sc", *extra: str) -> dict:
    data = check_json(write_model(tmp_path, source), mm, *extra)
    return data


@pytest.mark.parametrize(("check", "message"), [
    ("assert r == 0", "assertion failed"),
    ("assert r == 0, 'saw the store'", "saw the store"),
    ("BUG_ON(r == 1)", "BUG_ON"),
])
def test_assertion(tmp_path: Path, check: str, message: str) -> None:
    data = only(tmp_path, ONE_READER.format(check=check) + '\n\nMODEL = Model("a", [P0, P1])\n')
    [v] = data["violations"]
    assert (v["kind"], v["cpu"], v["line"]) == ("assertion", 1, line_of(tmp_path / "model.py",
                                                                        check))
    assert message in v["message"]
    failing = [r for r in v["trace"] if r["failing"]]
    assert failing and failing[-1]["line"] == v["line"]
    # the execution shown is one where the assertion fails: x was read as 1
    assert [r["value"] for r in v["trace"] if r["kind"] == "R"] == [1]


def test_assertion_that_cannot_fail_is_safe(tmp_path: Path) -> None:
    src = ONE_READER.format(check="BUG_ON(r == 2)") + '\n\nMODEL = Model("a", [P0, P1])\n'
    data = only(tmp_path, src)
    assert data["verdict"] == "safe" and data["executions"] == 2


def test_warn_on_is_a_warning_not_a_violation(tmp_path: Path) -> None:
    src = ONE_READER.format(check="WARN_ON(r == 1)\n    return {'r': r}") + \
        '\n\nMODEL = Model("w", [P0, P1])\n'
    data = only(tmp_path, src)
    assert data["verdict"] == "safe" and data["violations"] == []
    [w] = data["warnings"]
    assert (w["kind"], w["cpu"], w["line"]) == ("warning", 1,
                                                line_of(tmp_path / "model.py", "WARN_ON"))
    text = smpcheck("check", tmp_path / "model.py")
    assert text.code == 0 and "warning: WARN_ON() triggered" in text.out


FOO = HEAD + '''class foo(Struct):
    a = 0


class G(Struct):
    gp = NULL


g = G()
'''


def test_use_after_free(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    p = kmalloc(foo)
    WRITE_ONCE(g.gp, p)
    kfree(p)


def P1():
    p = READ_ONCE(g.gp)
    if p:
        WRITE_ONCE(p.a, 2)


MODEL = Model("uaf", [P0, P1])
'''
    for mm in ("sc", "tso", "lkmm"):
        [v] = only(tmp_path, src, mm)["violations"]
        assert (v["kind"], v["cpu"]) == ("use-after-free", 1)
        assert v["line"] == line_of(tmp_path / "model.py", "WRITE_ONCE(p.a, 2)")
        assert "kfree" in v["message"]


def test_access_ordered_before_free_is_safe(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    p = kmalloc(foo)
    WRITE_ONCE(p.a, 1)
    kfree(p)


MODEL = Model("fine", [P0])
'''
    assert only(tmp_path, src)["verdict"] == "safe"


def test_double_free(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    p = kmalloc(foo)
    WRITE_ONCE(g.gp, p)
    kfree(p)


def P1():
    q = READ_ONCE(g.gp)
    kfree(q)


MODEL = Model("df", [P0, P1])
'''
    path = write_model(tmp_path, src)
    [v] = check_json(path, "sc")["violations"]
    assert v["kind"] == "double-free"
    assert v["line"] in {line_of(path, "kfree(p)"), line_of(path, "kfree(q)")}
    assert "already freed" in v["message"]


def test_free_of_something_kmalloc_did_not_return(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    p = kmalloc(foo)
    kfree(g)


MODEL = Model("bf", [P0])
'''
    [v] = only(tmp_path, src)["violations"]
    assert (v["kind"], v["cpu"], v["line"]) == ("bad-free", 0,
                                                line_of(tmp_path / "model.py", "kfree(g)"))


def test_kfree_null_is_fine(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    kfree(READ_ONCE(g.gp))


MODEL = Model("null free", [P0])
'''
    assert only(tmp_path, src)["verdict"] == "safe"


def test_null_dereference(tmp_path: Path) -> None:
    src = FOO + '''

def P0():
    p = kmalloc(foo)
    WRITE_ONCE(g.gp, p)


def P1():
    p = READ_ONCE(g.gp)
    return {"a": READ_ONCE(p.a)}


MODEL = Model("nd", [P0, P1])
'''
    [v] = only(tmp_path, src)["violations"]
    assert (v["kind"], v["cpu"]) == ("null-deref", 1)
    assert v["line"] == line_of(tmp_path / "model.py", "READ_ONCE(p.a)")
    reads = [r["value"] for r in v["trace"] if r["kind"] == "R"]
    assert reads == ["NULL"]


def test_deadlock(tmp_path: Path) -> None:
    src = HEAD + '''lock = Var(SpinLock())


def P0():
    spin_lock(lock)
    spin_lock(lock)


MODEL = Model("self deadlock", [P0])
'''
    [v] = only(tmp_path, src)["violations"]
    assert (v["kind"], v["cpu"]) == ("deadlock", 0)
    assert v["line"] == line_of(tmp_path / "model.py", "spin_lock(lock)", 2)
    assert v["message"].startswith("CPU 0 waits forever for lock")


def test_endless_wait(tmp_path: Path) -> None:
    src = HEAD + '''flag = Var(0)


def waiter():
    while not READ_ONCE(flag):
        cpu_relax()


MODEL = Model("nobody sets the flag", [waiter])
'''
    data = only(tmp_path, src)
    [v] = data["violations"]
    assert (v["kind"], v["cpu"]) == ("endless-wait", 0)
    assert v["line"] == line_of(tmp_path / "model.py", "while not READ_ONCE(flag):")
    assert data["executions"] == 0 and data["blocked"] == 1


def test_wait_that_ends_is_not_endless(tmp_path: Path) -> None:
    src = HEAD + '''flag = Var(0)


def waiter():
    while not READ_ONCE(flag):
        cpu_relax()


def setter():
    WRITE_ONCE(flag, 1)


MODEL = Model("flag is set", [waiter, setter])
'''
    data = only(tmp_path, src)
    assert data["verdict"] == "safe" and data["executions"] == 1


RACE = HEAD + '''x = Var(0)


def P0():
    x[0] = 1                 # plain store


def P1():
    return {{"r": {read}}}


MODEL = Model("race", [P0, P1])
'''


def test_data_race_between_plain_and_marked(tmp_path: Path) -> None:
    [v] = only(tmp_path, RACE.format(read="READ_ONCE(x)"), "lkmm")["violations"]
    assert v["kind"] == "data-race"
    path = tmp_path / "model.py"
    assert v["line"] == line_of(path, "READ_ONCE(x)")
    assert f"line {line_of(path, 'x[0] = 1')}" in v["message"]


@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_no_races_outside_the_lkmm(tmp_path: Path, mm: str) -> None:
    assert only(tmp_path, RACE.format(read="READ_ONCE(x)"), mm)["verdict"] == "safe"


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_marked_accesses_do_not_race(tmp_path: Path, mm: str) -> None:
    src = RACE.format(read="READ_ONCE(x)").replace("x[0] = 1 ", "WRITE_ONCE(x, 1)")
    assert only(tmp_path, src, mm)["verdict"] == "safe"


MP_PLAIN = HEAD + '''data = Var(0)
flag = Var(0)


def P0():
    data[0] = 1
    {publish}(flag, 1)


def P1():
    if {consume}(flag):
        return {{"r": data[0]}}
    return {{"r": -1}}


MODEL = Model("mp plain data", [P0, P1])
'''


def test_lkmm_race_needs_release_acquire(tmp_path: Path) -> None:
    """LKMM: ONCE accesses do not order the plain data accesses; release/acquire does.
    Under sc the reads-from between the marked flag accesses orders them."""
    racy = MP_PLAIN.format(publish="WRITE_ONCE", consume="READ_ONCE")
    ordered = MP_PLAIN.format(publish="smp_store_release", consume="smp_load_acquire")
    [v] = only(tmp_path, racy, "lkmm")["violations"]
    assert (v["kind"], v["line"]) == ("data-race",
                                      line_of(tmp_path / "model.py", 'return {"r": data[0]}'))
    assert only(tmp_path, racy, "sc")["verdict"] == "safe"
    assert only(tmp_path, ordered, "lkmm")["verdict"] == "safe"


COND = HEAD + '''x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    WRITE_ONCE(y, 1)


def P1():
    r0 = READ_ONCE(y)
    r1 = READ_ONCE(x)
    return {{"r0": r0, "r1": r1}}


MODEL = Model("mp", [P0, P1],
              {cond})
'''


@pytest.mark.parametrize(("cond", "verdicts"), [
    # herd7: exists holds if some execution satisfies it, else it is a finding
    ('exists="1:r0=1 /\\\\ 1:r1=1"', ("safe", "safe")),
    ('exists="1:r0=1 /\\\\ 1:r1=0"', ("violation", "safe")),
    # ~exists: no execution may satisfy it
    ('not_exists="1:r0=1 /\\\\ 1:r1=0"', ("safe", "violation")),
    ('not_exists="1:r0=0"', ("violation", "violation")),
    # forall: every execution must satisfy it
    ('forall="x=1 /\\\\ y=1"', ("safe", "safe")),
    ('forall="1:r0=0 \\\\/ 1:r1=1"', ("safe", "violation")),
    # filter drops executions first; the condition is judged on the rest
    ('forall="1:r1=1", filter="1:r0=1"', ("safe", "violation")),
    ('exists="1:r1=0", filter="1:r0=1"', ("violation", "safe")),
    ('not_exists="1:r0=0", filter="1:r1=1"', ("violation", "violation")),
])
def test_final_state_conditions(tmp_path: Path, cond: str, verdicts: tuple[str, str]) -> None:
    src = COND.format(cond=cond)
    path = write_model(tmp_path, src)
    for mm, want in zip(("sc", "lkmm"), verdicts, strict=True):
        data = check_json(path, mm)
        assert data["verdict"] == want, (mm, cond)
        if want == "violation":
            [v] = data["violations"]
            assert v["kind"] == "condition" and v["cpu"] is None
            assert v["line"] == line_of(path, cond.split("=")[0] + "=")


def test_condition_counts_like_herd(tmp_path: Path) -> None:
    """Positive/negative count the executions satisfying the proposition (after the
    filter), as herd7's Positive/Negative."""
    path = write_model(tmp_path, COND.format(cond='exists="1:r0=1 /\\\\ 1:r1=0"'))
    data = check_json(path, "lkmm")
    assert (data["positive"], data["negative"], data["executions"]) == (1, 3, 4)
    flt = write_model(tmp_path, COND.format(cond='exists="1:r1=0", filter="1:r0=1"'), "f.py")
    data = check_json(flt, "lkmm")
    assert (data["positive"], data["negative"], data["executions"]) == (1, 1, 4)


def test_callable_condition(tmp_path: Path) -> None:
    src = COND.format(cond="forall=lambda s: s.P1.r1 >= s.P1.r0")
    assert only(tmp_path, src, "sc")["verdict"] == "safe"
    [v] = only(tmp_path, src, "lkmm")["violations"]
    assert v["kind"] == "condition"
