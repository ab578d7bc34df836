"""Every way a command ends: option values checked (exit 2 with the option named),
``--json`` printing one JSON document whatever happens, interrupts, internal errors,
and output into a pipe whose reader stopped (``| head``).  The entry points are the
real ones, in process or as the installed scripts."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import with_lkmm
from tests.litmus.conftest import lkmm_dir
from tests.support.cli import EXAMPLES, REPO, Outcome, herd, smpcheck

BIN = Path(sys.executable).parent
SB_LITMUS = """C SB
{}
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)
"""
FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def sb_litmus(tmp_path: Path) -> Path:
    path = tmp_path / "SB.litmus"
    path.write_text(SB_LITMUS)
    return path


def the_document(res: Outcome) -> dict[str, Any]:
    """``--json``'s output: one JSON object, whose ``exit`` is the exit status."""
    assert "Traceback" not in res.err, res.err
    doc: dict[str, Any] = json.loads(res.out)
    assert doc["exit"] == res.code
    if "error" in doc:
        assert set(doc["error"]) == {"message", "file", "line", "column"}
        assert doc["error"]["message"]
    return doc


# ------------------------------------------------------------------ option values

INTEGER_OPTIONS = ("--max-executions", "--loop-bound", "--max-events", "--width")
values = st.one_of(st.integers(-20, 20).map(str), st.integers(-10**9, 10**9).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.sampled_from(["nan", "NaN", "inf", "-inf", "0", "-0", "0.0", "1e-9",
                                    "abc", "", "2.5", "1e400"]))


def valid(option: str, text: str) -> bool:
    """The options' specification: counts are whole numbers of at least 1 (the width at
    most 10,000 columns); seconds are finite and above 0."""
    if option in INTEGER_OPTIONS:
        if not text.lstrip("-").isdigit():
            return False
        return 1 <= int(text) <= (10_000 if option == "--width" else math.inf)
    try:
        number = float(text)
    except ValueError:
        return False
    return math.isfinite(number) and number > 0


def commands(sb_litmus: Path) -> dict[str, list[str]]:
    return {"check": ["check", str(EXAMPLES / "sb.py"), "--mm", "tso"],
            "litmus": ["litmus", str(sb_litmus), "--mm", "tso"],
            "kvm check": ["kvm", "check", "unmap-nolock-2013", "--scenario", "core",
                          "--mm", "sc"]}


@FUZZ
@given(command=st.sampled_from(["check", "litmus", "kvm check"]),
       option=st.sampled_from([*INTEGER_OPTIONS, "--timeout"]), text=values,
       as_json=st.booleans())
def test_option_values(sb_litmus: Path, command: str, option: str, text: str,
                       as_json: bool) -> None:
    argv = [*commands(sb_litmus)[command], f"{option}={text}", *(["--json"] * as_json)]
    res = smpcheck(*argv)
    assert "Traceback" not in res.err and res.code != 4
    if not valid(option, text):
        assert res.code == 2 and f"argument {option}:" in res.err
        if as_json:
            assert f"argument {option}:" in the_document(res)["error"]["message"]
        return
    assert res.code in (0, 1, 3)  # ran: sb under tso has a violation, sb.litmus does not
    if as_json:
        the_document(res)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--timeout", "--loop-bound", "--max-events"]), text=values)
def test_matrix_option_values(option: str, text: str) -> None:
    res = smpcheck("kvm", "matrix", "--model", "unmap-nolock-2013", "--scenario", "core",
                   "--mm", "sc", "--variant", "spte_clear=as-3.9", f"{option}={text}")
    assert "Traceback" not in res.err
    if valid(option, text):
        assert res.code in (0, 3) and "core" in res.out
    else:
        assert res.code == 2 and f"argument {option}:" in res.err and res.out == ""


@with_lkmm
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["-timeout", "-unroll"]), text=values)
def test_herd_option_values(sb_litmus: Path, option: str, text: str) -> None:
    res = herd("-conf", lkmm_dir() / "linux-kernel.cfg", option, text, sb_litmus)
    assert "Traceback" not in res.err
    spec = "--timeout" if option == "-timeout" else "--loop-bound"
    if valid(spec, text):
        assert res.code in (0, 3)
    else:
        assert res.code == 2 and option in res.err and res.out == ""


# ------------------------------------------------------------------ kvm names


@pytest.mark.parametrize(("args", "named"), [
    (["--model", "nope"], "unmap-nolock-2013"),
    (["--model", "unmap-nolock-2013", "--scenario", "cor"], "core"),
    (["--model", "unmap-nolock-2013", "--variant", "fence=smp_mb"], "fence_after_publish"),
    (["--model", "unmap-nolock-2013", "--variant", "fence_after_publish=mb"],
     "fence_after_publish=none|smp_mb"),
    (["--model", "unmap-nolock-2013", "--variant", "sentinel"], "NAME=VALUE"),
    (["--model", "unmap-nolock-2013", "--mm", "arm"], "lkmm, sc, tso"),
    (["--model", "unmap-nolock-2013", "--mm", ","], "--mm sc,tso"),
])
def test_matrix_names_nothing_unknown(args: list[str], named: str) -> None:
    """A misspelt name is an error listing the known ones, before any cell runs."""
    res = smpcheck("kvm", "matrix", *args)
    assert (res.code, res.out) == (2, "") and named in res.err
    doc = the_document(smpcheck("kvm", "matrix", *args, "--json"))
    assert named in doc["error"]["message"]


def test_kvm_check_unknown_switch() -> None:
    doc = the_document(smpcheck("kvm", "check", "unmap-nolock-2013", "--set", "fence=smp_mb",
                                "--json"))
    assert doc["exit"] == 2 and "fence_after_publish" in doc["error"]["message"]


# ------------------------------------------------------------------ --json, every path


def tokens(tmp: Path) -> list[str]:
    """Arguments to make command lines of: good ones, wrong ones, files of each kind."""
    (tmp / "syntax.py").write_text("x = (\n")
    (tmp / "bad.litmus").write_text(SB_LITMUS.replace("READ_ONCE(*y)", "READ_TWICE(*y)"))
    (tmp / "SB.litmus").write_text(SB_LITMUS)
    return ["--mm", "sc", "tso", "lkmm", "arm", "--all", "--max-executions", "1", "2", "-1",
            "--timeout", "nan", "0.5", "--loop-bound", "0", "--width", "--max-events",
            "--bogus", str(EXAMPLES / "sb.py"), str(EXAMPLES / "sb-mb.py"),
            str(tmp / "syntax.py"), str(tmp / "missing.py"), str(tmp / "bad.litmus"),
            str(tmp / "SB.litmus"), "--compare", "sc,tso", "--table", "--scenario", "core",
            "--set", "sentinel=null"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_json_document_on_every_exit_path(tmp_path: Path, data: st.DataObject) -> None:
    head = data.draw(st.sampled_from([["check"], ["litmus"],
                                      ["kvm", "check", "unmap-nolock-2013"],
                                      ["kvm", "matrix", "--model", "unmap-nolock-2013",
                                       "--scenario", "core", "--mm", "sc"]]), label="command")
    rest = data.draw(st.lists(st.sampled_from(tokens(tmp_path)), max_size=5), label="args")
    argv = [*head, *rest, "--json"]
    res = smpcheck(*argv)
    doc = the_document(res)
    assert res.code in (0, 1, 2, 3)
    if res.code == 2 and "error" not in doc:  # litmus: a file was bad, the others ran
        assert head == ["litmus"] and doc["errors"]
    if res.code == 3:
        assert doc["complete"] is False
    if "verdict" in doc:
        assert res.code == {"safe": 0, "violation": 1, None: 3}[doc["verdict"]]


def test_usage_error_document(tmp_path: Path) -> None:
    path = tmp_path / "syntax.py"
    path.write_text("x = 1\ny = (\n")
    doc = the_document(smpcheck("check", path, "--json"))
    assert doc["exit"] == 2
    assert (doc["error"]["file"], doc["error"]["line"]) == (str(path), 2)
    assert isinstance(doc["error"]["column"], int)


def test_argparse_error_document() -> None:
    res = smpcheck("check", EXAMPLES / "sb.py", "--json", "--bogus")
    doc = the_document(res)
    assert doc["exit"] == 2 and "--bogus" in doc["error"]["message"]
    assert "usage: smpcheck" in res.err


INTERRUPTING = """import signal

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


def P1():
    if READ_ONCE(x) == 1:
        signal.raise_signal(signal.SIGINT)  # a real Ctrl-C while this CPU runs (a
                                            # KeyboardInterrupt it raised is its error)
    return {}


MODEL = Model("interrupted", [P0, P1])
"""


def test_interrupt_inside_the_model(tmp_path: Path) -> None:
    path = tmp_path / "interrupted.py"
    path.write_text(INTERRUPTING)
    res = smpcheck("check", path)
    assert res.code == 3 and "interrupted" in res.err and ": safe" not in res.out
    doc = the_document(smpcheck("check", path, "--json"))
    assert (doc["exit"], doc["complete"]) == (3, False) and "interrupted" in doc["error"]["message"]


@pytest.mark.parametrize("command", ["litmus", "matrix"])
def test_interrupt_document(sb_litmus: Path, command: str) -> None:
    argv = (["litmus", str(sb_litmus)] if command == "litmus" else
            ["kvm", "matrix", "--model", "unmap-nolock-2013", "--scenario", "core", "--mm", "sc"])
    target = ("smpcheck.litmus.run.verify" if command == "litmus"
              else "smpcheck.explore.verify.verify")
    with mock.patch(target, side_effect=KeyboardInterrupt):
        doc = the_document(smpcheck(*argv, "--json"))
    assert (doc["exit"], doc["complete"]) == (3, False)


def test_internal_error_document(sb_litmus: Path) -> None:
    with mock.patch("smpcheck.explore.verify.verify", side_effect=RuntimeError("boom")):
        res = smpcheck("check", EXAMPLES / "sb.py", "--json")
    assert res.code == 4 and "RuntimeError: boom" in res.err
    doc = json.loads(res.out)
    assert doc["exit"] == 4 and "internal bug" in doc["error"]["message"]


SLEEPY = """import os
import time

from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)


def P0():
    WRITE_ONCE(x, 1)


def P1():
    r0 = READ_ONCE(x)
    open(os.environ["STARTED"], "w").close()
    time.sleep(60)
    return {"r0": r0}


MODEL = Model("sleepy", [P0, P1])
"""


def test_ctrl_c(tmp_path: Path) -> None:
    """SIGINT to the installed script while the model runs: exit 3, a JSON document."""
    path = tmp_path / "sleepy.py"
    path.write_text(SLEEPY)
    started = tmp_path / "started"
    proc = subprocess.Popen([BIN / "smpcheck", "check", path, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "STARTED": str(started)})
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    res = Outcome(proc.returncode, out, err)
    doc = the_document(res)
    assert (res.code, doc["complete"]) == (3, False) and "interrupted" in err


# ------------------------------------------------------------------ closed pipes


def pipe_commands(tmp: Path) -> dict[str, list[str | Path]]:
    bad = tmp / "bad.litmus"
    bad.write_text(SB_LITMUS.replace("READ_ONCE(*y)", "READ_TWICE(*y)"))
    good = tmp / "SB.litmus"
    good.write_text(SB_LITMUS)
    cfg = lkmm_dir() / "linux-kernel.cfg"
    return {
        "check": [BIN / "smpcheck", "check", EXAMPLES / "uaf.py", "--mm", "tso"],
        "check --json": [BIN / "smpcheck", "check", EXAMPLES / "uaf.py", "--json"],
        "litmus": [BIN / "smpcheck", "litmus", good, bad, good],
        "smpcheck-herd": [BIN / "smpcheck-herd", "-conf", cfg, good, bad],
        "smpcheck herd": [BIN / "smpcheck", "herd", "-conf", cfg, good, bad],
        "kvm check": [BIN / "smpcheck", "kvm", "check", "unmap-nolock-2013", "--scenario",
                      "core", "--mm", "tso"],
        "kvm list": [BIN / "smpcheck", "kvm", "list"],
    }


@pytest.mark.parametrize("name", ["check", "check --json", "litmus", "smpcheck-herd",
                                  "smpcheck herd", "kvm check", "kvm list"])
def test_reader_gone(tmp_path: Path, name: str) -> None:
    """Output into a pipe closed before the command writes (as ``| head`` does once it
    has its lines): no traceback, and the exit status the command has anyway."""
    argv = [str(a) for a in pipe_commands(tmp_path)[name]]
    whole = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=300)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == whole.returncode
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken" not in err
    assert err == whole.stderr
