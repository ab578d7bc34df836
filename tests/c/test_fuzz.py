"""Fuzzing C models through ``smpcheck check FILE.c``: whatever the text, an exit in
{0, 1, 2, 3}, never a traceback or an internal error, and on exit 2 a message
naming the file and a line (``FILE.c:LINE``).

Inputs are the shipped C examples with tokens deleted, duplicated, swapped or
replaced (by C punctuation, kernel primitives, GNU extensions, keywords), and
texts cut short.  A file that still translates runs under a short timeout and a
small execution bound, so an endless one is incomplete (exit 3) rather than a
hang.  Derandomized examples keep the cost steady.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import smpcheck

C = Path(__file__).resolve().parents[2] / "examples" / "c"
SOURCES = {p.name: p.read_text() for p in sorted(C.glob("*.c"))}
TOKEN = re.compile(r"\s+|[A-Za-z_]\w*|\d+|\S")
WORDS = ["(", ")", "{", "}", ";", ",", "*", "&", "->", ".", "=", "==", "!", "[", "]", "#",
         "0", "1", "-1", "x", "p", "NULL", "READ_ONCE", "WRITE_ONCE", "smp_mb", "kfree",
         "kmalloc", "spin_lock", "cpu_relax", "goto", "retry:", "switch", "case", "break",
         "continue", "return", "struct", "int", "void", "static", "typeof", "({", "asm",
         "sizeof", "while", "for", "do", "if", "else", "#define", "#ifdef", "#endif",
         "exists", "P0", "P7", "init", "container_of", "list_add", "__attribute__",
         "\\", '"', "'", "/*", "@", "$", "0x7fffffffffffffff", "1 << 80", "++", "--"]


@st.composite
def mutated_c(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SOURCES)))
    toks = TOKEN.findall(SOURCES[name])
    for _ in range(draw(st.integers(1, 4))):
        if not toks:
            break
        i = draw(st.integers(0, len(toks) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "cut", "word", "word"]))
        if how == "delete":
            del toks[i]
        elif how == "duplicate":
            toks.insert(i, toks[i])
        elif how == "swap" and i + 1 < len(toks):
            toks[i], toks[i + 1] = toks[i + 1], toks[i]
        elif how == "cut":
            toks = toks[:i]
        else:
            toks[i] = " " + draw(st.sampled_from(WORDS)) + " "
    return name, "".join(toks)


def check_mutant(name: str, text: str, mm: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        res = smpcheck("check", path, "--mm", mm, "--timeout", "5",
                       "--max-executions", "200")
    assert res.code in (0, 1, 2, 3), (res, text)
    assert "Traceback" not in res.err and "internal bug" not in res.err, (res.err, text)
    if res.code == 2:
        assert re.search(re.escape(name) + r":\d+", res.err), (res.err, text)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(mutated_c(), st.sampled_from(["sc", "tso", "lkmm"]))
def test_any_c_file_gets_a_status_not_a_traceback(case: tuple[str, str], mm: str) -> None:
    check_mutant(case[0], case[1], mm)
