"""Names from the user's files cannot escape their place in what smpcheck writes.

A test or model name reaches the terminal (litmus, herd and check output),
DOT graphs and file names.  Control characters are shown as escapes, DOT
strings cannot be ended early, and ``-o DIR`` files stay in DIR whatever the
name (``C ../x``, ``C /abs/path``, a ``C --`` test named after an odd file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.report.dot import execution_dot
from smpcheck.text import dot_string, file_stem, printable, printable_block
from tests.conftest import need_lkmm
from tests.support.cli import smpcheck, write_model
from tests.support.herd import herd

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NASTY = st.lists(st.sampled_from(["\x1b[2J", "\x1b]0;title\x07", "\r", "\b", "\u202e", '"',
                                 "\\", "]", ";", "/", "..", "\n", "x", "é", "\x9b", "{", "}"]),
                max_size=8).map("".join) | st.text(max_size=8)
BODY = "\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n"


UNSAFE = "\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    named = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(ch)
    return named or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(NASTY | st.text(st.characters(max_codepoint=0x2100), max_size=12))
def test_escapes_are_each_unsafe_character_and_only_those(name: str) -> None:
    """printable and printable_block (str.translate tables) escape what a regular
    expression of the unsafe class finds, as it would, and change nothing else."""
    assert printable(name) == re.sub(f"[{UNSAFE}]", _escaped, name)
    block = UNSAFE.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f")  # (tabs, newlines kept)
    assert printable_block(name) == re.sub(f"[{block}]", _escaped, name)
    every = "".join(map(chr, [*range(0xA0), 0x200E, 0x2028, 0x202C, 0x2069, 0x206A]))
    assert printable(every) == re.sub(f"[{UNSAFE}]", _escaped, every)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(NASTY)
def test_helpers_leave_no_control_character(name: str) -> None:
    assert not CONTROL.search(printable(name)) and "\n" not in printable(name)
    assert not CONTROL.search(printable_block(name))
    stem = file_stem(name)
    assert stem and "/" not in stem and not stem.startswith(".")
    assert re.fullmatch(r"[A-Za-z0-9_.+\-=,@]+", stem)
    quoted = dot_string(name)
    assert not re.search(r'(?<!\\)(\\\\)*"', quoted), quoted  # every quote escaped


@settings(max_examples=40, derandomize=True, deadline=None)
@given(NASTY)
def test_dot_title_cannot_end_the_graph(name: str) -> None:
    from smpcheck.graph.graph import ExecutionGraph, Locations

    dot = execution_dot(ExecutionGraph(1, Locations()), name)
    first = dot.splitlines()[0]
    assert re.fullmatch(r'digraph "((?:[^"\\]|\\.)*)" \{', first), first
    assert not CONTROL.search(dot)


@pytest.mark.parametrize("name", ["../x", "/abs/path", "a/../../b", "..", "--"])
def test_dot_files_stay_in_the_output_directory(name: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    lkmm = need_lkmm()
    test = tmp_path / "in" / "t.litmus"
    test.parent.mkdir()
    test.write_text(f"C {name}" + BODY)
    out_dir = tmp_path / "out"
    out = herd(capsys, "-conf", lkmm / "linux-kernel.cfg", "-show", "all", "-o", out_dir, test)
    assert out.status == 0, out.err
    written = [p for p in tmp_path.rglob("*.dot")]
    assert len(written) == 1 and written[0].parent == out_dir, written
    assert not Path(f"{name}.dot").exists() and not Path("/abs/path.dot").exists()


def test_odd_file_name_as_test_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lkmm = need_lkmm()
    test = tmp_path / 'a"b\x1b[31mred\r.litmus'
    test.write_text("C --" + BODY)
    out = herd(capsys, "-conf", lkmm / "linux-kernel.cfg", "-show", "all", "-gv", test)
    assert out.status == 0, out.err
    assert not CONTROL.search(out.out + out.err)
    assert 'Test a"b\\x1b[31mred\\r Allowed' in out.out
    assert 'digraph "a\\"b\\\\x1b[31mred\\\\r-0" {' in out.out
    bad = tmp_path / "bad\x1b]0;pwned\x07.litmus"
    bad.write_text("C t\n{\n")
    out = herd(capsys, "-conf", lkmm / "linux-kernel.cfg", bad)
    assert out.status == 2 and not CONTROL.search(out.err) and "\\x1b]0;pwned\\x07" in out.err


def test_litmus_output_escapes(tmp_path: Path) -> None:
    test = tmp_path / "\x1b[2J.litmus"
    test.write_text("C --" + BODY)
    res = smpcheck("litmus", test, "--mm", "sc", "--table")
    assert res.code == 0 and not CONTROL.search(res.out + res.err)
    assert "Test \\x1b[2J Allowed" in res.out


def test_check_output_escapes_the_model_name(tmp_path: Path) -> None:
    model = write_model(tmp_path, "from smpcheck import WRITE_ONCE, READ_ONCE, Model, Var\n"
                        "x = Var(0)\n"
                        "def P0():\n    WRITE_ONCE(x, 1)\n"
                        "def P1():\n    assert READ_ONCE(x) == 0, 'oops\\x1b[2J'\n"
                        "MODEL = Model('SB\\x1b]0;title\\x07', [P0, P1])\n")
    res = smpcheck("check", model, "--mm", "sc")
    assert res.code == 1, res.err
    assert not CONTROL.search(res.out + res.err)
    assert res.out.startswith("SB\\x1b]0;title\\x07 under sc: violation")
