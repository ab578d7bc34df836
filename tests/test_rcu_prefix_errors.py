"""An error is reported only from a graph that RCU's guarantee allows.

A BUG_ON is met in a prefix of an execution, before every CPU has run.  RCU binds a
grace period only to read-side critical sections that have ended, and under the LKMM
its axiom is checked on complete executions only, so a prefix whose reader had
not yet left its section, or whose reader had but was judged only once complete, let
a BUG_ON after synchronize_rcu() fire where RCU forbids it (found by review).  Each
model below has a twin without the RCU read-side critical section, where the same
BUG_ON is reachable: the test tells the two apart under every model that allows the
twin's outcome.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck._rt.loader import load_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify

HEAD = """from smpcheck import (BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var, cpu_relax,
                      rcu_read_lock, rcu_read_unlock, synchronize_rcu)

x = Var(0)
y = Var(0)
c = Var(0)
d = Var(5)

"""

# RCU message passing: the reader sees the write after the grace period, then misses
# the one before it, which the guarantee forbids (the reader's section would span it)
MP = HEAD + """
def reader():
    LOCK
    r0 = READ_ONCE(x)
    r1 = READ_ONCE(y)
    UNLOCK
    BUG_ON(r0 == 1 and r1 == 0)


def updater():
    WRITE_ONCE(y, 1)
    synchronize_rcu()
    WRITE_ONCE(x, 1)


MODEL = Model("rcu-mp", [reader, updater])
"""

# store buffering through a grace period, the reader then waiting forever in its
# section: the grace period never ends, and RCU forbids both reads of 0 anyway
SB_WAITING = HEAD + """
def reader():
    LOCK
    WRITE_ONCE(x, 1)
    WRITE_ONCE(d, READ_ONCE(y))
    while READ_ONCE(c) == 0:
        cpu_relax()
    UNLOCK


def updater():
    WRITE_ONCE(y, 1)
    synchronize_rcu()
    r1 = READ_ONCE(x)
    BUG_ON(r1 == 0 and READ_ONCE(d) == 0)


MODEL = Model("rcu-sb-waiting", [reader, updater])
"""

# the reader counts its spins in its section and passes the loop bound: the CPUs
# after it still run, but whether the grace period ends is not known
MP_CUT = HEAD + """
def reader():
    LOCK
    r0 = READ_ONCE(x)
    r1 = READ_ONCE(y)
    WRITE_ONCE(d, r0 * 2 + r1)
    n = 0
    while READ_ONCE(c) == 0:
        n += 1
    UNLOCK


def updater():
    WRITE_ONCE(y, 1)
    synchronize_rcu()
    WRITE_ONCE(x, 1)
    BUG_ON(READ_ONCE(d) == 2)


MODEL = Model("rcu-mp-cut", [reader, updater])
"""


def _run(tmp_path: Path, text: str, rcu: bool, mm: str) -> tuple[set[str], int]:
    lock, unlock = ("rcu_read_lock()", "rcu_read_unlock()") if rcu else ("pass", "pass")
    path = tmp_path / f"model_{rcu}.py"
    path.write_text(text.replace("LOCK", lock, 1).replace("UNLOCK", unlock, 1))
    model, names = load_model(str(path))
    result = verify(model, names, mm, Settings(all_violations=True, loop_bound=4))
    return {v.kind.value for v in result.violations}, result.exit_status


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_a_bug_rcu_forbids_is_not_reported(tmp_path: Path, mm: str) -> None:
    assert _run(tmp_path, MP, True, mm) == (set(), 0)
    if mm == "lkmm":  # (sc and tso order the reads and the writes anyway)
        assert _run(tmp_path, MP, False, mm) == ({"assertion"}, 1)


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_a_reader_waiting_in_its_section_holds_the_grace_period(tmp_path: Path,
                                                               mm: str) -> None:
    assert _run(tmp_path, SB_WAITING, True, mm) == ({"endless-wait"}, 1)
    if mm != "sc":  # (store buffering: sc forbids it)
        assert _run(tmp_path, SB_WAITING, False, mm) == ({"endless-wait", "assertion"}, 1)


def test_a_reader_cut_in_its_section_leaves_the_run_incomplete(tmp_path: Path) -> None:
    assert _run(tmp_path, MP_CUT, True, "lkmm") == (set(), 3)
    assert _run(tmp_path, MP_CUT, False, "lkmm") == ({"assertion"}, 1)


OOPS_IN_SECTION = HEAD + """
def reader():
    rcu_read_lock()
    BUG_ON(READ_ONCE(x) == 0)
    rcu_read_unlock()


def updater():
    synchronize_rcu()
    BUG_ON(READ_ONCE(y) == 0)


MODEL = Model("oops-in-section", [reader, updater])
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_an_oops_in_a_section_does_not_hold_the_grace_period(tmp_path: Path,
                                                             mm: str) -> None:
    """Under --all a CPU stops alone at its error; an oopsing task's exit ends its
    sections, so the grace period ends and the updater's BUG_ON is reached too (it
    was dropped while the reader's stop was taken as a wait of unknown end)."""
    path = tmp_path / "oops.py"
    path.write_text(OOPS_IN_SECTION)
    model, names = load_model(str(path))
    result = verify(model, names, mm, Settings(all_violations=True))
    assert sorted(v.cpu for v in result.violations) == [0, 1]


# the reader of y, with the grace period, listed first: the write of y revisits its read
# and keeps no more of the section than it depends on (the lock and x's write as holes),
# so the prefix RCU was judged on had no section (bench/rcu_bugs.py, seeds 1, 2 and 8)
HOLES = HEAD + """
def updater():
    r0 = READ_ONCE(y)
    synchronize_rcu()
    r1 = READ_ONCE(x)
    BUG_ON(r0 == 2 and r1 == 0)


def reader():
    LOCK
    WRITE_ONCE(x, 1)
    WRITE_ONCE(y, 2)
    UNLOCK


MODEL = Model("rcu-holes", CPUS)
"""


@pytest.mark.parametrize("cpus", ["[updater, reader]", "[reader, updater]"])
def test_a_section_left_as_holes_still_binds_the_grace_period(tmp_path: Path,
                                                             cpus: str) -> None:
    text = HOLES.replace("CPUS", cpus)
    assert _run(tmp_path, text, True, "lkmm") == (set(), 0)  # (herd7: Never)
    assert _run(tmp_path, text, False, "lkmm") == ({"assertion"}, 1)  # (Sometimes)
