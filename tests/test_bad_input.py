"""Bad input through the CLI: a message naming the user's file and line, exit status 2
(3 for a bound), and never a traceback from the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Outcome, line_of, smpcheck, write_model

HEAD = "from smpcheck import *\n\n"


def check(path: Path | str, *extra: str) -> Outcome:
    res = smpcheck("check", path, *extra)
    assert "Traceback" not in res.err and "Traceback" not in res.out
    assert "internal bug" not in res.err
    return res


def usage_error(path: Path | str, *extra: str) -> str:
    """The one-line error of a bad input; checks the exit status and that it is alone."""
    res = check(path, *extra)
    assert res.code == 2, res
    assert res.out == ""
    assert res.err.startswith("smpcheck: error: ")
    return res.err.strip()


def test_model_that_raises_names_its_own_line(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)


def P0():
    r = READ_ONCE(x)
    return {"r": 10 // r}


MODEL = Model("raises", [P0])
''')
    err = usage_error(path)
    assert f"{path}:{line_of(path, '10 // r')}:" in err
    assert "ZeroDivisionError" in err


def test_model_that_raises_in_a_helper_names_the_helper_line(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)


def lookup(table, key):
    return table[key]


def P0():
    return {"r": lookup({}, READ_ONCE(x))}


MODEL = Model("raises", [P0])
''')
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'return table[key]')}:" in err and "KeyError" in err


def test_model_file_that_raises_at_import(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + "x = Var(0)\ny = undefined_name\n")
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'undefined_name')}:" in err and "NameError" in err


COUNTER = HEAD + '''x = Var(0)
y = Var(0)
calls = [0]


def P0():
    calls[0] += 1                    # Python state shared between runs
    r = READ_ONCE(y)
    if calls[0] == 1:
        WRITE_ONCE(x, 1)
    return {"r": r}


def P1():
    WRITE_ONCE(y, 1)


MODEL = Model("nondeterministic", [P0, P1])
'''

RANDOM = HEAD + '''import random

x = Var(0)


def P0():
    WRITE_ONCE(x, random.randrange(10 ** 9))


def P1():
    return {"r": READ_ONCE(x)}


MODEL = Model("random", [P0, P1])
'''


@pytest.mark.parametrize(("source", "line", "says"), [
    (COUNTER, "calls[0] += 1", "Python state smpcheck cannot see"),
    (RANDOM, "random.randrange", "nondeterminism: CPU function P0 calls random.randrange")])
def test_nondeterministic_model(tmp_path: Path, source: str, line: str, says: str) -> None:
    path = write_model(tmp_path, source)
    for mm in ("sc", "tso", "lkmm"):
        err = usage_error(path, "--mm", mm)
        assert says in err
        assert f"{path}:{line_of(path, line)}:" in err


def test_module_state_that_does_not_change_is_fine(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)
TABLE = {0: 5, 1: 6}


def P0():
    WRITE_ONCE(x, 1)


def P1():
    return {"r": TABLE[READ_ONCE(x)]}


MODEL = Model("lookup", [P0, P1])
''')
    assert check(path).code == 0


def test_file_without_model(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + "x = Var(0)\n\n\ndef P0():\n    pass\n")
    err = usage_error(path)
    assert str(path) in err and "MODEL" in err


def test_model_without_cpu_functions(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + 'x = Var(0)\n\nMODEL = Model("empty", [])\n')
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'MODEL =')}:" in err and "no CPU functions" in err


def test_condition_naming_an_unknown_location(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + '''x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


MODEL = Model("c", [P0],
              exists="z=1")
''')
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'exists=')}:" in err and "z" in err


def test_syntax_error(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + "x = Var(0)\n\ndef P0(:\n    pass\n")
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'def P0(:')}:" in err and "syntax error" in err


LOOPS = {
    "read-loop": '''def P0():
    while True:
        READ_ONCE(x)
''',
    "no-memory": '''def P0():
    n = 0
    while True:
        n += 1
''',
    "long-loop": '''def P0():
    i = 0
    while i < 20:
        WRITE_ONCE(x, i)
        i += 1
''',
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_unbounded_loop_is_incomplete_never_safe(tmp_path: Path, name: str) -> None:
    path = write_model(tmp_path, HEAD + "x = Var(0)\n\n\n" + LOOPS[name]
                       + '\n\nMODEL = Model("loop", [P0])\n')
    res = check(path)
    assert res.code == 3
    assert "incomplete" in res.out and "safe" not in res.out
    assert f"{path}:{line_of(path, 'while')}:" in res.out
    assert "cpu_relax()" in res.out and "--loop-bound" in res.out
    data = check(path, "--json").json()
    assert data["verdict"] is None and data["complete"] is False and data["violations"] == []
    [cut] = data["incomplete"]
    assert cut["limit"] == "loop-bound" and "--loop-bound" in cut["message"]
    assert (cut["file"], cut["line"]) == (str(path), line_of(path, "while"))


def test_loop_bound_can_be_raised(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + "x = Var(0)\n\n\n" + LOOPS["long-loop"]
                       + '\n\nMODEL = Model("loop", [P0])\n')
    assert check(path, "--loop-bound", "21").code == 0


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nosuch.py"
    err = usage_error(path)
    assert str(path) in err and "No such file" in err


def test_unknown_memory_model(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + 'x = Var(0)\n\n\ndef P0():\n    pass\n\n\n'
                       'MODEL = Model("m", [P0])\n')
    err = usage_error(path, "--mm", "arm")
    assert "arm" in err and "sc" in err and "tso" in err and "lkmm" in err


def test_bad_replay_file(tmp_path: Path) -> None:
    path = write_model(tmp_path, HEAD + 'x = Var(0)\n\n\ndef P0():\n    pass\n\n\n'
                       'MODEL = Model("m", [P0])\n')
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert str(bad) in usage_error(path, "--replay", bad)
    empty = tmp_path / "empty.json"
    empty.write_text('{"violations": []}')
    assert "no violation to replay" in usage_error(path, "--replay", empty)


@pytest.mark.parametrize("body", ["pass", "READ_ONCE(x)"])
@pytest.mark.parametrize(("handler", "code"), [("1 // READ_ONCE(x)", 2), ("BUG_ON(1)", 1)])
def test_interrupt_handler_that_raises(tmp_path: Path, body: str, handler: str,
                                       code: int) -> None:
    """A handler may come as the CPU returns: what it raises there is the model's
    (exit 2 naming its line) and its BUG_ON a finding, as anywhere else."""
    path = write_model(tmp_path, HEAD + f'''x = Var(0)


def tick():
    {handler}


def P0():
    {body}


request_irq(P0, tick)
MODEL = Model("irq raises", [P0])
''')
    res = check(path)
    assert res.code == code, res
    assert f"{path}:{line_of(path, handler)}" in res.err + res.out


def test_litmus_test_given_to_check(tmp_path: Path) -> None:
    """A litmus file is not read as Python (a syntax error at 1:3): the message says
    which command takes it."""
    path = tmp_path / "SB.litmus"
    path.write_text("C SB\n\n{}\n\nP0(int *x) { WRITE_ONCE(*x, 1); }\n")
    err = usage_error(path)
    assert str(path) in err and "smpcheck litmus" in err


@pytest.mark.parametrize("args", ["5, [P0]", "'m', [P0], description=7"])
def test_model_name_that_is_no_string(tmp_path: Path, args: str) -> None:
    """Model(5, ...) was an internal error when the report printed the name."""
    path = write_model(tmp_path, HEAD + f'''x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


MODEL = Model({args})
''')
    err = usage_error(path)
    assert f"{path}:{line_of(path, 'MODEL = ')}:" in err and "is a string" in err


@pytest.mark.parametrize("name", ["model.py", "model.c", "test.litmus"])
def test_a_directory_is_refused_by_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    command = "litmus" if name.endswith(".litmus") else "check"
    res = smpcheck(command, tmp_path / name)
    assert res.code == 2 and "Traceback" not in res.err, res
    assert str(tmp_path / name) in res.err and "cannot read" in res.err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("command", ["check", "litmus"])
def test_an_endless_device_is_refused_not_read(command: str) -> None:
    """``/dev/zero`` never ends: reading it would hang (it did, before)."""
    res = smpcheck(command, "/dev/zero")
    assert res.code == 2 and "not a regular file" in res.err, res


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A file (or pipe) past :data:`MAX_BYTES` is refused once that much is read: the
    limit is lowered here, and a model twice its size is bad input, one at it is not."""
    import smpcheck.text

    path = write_model(tmp_path, HEAD + 'x = Var(0)\n\n\ndef P0():\n    WRITE_ONCE(x, 1)\n'
                       '\n\nMODEL = Model("big", [P0])\n')
    size = path.stat().st_size
    monkeypatch.setattr(smpcheck.text, "MAX_BYTES", size)
    assert check(path).code == 0
    monkeypatch.setattr(smpcheck.text, "MAX_BYTES", size - 1)
    assert "larger than" in usage_error(path)


def test_a_value_too_long_for_str_is_shown_not_an_error(tmp_path: Path) -> None:
    """Python refuses str() of an int of more than 4,300 digits by default; a model's
    values are its own: such a value was reported as an error the model raised."""
    path = write_model(tmp_path, HEAD + '''x = Var(0)


def P0():
    WRITE_ONCE(x, 10**5000)


def P1():
    BUG_ON(READ_ONCE(x) == 10**5000)


MODEL = Model("huge", [P0, P1])
''')
    res = check(path)
    assert res.code == 1 and "BUG_ON() triggered" in res.out, res
