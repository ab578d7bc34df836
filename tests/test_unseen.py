"""What smpcheck cannot see or repeat is an error naming the model's file and line,
found every time: exits and BaseExceptions raised by model code, nondeterminism,
Python state CPUs share, CPU functions that cannot be called or return what cannot
be compared, conditions that raise, and pure-Python code that never comes back
(the timeout).  Everything runs through the command line on model files."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Outcome, line_of, smpcheck, write_model

HEAD = "from smpcheck import *\n\n"


def check(path: Path, *extra: str) -> Outcome:
    res = smpcheck("check", path, *extra)
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err
    assert "internal bug" not in res.err
    return res


def error_at(path: Path, marker: str, *extra: str, nth: int = 1, column: bool = False) -> str:
    """Check ``path``: exit 2, one error line naming ``path`` at the line holding
    ``marker`` (and a column after it if ``column``); the error's text."""
    res = check(path, *extra)
    assert res.code == 2, res
    assert res.out == ""
    err = res.err.strip()
    assert err.startswith("smpcheck: error: "), err
    assert "\n" not in err
    where = f"{path}:{line_of(path, marker, nth)}:"
    assert where in err, (where, err)
    if column:
        assert err.split(where, 1)[1].split(":", 1)[0].isdigit(), err
    return err


# -- 1. exits and BaseExceptions in model code -------------------------------------

RAISES = {
    "sys.exit(0)": "SystemExit",
    "sys.exit(1)": "SystemExit",
    "raise SystemExit": "SystemExit",
    "raise BaseException()": "BaseException",
    "raise greenlet.GreenletExit()": "GreenletExit",
    "raise KeyboardInterrupt()": "KeyboardInterrupt",
    "raise GeneratorExit()": "GeneratorExit",
    "raise Custom('mine')": "Custom: mine",
}

EXITING = HEAD + '''import sys

import greenlet


class Custom(BaseException):
    pass


x = Var(0)


def leave():
    {stmt}


def P0():
    WRITE_ONCE(x, 1)
    if READ_ONCE(x) == 1:
        leave()
    return {{"r": 1}}


def P1():
    return {{"r": READ_ONCE(x)}}


MODEL = Model("exits", [P0, P1], not_exists="x=1")
'''


@pytest.mark.parametrize("stmt", sorted(RAISES))
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_model_exit_is_an_error_at_the_raise(tmp_path: Path, stmt: str, mm: str) -> None:
    path = write_model(tmp_path, EXITING.format(stmt=stmt))
    err = error_at(path, stmt, "--mm", mm)
    assert f"the model raised {RAISES[stmt]}" in err


@pytest.mark.parametrize("stmt", sorted(RAISES))
def test_condition_that_exits_is_an_error_at_its_line(tmp_path: Path, stmt: str) -> None:
    source = EXITING.format(stmt=stmt).replace('not_exists="x=1"', "forall=final")
    source = source.replace("def P0():", "def final(state):\n    leave()\n\n\ndef P0():")
    source = source.replace("        leave()\n", "        pass\n")
    path = write_model(tmp_path, source)
    err = error_at(path, stmt)
    assert f"the forall condition raised {RAISES[stmt]}" in err


@pytest.mark.parametrize("stmt", sorted(RAISES))
def test_module_code_that_exits_is_an_error_at_its_line(tmp_path: Path, stmt: str) -> None:
    source = EXITING.format(stmt=stmt).replace("MODEL = ", "leave()\nMODEL = ")
    path = write_model(tmp_path, source)
    err = error_at(path, stmt)
    assert RAISES[stmt] in err


CATCH_ALL = HEAD + '''x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    {read_y}
    return {{"r": r}}


def P1():
    WRITE_ONCE(y, 1)
    {read_x}
    return {{"r": r}}


MODEL = Model("SB", [P0, P1], not_exists="0:r=0 /\\\\ 1:r=0")
'''
PLAIN = {"read_y": "r = READ_ONCE(y)", "read_x": "r = READ_ONCE(x)"}
SWALLOWING = {k: f"try:\n        {v}\n    except BaseException:\n        r = 7"
              for k, v in PLAIN.items()}
BARE = {k: f"try:\n        {v}\n    except:  # noqa: E722\n        r = 7"
        for k, v in PLAIN.items()}


@pytest.mark.parametrize("catching", [SWALLOWING, BARE])
@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_model_catching_everything_does_not_stop_the_engine(
        tmp_path: Path, catching: dict[str, str], mm: str) -> None:
    """The engine unwinds CPU functions to re-run them; model code that catches
    BaseException gets the same executions and verdict as model code that does not."""
    plain = write_model(tmp_path, CATCH_ALL.format(**PLAIN), "plain.py")
    catch = write_model(tmp_path, CATCH_ALL.format(**catching), "catching.py")
    want = check(plain, "--mm", mm, "--json", "--all").json()
    got = check(catch, "--mm", mm, "--json", "--all").json()
    for key in ("verdict", "executions", "blocked"):
        assert got[key] == want[key], key
    assert [v["kind"] for v in got["violations"]] == [v["kind"] for v in want["violations"]]


@pytest.fixture
def sigint_default() -> Iterator[None]:
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


ENDLESS = HEAD + '''import itertools

x = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    for i in itertools.count():
        pass


MODEL = Model("endless", [P0])
'''


@pytest.mark.parametrize("when", ["checking", "loading"])
def test_real_ctrl_c_is_interrupted_not_an_error(tmp_path: Path, sigint_default: None,
                                                 when: str) -> None:
    source = ENDLESS if when == "checking" else ENDLESS.replace(
        "MODEL = ", "for i in itertools.count():\n    pass\nMODEL = ")
    path = write_model(tmp_path, source)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        res = check(path)
    finally:
        timer.cancel()
    assert res.code == 3
    assert "interrupted" in res.err


def test_keyboard_interrupt_raised_by_the_model_is_its_error(tmp_path: Path,
                                                             sigint_default: None) -> None:
    path = write_model(tmp_path, EXITING.format(stmt="raise KeyboardInterrupt()"))
    assert "interrupted" not in error_at(path, "raise KeyboardInterrupt()")


# -- 2. nondeterminism -----------------------------------------------------------------

DRAWS = {
    "random.randint(0, 1)": "random.randint",
    "random.random() < 0.5": "random.random",
    "random.choice([0, 1])": "random.choice",
    "random.getrandbits(1)": "random.getrandbits",
    "randint(0, 1)": "random.randint",
    "random.Random().randint(0, 1)": "random.Random()",
    "random.SystemRandom().randint(0, 1)": "random.SystemRandom()",
    "secrets.randbelow(2)": "secrets.randbelow",
    "os.urandom(1)[0] & 1": "os.urandom",
    "os.getpid() & 1": "os.getpid",
    "uuid.uuid4().int & 1": "uuid.uuid4",
    "uuid.uuid1().int & 1": "uuid.uuid1",
    "time.time_ns() & 1": "time.time_ns",
    "int(time.time() * 1e6) & 1": "time.time",
    "int(time.monotonic() * 1e6) & 1": "time.monotonic",
    "time.perf_counter_ns() & 1": "time.perf_counter_ns",
    "int(time.process_time() * 1e6) & 1": "time.process_time",
}

DRAWING = HEAD + '''import os
import random
import secrets
import time
import uuid
from random import randint

x = Var(0)


def draw():
    return {draw}


def P0():
    WRITE_ONCE(x, draw())


def P1():
    return {{"r": READ_ONCE(x)}}


MODEL = Model("random", [P0, P1], not_exists="x=1")
'''


@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_nondeterministic_source_is_refused_every_time(tmp_path: Path, draw: str) -> None:
    """The value 1 violates the condition, 0 does not: luck decided the verdict."""
    path = write_model(tmp_path, DRAWING.format(draw=draw))
    for mm in ("sc", "tso", "lkmm") * 3:
        err = error_at(path, f"return {draw}", "--mm", mm)
        assert f"nondeterminism: CPU function P0 calls {DRAWS[draw]}" in err
        assert f" at {path}:{line_of(path, f'return {draw}')};" in err
        assert "same whenever it is given the same values" in err


@pytest.mark.parametrize("after", ["v = 0", "return {'v': 0}", "raise ValueError('v')"])
def test_refusal_cannot_be_caught(tmp_path: Path, after: str) -> None:
    path = write_model(tmp_path, HEAD + f'''import random

x = Var(0)


def P0():
    try:
        v = random.randint(0, 1)
    except BaseException:
        {after}
    WRITE_ONCE(x, v)


MODEL = Model("caught", [P0], not_exists="x=1")
''')
    assert "calls random.randint" in error_at(path, "random.randint(0, 1)")


def test_the_brief_random_model_fails_every_run(tmp_path: Path) -> None:
    path = write_model(tmp_path, DRAWING.format(draw="random.randint(0, 1)"))
    for _ in range(20):
        assert check(path).code == 2


def test_sources_are_guarded_only_during_a_check(tmp_path: Path) -> None:
    before = (random.randint, random.Random, time.time, time.monotonic, os.urandom)
    path = write_model(tmp_path, DRAWING.format(draw="random.randint(0, 1)"))
    check(path)
    assert (random.randint, random.Random, time.time, time.monotonic, os.urandom) == before
    assert random.Random(3).random() == random.Random(3).random()


def test_module_level_and_seeded_randomness_are_allowed(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''import random
import time

random.seed(time.time())
START = random.randint(5, 9)
x = Var(START)


def P0():
    WRITE_ONCE(x, READ_ONCE(x) + random.Random(7).randint(0, 1) * 0 + 1)


MODEL = Model("seeded", [P0], forall=lambda s: s.x == START + 1)
''')
    assert check(path).code == 0


def test_names_bound_to_sources_are_no_state_of_the_model(tmp_path: Path) -> None:
    """The guard's stand-ins for ``from random import randint`` are not a change of the
    model's Python state."""
    path = write_model(tmp_path, DRAWING.format(draw="0"))
    for mm in ("sc", "tso", "lkmm"):
        assert check(path, "--mm", mm).code == 0


FILE_DRAW = HEAD + '''import os

x = Var(0)
TALLY = os.path.join(os.path.dirname(__file__), "tally")


def draw():
    """A value from outside the model: what a file holds (no refusable call)."""
    with open(TALLY, "a") as f:
        f.write(".")
    return os.path.getsize(TALLY) % 2


def P0():
    WRITE_ONCE(x, 1)


def P1():
    r = READ_ONCE(x)
    if r == 1:
        {use}
    return {{"r": r}}


MODEL = Model("file", [P0, P1])
'''


@pytest.mark.parametrize("use", ["return {'r': r, 'd': draw()}",
                                 "WRITE_ONCE(x, 2 + draw())"])
def test_unrefusable_nondeterminism_caught_by_rerunning_each_new_history(
        tmp_path: Path, use: str) -> None:
    """P1 behaves differently each time it reads 1 (not in the first execution, where it
    reads 0): re-running each CPU on each new sequence of values catches it, in what
    it writes or in what it returns."""
    path = write_model(tmp_path, FILE_DRAW.format(use=use))
    for mm in ("sc", "tso", "lkmm"):
        err = error_at(path, "def P1():" if "return" in use else use, "--mm", mm)
        assert "nondeterministic model: CPU 1" in err


# -- 3. Python state shared between CPUs and runs ---------------------------------------

def test_global_flag_is_an_error_at_the_assignment(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)
flag = 0


def P0():
    global flag
    flag = 1
    WRITE_ONCE(x, 1)


def P1():
    r = READ_ONCE(x)
    return {"r": r, "f": flag}


MODEL = Model("flag", [P0, P1], not_exists="1:r=1 /\\\\ 1:f=0")
''')
    for mm in ("sc", "tso", "lkmm"):
        err = error_at(path, "flag = 1", "--mm", mm, column=True)
        assert f"{path}:{line_of(path, 'flag = 1')}:5:" in err
        assert "CPU function P0 assigns the module variable flag (global flag)" in err


CHANGES = {
    # what changes -> (module-level set-up, the changing statement, the line named)
    "list": ("box = []", "box.append(1)", "box.append(1)"),
    "dict": ("box = {}", "box['n'] = box.get('n', 0) + 1", "box['n'] ="),
    "set": ("box = set()", "box.add(READ_ONCE(x) + len(box))", "box.add("),
    "counter": ("import itertools\nbox = itertools.count()", "next(box)", "next(box)"),
    "generator": ("box = random.Random(1)", "box.random()", "box.random()"),
    "instance": ("class Box:\n    n = 0\n\n\nbox = Box()", "box.n += 1", "box.n += 1"),
    "class attribute": ("class Box:\n    n = 0", "Box.n += 1", "Box.n += 1"),
    "nested": ("box = {'a': [[0]]}", "box['a'][0][0] += 1", "box['a'][0][0] += 1"),
    "same value": ("class Box:\n    n = 0\n\n\nbox = Box()", "box.n = 5", "box = Box()"),
    "globals()": ("box = 0", "globals()['box'] = 1", "box = 0"),
    # (a NULL pointer is not None: the fingerprint took NULL == None as C values)
    # (a re-run assigns NULL again, no change: the definition is named)
    "NULL for None": ("from smpcheck import NULL\nbox = [None]", "box[0] = NULL",
                      "box = [None]"),
    # (compared by identity, a bound method hid what its object holds)
    "bound method": ("box = [].append", "box(1)", "box(1)"),
    # (a subclass of list was read by its attributes only)
    "list subtype": ("class Box(list):\n    pass\n\n\nbox = Box()", "box.append(1)",
                      "box.append(1)"),
}
STATE = HEAD + '''import random

x = Var(0)
{setup}


def P0():
    WRITE_ONCE(x, 1)
    {change}


def P1():
    return {{"r": READ_ONCE(x)}}


MODEL = Model("state", [P0, P1])
'''


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_change_of_module_state_is_an_error_naming_it(tmp_path: Path, what: str) -> None:
    setup, change, named = CHANGES[what]
    path = write_model(tmp_path, STATE.format(setup=setup, change=change))
    for mm in ("sc", "lkmm"):
        err = error_at(path, named, "--mm", mm)
        assert "Python state smpcheck cannot see" in err
        assert "the module variable " + ("Box" if "class" in what else "box") in err


CLOSURES = {
    "cell": ('''def make():
    seen = []

    def P0():
        seen.append(READ_ONCE(x))
    return P0''', "seen.append("),
    "nonlocal": ('''def make():
    n = 0

    def P0():
        nonlocal n
        n += 1
        WRITE_ONCE(x, n)
    return P0''', "n += 1"),
    "default": ('''def make():
    def P0(seen=[]):
        seen.append(READ_ONCE(x))
    return P0''', "seen.append("),
}


@pytest.mark.parametrize("what", sorted(CLOSURES))
def test_state_kept_in_a_cpu_function_is_an_error(tmp_path: Path, what: str) -> None:
    factory, named = CLOSURES[what]
    path = write_model(tmp_path, HEAD + "x = Var(0)\n\n\n" + factory + '''


MODEL = Model("closure", [make(), make()])
''')
    err = error_at(path, named)
    assert "P0" in err


def test_python_state_of_the_run_itself_is_fine(tmp_path: Path) -> None:
    """Local state, nonlocal in a helper nested in the CPU function, module state read
    only, and a global set at import by a set-up helper are no shared state."""
    path = write_model(tmp_path, HEAD + '''x = Var(0)
TABLE = {0: 10, 1: 11}
size = 0


def setup():
    global size
    size = 2


setup()


def P0():
    seen = []
    n = 0

    def bump():
        nonlocal n
        n += 1
    for _ in range(size):
        bump()
        seen.append(READ_ONCE(x))
    return {"n": n, "s": len(seen)}


def P1():
    WRITE_ONCE(x, TABLE[1] - 10)


MODEL = Model("local", [P0, P1], forall="0:n=2 /\\\\ 0:s=2")
''')
    assert check(path, "--mm", "lkmm").code == 0


# -- 4. CPU functions and conditions the runtime cannot use ---------------------------

def test_cpu_function_with_parameters_names_its_def(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)


def P0(a, b=1):
    WRITE_ONCE(x, a)


MODEL = Model("params", [P0])
''')
    err = error_at(path, "def P0(a, b=1):")
    assert "CPU function P0 cannot be called without arguments" in err


def test_module_level_while_loop_builds_initial_state(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''values = []
i = 0
while i < 20:
    values.append(i)
    i += 1
x = Var(len(values))


def P0():
    return {"r": READ_ONCE(x)}


MODEL = Model("init", [P0], forall="0:r=20")
''')
    assert check(path).code == 0


@pytest.mark.parametrize(("where", "call"), [("module", "READ_ONCE(x)"),
                                             ("condition", "smp_mb()")])
def test_primitive_outside_a_cpu_function_names_the_line(tmp_path: Path, where: str,
                                                          call: str) -> None:
    cond = "lambda s: {call} or True" if where == "condition" else "lambda s: True"
    path = write_model(tmp_path, HEAD + f'''x = Var(0)
{"r = " + call if where == "module" else ""}


def P0():
    WRITE_ONCE(x, 1)


MODEL = Model("outside", [P0],
              forall={cond.format(call=call)})
''')
    err = error_at(path, call)
    assert f"{call.split('(')[0]} is a kernel primitive: only a CPU function" in err


@pytest.mark.parametrize(("ret", "says"), [('{"r0": [1, 2]}', "[1, 2] in register r0"),
                                           ('{"r0": {"a": 1}}', "{'a': 1} in register r0"),
                                           ("[r, 2]", "in register ret, a list"),
                                           ("{0: r}", "a register named 0")])
def test_unhashable_registers_name_the_return(tmp_path: Path, ret: str, says: str) -> None:
    path = write_model(tmp_path, HEAD + f'''x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


def P1():
    r = READ_ONCE(x)
    if r == 0:
        return {{"r0": 0}}
    return {ret}


MODEL = Model("unhashable", [P0, P1])
''')
    err = error_at(path, f"return {ret}")
    assert "CPU function P1 returns " in err and says in err


@pytest.mark.parametrize(("cond", "marker"), [
    ('not_exists=lambda st: st[1]["ra"] == 1', 'st[1]["ra"]'),
    ("exists=lambda st: st.P0.rb == 1", "st.P0.rb"),
    ("forall=check", "return state.reg(0, 'zz')"),
    ("filter=lambda st: 1 / 0", "1 / 0")])
def test_condition_that_raises_names_its_line(tmp_path: Path, cond: str, marker: str) -> None:
    path = write_model(tmp_path, HEAD + f'''x = Var(0)


def check(state):
    return state.reg(0, 'zz') == 1


def P0():
    return {{"ra": READ_ONCE(x)}}


MODEL = Model("cond", [P0],
              {cond})
''')
    err = error_at(path, marker)
    assert "condition raised" in err and "state.reg(1, 'r0')" in err


# -- 5. pure-Python code that does not come back ---------------------------------------

LOOPS = {
    "count": "for i in itertools.count():\n            pass",
    "cycle": "for c in itertools.cycle('ab'):\n            n += 1",
}
LOOPING = HEAD + '''import itertools

x = Var(0)


def P0():
    n = 0
    WRITE_ONCE(x, 1)
    if READ_ONCE(x) == 1:
        {loop}
    return {{"n": n}}


MODEL = Model("spin", [P0])
'''


@pytest.mark.parametrize("what", ["count", "cycle"])
def test_timeout_holds_in_pure_python_code(tmp_path: Path, what: str) -> None:
    path = write_model(tmp_path, LOOPING.format(loop=LOOPS[what]))
    start = time.monotonic()
    res = check(path, "--timeout", "1", "--json")
    took = time.monotonic() - start
    assert res.code == 3
    data = res.json()
    assert data["verdict"] is None and not data["complete"]
    assert [cut["limit"] for cut in data["incomplete"]] == ["timeout"]
    assert took < 4, took


def test_timeout_holds_in_a_condition(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''import itertools

x = Var(0)


def never(state):
    for i in itertools.count():
        pass


def P0():
    WRITE_ONCE(x, 1)


MODEL = Model("slow condition", [P0], forall=never)
''')
    start = time.monotonic()
    res = check(path, "--timeout", "1")
    assert res.code == 3 and "incomplete, no verdict" in res.out
    assert time.monotonic() - start < 4


def test_a_cpu_that_never_reaches_a_primitive_is_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMPCHECK_STALL_S", "0.5")
    path = write_model(tmp_path, LOOPING.format(loop=LOOPS["count"]))
    start = time.monotonic()
    res = check(path)
    assert time.monotonic() - start < 4
    assert res.code == 3
    assert "incomplete, no verdict" in res.out and "safe" not in res.out
    assert "CPU 0 ran 0.5 s without reaching a kernel primitive" in res.out
    [cut] = check(path, "--json").json()["incomplete"]
    assert (cut["limit"], cut["file"], cut["cpu"]) == ("stall", str(path), 0)
    loop = line_of(path, "for i in")  # (the loop's head or its body)
    assert cut["line"] in (loop, loop + 1), cut
    assert "SMPCHECK_STALL_S" in cut["message"]


def test_bad_stall_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMPCHECK_STALL_S", "soon")
    path = write_model(tmp_path, LOOPING.format(loop="pass"))
    res = check(path)
    assert res.code == 2 and "SMPCHECK_STALL_S" in res.err
    assert str(path) not in res.err  # (the environment's fault, not a model line's)


def test_a_timer_set_before_the_check_goes_on(tmp_path: Path) -> None:
    """The watchdog borrows SIGALRM for the check and gives it back, with the timer."""
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        path = write_model(tmp_path, DRAWING.format(draw="0"))
        assert check(path).code == 0
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30
        assert fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
