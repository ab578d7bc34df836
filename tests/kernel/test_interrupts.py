"""Interrupts as semantics (smpcheck.kernel.interrupt): the explorer delivers a handler at
every point where its CPU has interrupts on, up to the bound.  The expected outcomes are
brute force: every placement of the handler's run among one CPU's steps, simulated."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from smpcheck import Kind
from tests.kernel.helpers import MMS, check, kinds, outcomes

FLAG = '''
flag = Var(0)

def handler():
    WRITE_ONCE(flag, 1)

def P0():
{BODY}
    return {{"a": a, "b": b}}

request_irq(P0, handler)
MODEL = Model("irq", [P0])
'''


def pairs(result: object) -> set[tuple[int, int]]:
    return {(dict(s)["0:a"], dict(s)["0:b"]) for s in outcomes(result)}  # type: ignore[arg-type]


@pytest.mark.parametrize("mm", MMS)
def test_a_handler_runs_at_any_point(tmp_path: Path, mm: str) -> None:
    body = "    a = READ_ONCE(flag)\n    b = READ_ONCE(flag)"
    result = check(tmp_path, FLAG.format(BODY=body), mm)
    assert result.complete and not result.violations
    assert pairs(result) == {(0, 0), (0, 1), (1, 1)}
    assert result.executions == 4  # before a, before b, at the end, never


@pytest.mark.parametrize("mm", MMS)
def test_an_irq_disabled_region_excludes_it(tmp_path: Path, mm: str) -> None:
    body = ("    local_irq_disable()\n    a = READ_ONCE(flag)\n    b = READ_ONCE(flag)\n"
            "    local_irq_enable()")
    assert pairs(check(tmp_path, FLAG.format(BODY=body), mm)) == {(0, 0), (1, 1)}
    saved = body.replace("local_irq_disable()", "flags = local_irq_save()").replace(
        "local_irq_enable()", "local_irq_restore(flags)")
    assert pairs(check(tmp_path, FLAG.format(BODY=saved), mm)) == {(0, 0), (1, 1)}
    locked = ("    spin_lock_irq(l)\n    a = READ_ONCE(flag)\n    b = READ_ONCE(flag)\n"
              "    spin_unlock_irq(l)")
    source = FLAG.format(BODY=locked).replace("flag = Var(0)", "flag = Var(0)\nl = Var(SpinLock())")
    assert pairs(check(tmp_path, source, mm)) == {(0, 0), (1, 1)}


def test_the_bound_is_stated_and_can_be_raised(tmp_path: Path) -> None:
    source = '''
n = Var(0)

def handler():
    WRITE_ONCE(n, READ_ONCE(n) + 1)

def P0():
    return {"a": READ_ONCE(n)}

request_irq(P0, handler)
MODEL = Model("count", [P0])
'''
    one = check(tmp_path, source, "sc")
    assert {dict(s)["0:a"] for s in outcomes(one)} == {0, 1}
    assert "at most 1 interrupt per CPU" in one.bound
    two = check(tmp_path, source, "sc", irq_bound=2)
    assert {dict(s)["0:a"] for s in outcomes(two)} == {0, 1, 2}
    assert "at most 2 interrupts per CPU" in two.bound and two.complete


SPIN = '''
flag = Var(0)

def handler():
    WRITE_ONCE(flag, 1)

def P0():
{OFF}
    while not READ_ONCE(flag):
        cpu_relax()
{ON}

request_irq(P0, handler)
MODEL = Model("spin", [P0])
'''


@pytest.mark.parametrize("mm", MMS)
def test_a_wait_the_handler_ends_is_not_endless(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, SPIN.format(OFF="", ON=""), mm)
    assert result.complete and not result.violations


@pytest.mark.parametrize("mm", MMS)
def test_with_interrupts_off_it_is(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, SPIN.format(OFF="    local_irq_disable()",
                                         ON="    local_irq_enable()"), mm)
    assert kinds(result) == {Kind.ENDLESS_WAIT}


def test_the_handler_shows_in_the_table(tmp_path: Path) -> None:
    from smpcheck.models import get_model
    from smpcheck.report.table import rows_for

    source = FLAG.format(BODY="    a = READ_ONCE(flag)\n    b = READ_ONCE(flag)\n"
                              "    BUG_ON(a != b)")
    result = check(tmp_path, source, "sc")
    rows = [r.text for r in rows_for(result.violations[0], get_model("sc"))]
    assert "(interrupt)" in rows
    assert any("irq_enter(): handler()" in r or "def handler" in r for r in rows)


# -- brute force: one CPU's accesses, a handler, an irq-disabled window --------------

def program(rng: random.Random) -> tuple[list[tuple[str, int]], tuple[int, int]]:
    """Up to 5 accesses to x (("r", 0) or ("w", v)) and a window [i, j) run with
    interrupts off."""
    ops = [("r", 0) if rng.random() < 0.5 else ("w", rng.randint(1, 3))
           for _ in range(rng.randint(1, 5))]
    i = rng.randint(0, len(ops))
    return ops, (i, rng.randint(i, len(ops)))


def source_of(ops: list[tuple[str, int]], window: tuple[int, int]) -> str:
    lines = ["x = Var(0)", "", "def handler():", "    WRITE_ONCE(x, READ_ONCE(x) + 10)", "",
             "def P0():", "    regs = {}"]
    for k, (kind, v) in enumerate([*ops, ("end", 0)]):
        if k == window[0] and window[0] < window[1]:
            lines.append("    local_irq_disable()")
        if k == window[1] and window[0] < window[1]:
            lines.append("    local_irq_enable()")
        if kind == "r":
            lines.append(f"    regs['r{k}'] = READ_ONCE(x)")
        elif kind == "w":
            lines.append(f"    WRITE_ONCE(x, {v})")
    lines += ["    return regs", "", "request_irq(P0, handler)", "MODEL = Model('bf', [P0])"]
    return "\n".join(lines) + "\n"


def brute_force(ops: list[tuple[str, int]], window: tuple[int, int]
                ) -> set[tuple[tuple[str, int], ...]]:
    """Every final state: no interrupt, or one at boundary k (after access k-1, before
    access k, or at the end), run in program order.  Interrupts are off strictly inside
    the window: at its first boundary one may come before local_irq_disable(), at its
    last after local_irq_enable()."""
    places = [k for k in range(len(ops) + 1) if not window[0] < k < window[1]]
    out = set()
    for at in [None, *places]:
        x, regs = 0, {}
        for k, (kind, v) in enumerate([*ops, ("end", 0)]):
            if k == at:
                x += 10
            if kind == "r":
                regs[f"0:r{k}"] = x
            elif kind == "w":
                x = v
        out.add(tuple(sorted(regs.items())))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_brute_force(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    ops, window = program(rng)
    mm = MMS[seed % 3]
    result = check(tmp_path, source_of(ops, window), mm)
    assert result.complete and not result.violations
    got = {tuple(sorted(s)) for s in outcomes(result)}
    assert got == brute_force(ops, window), (ops, window)


def test_brute_force_enumerates_the_placements() -> None:
    # the oracle itself, on a case worked by hand: r; w 1; r with no window
    assert brute_force([("r", 0), ("w", 1), ("r", 0)], (0, 0)) == {
        (("0:r0", 0), ("0:r2", 1)), (("0:r0", 10), ("0:r2", 1)), (("0:r0", 0), ("0:r2", 11))}


# -- IPIs: smp_call_function_single() runs the handler on the target ------------------

IPI = '''
from smpcheck.kernel.smp import ipi_target, smp_call_function_single
x = Var(0)

def set_x(info):
    WRITE_ONCE(x, info)

def target():
{TARGET}

def sender():
    smp_call_function_single(0, set_x, 7, {WAIT})
    return {{"seen": READ_ONCE(x)}}

ipi_queue_target = ipi_target(target)
MODEL = Model("ipi", [target, sender])
'''
IDLE = "    pass"
BUSY = "    a = READ_ONCE(x)\n    b = READ_ONCE(x)\n    return {\"a\": a, \"b\": b}"
MASKED = ("    local_irq_disable()\n    a = READ_ONCE(x)\n    b = READ_ONCE(x)\n"
          "    local_irq_enable()\n    return {\"a\": a, \"b\": b}")


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize("body", [IDLE, BUSY])
def test_with_wait_the_call_returns_after_the_handler_ran(tmp_path: Path, mm: str,
                                                           body: str) -> None:
    result = check(tmp_path, IPI.format(TARGET=body, WAIT=True), mm)
    assert result.complete and not result.violations
    assert {dict(s)["1:seen"] for s in outcomes(result)} == {7}


@pytest.mark.parametrize("mm", MMS)
def test_the_handler_runs_at_any_point_of_the_target(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, IPI.format(TARGET=BUSY, WAIT=True), mm)
    # hand-derived: before both reads, between them, or after both
    assert {(dict(s)["0:a"], dict(s)["0:b"]) for s in outcomes(result)} == {
        (0, 0), (0, 7), (7, 7)}


@pytest.mark.parametrize("mm", MMS)
def test_the_target_masking_interrupts_delays_it(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, IPI.format(TARGET=MASKED, WAIT=True), mm)
    assert {(dict(s)["0:a"], dict(s)["0:b"]) for s in outcomes(result)} == {(0, 0), (7, 7)}
    assert {dict(s)["1:seen"] for s in outcomes(result)} == {7}


@pytest.mark.parametrize("mm", MMS)
def test_without_wait_the_sender_may_not_see_it(tmp_path: Path, mm: str) -> None:
    result = check(tmp_path, IPI.format(TARGET=IDLE, WAIT=False), mm)
    assert {dict(s)["1:seen"] for s in outcomes(result)} == {0, 7}


def test_a_target_that_keeps_interrupts_off_hangs_a_waiting_sender(tmp_path: Path) -> None:
    body = "    local_irq_disable()"
    assert kinds(check(tmp_path, IPI.format(TARGET=body, WAIT=True), "sc")) == {
        Kind.ENDLESS_WAIT}


def test_a_delivery_is_recorded_and_replayed(tmp_path: Path) -> None:
    import json

    from tests.support.cli import EXAMPLES, smpcheck

    model = EXAMPLES / "irq-handler.py"
    found = smpcheck("check", model, "--json")
    assert found.code == 1
    record = tmp_path / "record.json"
    record.write_text(found.out)
    again = smpcheck("check", model, "--replay", record)
    assert again.code == 1 and "(interrupt)" in again.out
    # the same record with the interrupt's choice changed is another execution: refused
    data = json.loads(found.out)
    events = data["violations"][0]["replay"]["events"]
    for ev in events:
        if ev[2] == "C" and ev[3] == "choice 1":
            ev[3] = "choice 0"
    record.write_text(json.dumps(data))
    assert smpcheck("check", model, "--replay", record).code == 2
