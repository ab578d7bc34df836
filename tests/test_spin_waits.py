"""A spin-wait iteration that changes the CPU's own state is not a wait (smpcheck._rt.loops).

The loop head blocked the CPU after any iteration that only read memory, before the
condition saw what it read: with the flag read at the end of the body into the
register the condition tests, the iteration that read the flag set found the CPU
blocked (a false endless wait), and every execution that read the flag clear first
was lost (a false Never under every model).  An iteration that changes a register
the condition does not test (``r0 = 0``) lost its final state the same way.  Found
by bench/spin_waits.py (tests/support/lkmm_gen_spin.py) against herd7.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck import verify
from smpcheck._rt.loader import load_model
from smpcheck.explore.explorer import Settings
from smpcheck.litmus.run import check_litmus

READ_AT_END = """C read-at-end
{}
P0(int *f) { WRITE_ONCE(*f, 1); }
P1(int *f)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*f);
	r1 = r0;
	while (r0 == 0) {
		r0 = READ_ONCE(*f);
	}
}
exists (1:r1=0)
"""

CHANGED_ONCE = """C changed-once
{}
P0(int *f) { WRITE_ONCE(*f, 1); }
P1(int *f)
{
	int r0;
	r0 = 5;
	while (READ_ONCE(*f) == 0) {
		r0 = 0;
	}
}
exists (1:r0=0)
"""

PYTHON = """
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, cpu_relax

f = Var(0)
seen = Var(9)


def setter():
    WRITE_ONCE(f, 1)


def waiter():
    r = READ_ONCE(f)
    WRITE_ONCE(seen, r)
    while r == 0:
        cpu_relax()
        r = READ_ONCE(f)


MODEL = Model("read-at-end", [setter, waiter], exists="seen=0")
"""


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
@pytest.mark.parametrize("text", [READ_AT_END, CHANGED_ONCE], ids=["read-at-end", "changed-once"])
def test_waiting_for_a_flag_set_later_is_listed(tmp_path: Path, text: str, mm: str) -> None:
    """P1 finds the flag clear, then set: the state that shows it exists, and no CPU
    waits forever (P0 always sets the flag)."""
    path = tmp_path / "t.litmus"
    path.write_text(text)
    run = check_litmus(path, mm, Settings(jobs=1))
    assert run.result.violations == []
    assert run.verdict == "Sometimes"
    assert run.positive == 1 and run.negative == 1  # (flag clear first, or set)


def test_python_model_reading_at_the_end_of_the_body(tmp_path: Path) -> None:
    path = tmp_path / "spin.py"
    path.write_text(PYTHON)
    model, names = load_model(str(path))
    result = verify(model, names, "sc", Settings())
    assert result.violations == []
    assert result.executions == 2  # (the first read sees the flag clear, or set)
    assert result.exit_status == 0


COUNTING = """
import itertools

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, cpu_relax

f = Var(0)
bug = Var(0)


class Tally:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 0


class Box:
    def __init__(self):
        self.items = []


class Stack(list):
    pass


def setter():
    WRITE_ONCE(f, 1)


def waiter():
    state = STATE
    while READ_ONCE(f) == 0:
        STEP
        cpu_relax()
    if SPUN >= 2:
        WRITE_ONCE(bug, 1)


MODEL = Model("counting", [setter, waiter], exists="bug=1")
"""

# (how the waiter keeps its count, how an iteration adds to it, the count after the loop)
COUNTS = {
    "list": ("[]", "state.append(0)", "len(state)"),
    "dict": ("{}", "state[len(state)] = 0", "len(state)"),
    "nested": ("{'seen': []}", "state['seen'].append(0)", "len(state['seen'])"),
    "slots": ("Tally()", "state.n += 1", "state.n"),
    "attribute": ("Box()", "state.items.append(0)", "len(state.items)"),
    "bytearray": ("bytearray()", "state.append(0)", "len(state)"),
    "iterator": ("itertools.count()", "next(state)", "next(state)"),  # (by its position)
    # (two iterators' __reduce__ tuples took one id in turn: the second was never read)
    "iterators": ("(itertools.count(), itertools.count())", "next(state[1])",
                  "next(state[1])"),
    "list subclass": ("Stack()", "state.append(0)", "len(state)"),  # (not its fields only)
    "bound method": ("[].append", "state(0)", "len(state.__self__)"),  # (and its object)
}


@pytest.mark.parametrize("how", sorted(COUNTS))
def test_a_count_kept_in_an_object_is_a_change(tmp_path: Path, how: str) -> None:
    """An iteration that adds to a list or sets an attribute changed the CPU's state
    (the object is the same one): it is no wait.  Compared by identity, the second
    iteration blocked and the executions that spin twice, writing bug, were lost (a
    false "no execution satisfies it").  Spinning is unbounded here, so the run stops
    at the loop bound: incomplete, with the state found."""
    state, step, spun = COUNTS[how]
    path = tmp_path / "counting.py"
    path.write_text(COUNTING.replace("STATE", state).replace("STEP", step)
                    .replace("SPUN", spun))
    model, names = load_model(str(path))
    result = verify(model, names, "sc", Settings(loop_bound=4))
    assert result.positive > 0
    assert not result.complete
    assert result.exit_status == 3


@pytest.mark.parametrize("how", sorted(COUNTS))
def test_an_unchanged_object_leaves_a_wait_a_wait(tmp_path: Path, how: str) -> None:
    """The same wait keeping its state without changing it: each iteration only reads,
    so the loop blocks and the run is complete.  An object of the model's class among
    the locals made each loop head differ from the last (its fields were compared in a
    new dict, by identity): the wait ran to the loop bound, incomplete."""
    state, _, spun = COUNTS[how]
    path = tmp_path / "waiting.py"
    path.write_text(COUNTING.replace("STATE", state).replace("STEP", "pass")
                    .replace("SPUN", spun))
    model, names = load_model(str(path))
    result = verify(model, names, "sc", Settings(loop_bound=4))
    assert result.complete and result.executions == 1  # (f read set; 0 spins)
    assert result.positive == 0 and [v.kind.value for v in result.violations] == ["condition"]


SET_ALIAS = """
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, cpu_relax

f = Var(0)
bug = Var(0)


class K:
    def __init__(self, v):
        self.v = v

    def __hash__(self):
        return 0


U, V, W = K(1), K(2), K(3)


def setter():
    WRITE_ONCE(f, 1)


def waiter():
    fs = frozenset([U, V])
    p = U
    while READ_ONCE(f) == 0:
        if p is U:
            fs = frozenset([V, U])
            p = V
        else:
            p = W
        cpu_relax()
    if p is W:
        WRITE_ONCE(bug, 1)


MODEL = Model("set-alias", [setter, waiter], exists="bug=1")
"""


def test_a_set_names_its_elements_in_its_own_order(tmp_path: Path) -> None:
    """The first iteration swaps ``p`` from U to V and rebuilds the set in the other
    order: compared as sets, with the objects named in the order each set was read,
    the two loop heads looked alike, the CPU blocked, and the run that spins twice
    (p = W, bug written) was lost: a false "no execution satisfies it"."""
    path = tmp_path / "set_alias.py"
    path.write_text(SET_ALIAS)
    model, names = load_model(str(path))
    result = verify(model, names, "sc", Settings(loop_bound=4))
    assert result.positive == 1 and result.executions == 3 and result.complete
