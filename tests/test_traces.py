"""Traces a kernel reader reads at a glance: C form, hex bit patterns, no name split
at a line's end, nothing cut without an ellipsis, KASAN-style blocks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.report.cform import HEX_FROM, c_form, show_int
from smpcheck.report.table import _fit, _wrap
from tests.support.cli import EXAMPLES, smpcheck

GLOBAL = {"g", "kvm_global"}.__contains__


@pytest.mark.parametrize(("python", "c"), [
    ("if not sp.role.direct:", "if (!sp->role.direct)"),
    ("WARN_ON(not sp.role.invalid or sp.root_count)",
     "WARN_ON(!sp->role.invalid || sp->root_count)"),
    ("while READ_ONCE(kvm.arch.being_unmapped_rmap) == rmapp:",
     "while (READ_ONCE(kvm->arch.being_unmapped_rmap) == rmapp)"),
    ("elif p is not None and n // 2:", "else if (p != NULL && n / 2)"),
    ("else:", "else"),
    ("WRITE_ONCE(g.gp, None)", "WRITE_ONCE(g.gp, NULL)"),  # g: a global object
    ("r = p.next.val if p is NULL else 0", "r = p->next.val if p == NULL else 0"),
    ("x = a[1:2]", "x = a[1:2]"),
    ("sptep = rmap_get_first(ONCE(rmapp),", "sptep = rmap_get_first(ONCE(rmapp),"),
    ("return {'not': sp.x}", "return {'not': sp->x}"),  # (a string is left alone)
])
def test_c_form(python: str, c: str) -> None:
    assert c_form(python, GLOBAL) == c


@given(st.integers(-(2**64), 2**64))
def test_bit_patterns_in_hex(value: int) -> None:
    shown = show_int(value)
    assert int(shown, 0) == value
    assert shown.lstrip("-").startswith("0x") == (abs(value) >= HEX_FROM)


_WORD = st.text(string.ascii_lowercase + "_", min_size=1, max_size=30)
_PUNCT = st.sampled_from(["(", ")", ", ", " ", "  ", "->", ".", "[0]", " = ", " -> "])


@settings(max_examples=300)
@given(st.lists(st.one_of(_WORD, _PUNCT), min_size=1, max_size=40), st.integers(24, 60))
def test_wrapping_never_splits_a_name(parts: list[str], width: int) -> None:
    text = "".join(parts).strip()
    lines = _wrap(text, width)
    assert all(len(line) <= width for line in lines)
    assert all(line.startswith("       ") for line in lines[1:])
    joined = re.sub(r"\s+", "", "".join(lines))
    if "\u2026" not in joined:  # (no name longer than a line)
        assert joined == re.sub(r"\s+", "", text)
        words = set(re.findall(r"\w+", text))
        assert {w for line in lines for w in re.findall(r"\w+", line)} <= words
    else:
        assert joined.replace("\u2026", "") == re.sub(r"\s+", "", text)


def test_a_cut_heading_ends_in_an_ellipsis() -> None:
    assert _fit("CPU 0 (a_very_long_cpu_function_name_indeed)", 24).endswith("\u2026")
    assert len(_fit("CPU 0 (a_very_long_cpu_function_name_indeed)", 24)) == 24


REPORT_WORDS = {"CPU", "CPUs", "reaches", "memory", "buffered", "POISON", "NULL", "Allocated",
                "before", "the", "started", "part", "of", "model", "s", "initial", "state",
                "Freed", "by", "Accessed", "x1063", "py", "smpcheck", "kvm", "waits", "here"}


def test_the_kvm_trace_reads_as_c() -> None:
    """The 2013 counterexample: C operators and ->, hex sptes, every function named,
    and no name of the model cut at a line's end."""
    out = smpcheck("kvm", "check", "unmap-nolock-2013", "--scenario", "core",
                   "--mm", "tso").out
    assert "if (!sp->role.direct)" in out and "WARN_ON(!sp->role.invalid ||" in out
    assert " not " not in out and " or " not in out
    assert "pte = spte[0]  -> 0x1063" in out
    assert "unmap_rmapp_nolock():" in out and "zap_shadow_page():" in out
    source = "".join(p.read_text() for p in Path("smpcheck/kvm").glob("*.py"))
    names = set(re.findall(r"\w+", source)) | set(re.findall(r"\w+", out.split("CPU 0")[0]))
    table = out[out.index("   CPU 0"):out.index("executions explored")]
    for word in re.findall(r"[A-Za-z_]\w*", table):
        assert word in names or word in REPORT_WORDS, word


def test_use_after_free_blocks() -> None:
    out = smpcheck("check", EXAMPLES / "uaf.py", "--mm", "sc").out
    blocks = out[out.index("Allocated by"):].splitlines()[:6]
    assert blocks == [
        "Allocated by CPU 0 (setup_and_free):",
        "  setup_and_free() examples/uaf.py:20: p = kmalloc(foo)",
        "Freed by CPU 0 (setup_and_free):",
        "  setup_and_free() examples/uaf.py:24: kfree(p)",
        "Accessed by CPU 1 (reader):",
        '  reader() examples/uaf.py:30: return {"a": READ_ONCE(p->a)}',
    ]


DOUBLE_FREE = '''
from smpcheck import NULL, READ_ONCE, WRITE_ONCE, Model, Struct, kfree, kmalloc

class obj(Struct):
    v = 0

class glob(Struct):
    p = NULL

g = glob()

def init():
    q = kmalloc(obj)
    WRITE_ONCE(g.p, q)

def put_a():
    q = READ_ONCE(g.p)
    if q:
        kfree(q)

def put_b():
    q = READ_ONCE(g.p)
    if q:
        kfree(q)

MODEL = Model("double put", [init, put_a, put_b])
'''


def test_double_free_blocks_in_table_order(tmp_path: Path) -> None:
    path = tmp_path / "double.py"
    path.write_text(DOUBLE_FREE)
    out = smpcheck("check", path).out
    assert "double-free" in out
    freed = re.search(r"Freed by CPU (\d)", out)
    again = re.search(r"Freed again by CPU (\d)", out)
    assert freed and again and freed[1] != again[1]
    assert "Allocated by CPU 0 (init):" in out
    flat = " ".join(out.split())
    assert re.search(r"init\(\) \S*double.py:\d+: q = kmalloc\(obj\)", flat)
    # the first free told is the first in the table
    table = out[out.index("   CPU 0"):out.index("Allocated by")]
    first = next(line for line in table.splitlines() if "kfree(q)" in line)
    column = (first.index("kfree") - 3) // 26  # (three columns of 24 and 2 between)
    assert int(freed[1]) == column, (first, freed[1])


STOPPING = '''from smpcheck import BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)


def p0():
    WRITE_ONCE(x, 1)
    n = 0
    while READ_ONCE(y) == 0:
        n += 1
    BUG_ON(n == 1)


def p1():
    WRITE_ONCE(y, 1)
    BUG_ON(READ_ONCE(x) == 1)


MODEL = Model("stopping", [p0, p1])
'''


TWO_BUGS = '''from smpcheck import BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)


def p0():
    WRITE_ONCE(x, 1)
    BUG_ON(READ_ONCE(y) == 0)


def p1():
    WRITE_ONCE(y, 1)
    BUG_ON(READ_ONCE(x) == 1)


MODEL = Model("two bugs", [p0, p1])
'''


@pytest.mark.parametrize(("text", "why", "line", "bug"), [(STOPPING, "a bound", 10, 17),
                                                          (TWO_BUGS, "its error", 9, 14)])
def test_a_cpu_that_stopped_says_so_in_another_cpus_trace(
        tmp_path: Path, text: str, why: str, line: int, bug: int) -> None:
    """Under --all a CPU stops alone at its error or a bound, and the others go on:
    the trace of another CPU's BUG_ON met after that shows the stop, at its line."""
    path = tmp_path / "stopping.py"
    path.write_text(text)
    out = smpcheck("check", path, "--all", "--loop-bound", "2", "-j", "1").out
    table = out[out.index(f"py:{bug})"):]  # (p1's BUG_ON: found with p0 stopped)
    assert f"{line}: (stops here: {why})" in table, out
