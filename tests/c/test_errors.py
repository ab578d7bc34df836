"""Bad and unsupported C: exit 2 with FILE:LINE[:COLUMN] and what is wrong.

Each case is a small file with the construct at a known place: the message must
name that line (and the column where the parser or the checker knows it) and
say what is unsupported.  GNU extensions either work (likely, unlikely,
__always_inline, __attribute__) or are refused by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import smpcheck

HEAD = "int x;\nstruct foo { int a; };\n"  # every case starts with these two lines
TAIL = "\nvoid P1(void) { WRITE_ONCE(x, 1); }\n"

# body of P0 (on line 4) -> (the word the error points at, what the message says)
CASES = {
    "statement expression": ("\tint r = ({ 1; });", "({", "statement expression"),
    "typeof": ("\ttypeof(x) r = 1;", "typeof", "typeof"),
    "asm": ('\tasm("nop");', "asm", "inline assembly"),
    "builtin": ("\tint r = __builtin_expect(x, 1);", "__builtin_expect", "builtin"),
    "local struct": ("\tstruct foo f;", "f;", "local struct variable f"),
    "address of local": ("\tint r = 0; WRITE_ONCE(x, *(&r));", "r)", "address of local"),
    "READ_ONCE of local": ("\tint r = 0; r = READ_ONCE(r);", "r)", "local variable r"),
    "unknown function": ("\tsmp_mbb();", "smp_mbb", "did you mean smp_mb"),
    "goto out of a loop": ("\twhile (READ_ONCE(x))\n\t\tgoto out;\nout:\n\t;", "goto",
                           "goto out"),
    "fallthrough": ("\tswitch (x) { case 0: x = 1; case 1: x = 2; break; }", "case 0",
                    "falls through"),
    "float": ("\tint r = 1.5;", "1.5", "floating-point"),
    "static local": ("\tstatic int s;", "s;", "static local variable s"),
    "function pointer": ("\tvoid (*fp)(void) = 0; fp();", "fp()", "function pointers"),
    "sizeof alone": ("\tint r = sizeof(int);", "sizeof", "sizeof"),
    "kmalloc bytes": ("\tstruct foo *p = kmalloc(16, GFP_KERNEL);", "16", "sizeof"),
    "syntax": ("\tint r = 1 +;", ";", "syntax error"),
    "assignment in a condition": ("\tif ((x = 1))\n\t\t;", "x = 1", "assignment inside"),
}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.c"
    path.write_text(HEAD + "void P0(void)\n{\n" + body + "\n}\n" + TAIL)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_unsupported_construct_is_named_at_its_place(tmp_path: Path, case: str) -> None:
    body, word, says = CASES[case]
    path = _write(tmp_path, body)
    res = smpcheck("check", path, "--json")
    assert res.code == 2, res
    err = res.json()["error"]
    assert err["file"] == str(path)
    text = path.read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if i >= 5 and word in t)
    assert err["line"] == line, (err, line)
    if err["column"] is not None and case not in ("syntax",):
        assert 1 <= err["column"] <= len(text[line - 1]) + 1
    assert says in err["message"], err
    assert "Traceback" not in res.err


def test_gnu_extensions_that_read_as_c_work(tmp_path: Path) -> None:
    path = tmp_path / "gnu.c"
    path.write_text(
        "int x;\n"
        "static __always_inline int get(void) { return READ_ONCE(x); }\n"
        "static noinline void put(int v) { WRITE_ONCE(x, v); }\n"
        "int y __attribute__((unused)) __read_mostly;\n"
        "void P0(void) { int r0 = 0; if (likely(get() == 1) && !unlikely(0)) r0 = 1; }\n"
        "void P1(void) { put(1); }\n"
        "exists (0:r0=1)\n")
    res = smpcheck("check", path)
    assert res.code == 0 and "1 of 2 executions satisfy it" in res.out, res


def test_includes_are_ignored_and_defines_work(tmp_path: Path) -> None:
    path = tmp_path / "d.c"
    path.write_text(
        "#include <linux/compiler.h>\n#include \"mine.h\"\n"
        "#define STORE(v, n) WRITE_ONCE(v, n)\n"
        "#define LEVEL (VALUE * 2)\n"
        "int x;\n"
        "void P0(void)\n{\n"
        "#if LEVEL > 2 && defined(FAST)\n\tSTORE(x, 3);\n"
        "#elif LEVEL == 2\n\tSTORE(x,\n\t      2);\n"
        "#else\n\tSTORE(x, 1);\n#endif\n"
        "\tBUG_ON(READ_ONCE(x) == 0);\n}\n"
        "forall (x=EXPECTED)\n")
    text = path.read_text()
    for defines, expected in ((["-D", "VALUE=1"], 2), (["-D", "VALUE=5", "-D", "FAST"], 3),
                              (["-D", "VALUE=5"], 1)):
        path.write_text(text.replace("EXPECTED", str(expected)))
        res = smpcheck("check", path, *defines, "--json")
        assert res.code == 0, (defines, res)
        assert res.json()["violations"] == []
    path.write_text(text.replace("EXPECTED", "2"))
    res = smpcheck("check", path, "-D", "VALUE=5", "--json")
    assert res.code == 1  # x=1 there: forall fails


def test_errors_after_a_multiline_macro_call_keep_their_line(tmp_path: Path) -> None:
    path = tmp_path / "m.c"
    path.write_text("#define TWO(a, b) WRITE_ONCE(a, b)\nint x;\nvoid P0(void)\n{\n"
                    "\tTWO(x,\n\t    1);\n\tnosuch();\n}\n")
    res = smpcheck("check", path, "--json")
    assert res.code == 2 and res.json()["error"]["line"] == 7, res


@pytest.mark.parametrize(("text", "line", "says"), [
    ("void P0(void) { }\nvoid P2(void) { }\n", 2, "P1 is missing"),
    ("int x;\nvoid P0(int a) { }\n", 2, "no arguments"),
    ("int x;\n", 1, "no CPU function"),
    ("void P0(void) { }\n#if 1\nint y;\n", 2, "#if without #endif"),
    ("#error stop here\nvoid P0(void) { }\n", 1, "#error stop here"),
    ("#frob\nvoid P0(void) { }\n", 1, "#frob"),
    ("union u { int a; } v;\nvoid P0(void) { }\n", 1, "unions"),
    ("struct s { int a : 3; } v;\nvoid P0(void) { }\n", 1, "bit-fields"),
    ("struct s { int a;\n struct s in; } v;\nvoid P0(void) { }\n", 2, "contains itself"),
    ("int a[0];\nvoid P0(void) { }\n", 1, "array size 0"),
    ("int x;\nvoid P0(void) { }\nexists (0:r9=1 /\\\n", 4, "found end of file"),
    ("int x;\nvoid init(void) { BUG_ON(1); }\nvoid P0(void) { }\n", 2, "init()"),
    ("struct foo { int a; };\nvoid init(void)\n{\n\tstruct foo *p = kzalloc(sizeof(*p), 0);"
     "\n\tkfree(p);\n}\nvoid P0(void) { }\n", 5, "init() frees"),
])
def test_file_level_errors(tmp_path: Path, text: str, line: int, says: str) -> None:
    path = tmp_path / "f.c"
    path.write_text(text)
    res = smpcheck("check", path, "--json")
    assert res.code == 2, res
    err = res.json()["error"]
    assert err["file"] == str(path) and err["line"] == line and says in err["message"], err


def test_bad_define_and_define_on_python(tmp_path: Path) -> None:
    """-D is a C file's macro and a Python file's switch: a bad name is refused for
    both, and a Python model that reads no such switch says so (it would be ignored)."""
    path = tmp_path / "ok.c"
    path.write_text("void P0(void) { }\n")
    bad = smpcheck("check", path, "-D", "1BAD")
    assert bad.code == 2 and "-D takes NAME or NAME=VALUE, not '1BAD'" in bad.err
    py = tmp_path / "m.py"
    py.write_text("from smpcheck import Model\ndef P0():\n    pass\nMODEL = Model('m', [P0])\n")
    res = smpcheck("check", py, "-D", "X")
    assert res.code == 2 and "the model reads no switch 'X'" in res.err and str(py) in res.err


@pytest.mark.parametrize(("uses", "given", "refused"), [
    ("#ifndef NOLOCK\n#endif\n", "NOLOK", True), ("#ifndef NOLOCK\n#endif\n", "NOLOCK", False),
    ("#if defined(A) || B > 1\n#endif\n", "B=2", False),
    ("#define N M\nint x = N;\n", "M=3", False), ("#undef Q\n", "Q", False),
    ("#if 0\n#ifdef Z\n#endif\n#endif\n", "Z", True),
])
def test_unused_define_on_c_is_refused(tmp_path: Path, uses: str, given: str,
                                       refused: bool) -> None:
    """cc ignores a -D nothing uses; a misspelt switch would check the other design and
    could say "safe" about the one meant, so smpcheck refuses it (one skipped by an
    outer #if 0 too), naming the file."""
    path = tmp_path / "d.c"
    path.write_text(uses + "void P0(void) { }\n")
    res = smpcheck("check", path, "-D", given)
    name = given.partition("=")[0]
    assert (res.code == 2 and f"-D {name}: the C model never uses {name}" in res.err
            and str(path) in res.err) == refused, res
    assert res.code == (2 if refused else 0), res


def test_goto_out_and_goto_retry(tmp_path: Path) -> None:
    """The kernel's two goto idioms: an error path jumping ahead, a retry jumping back."""
    path = tmp_path / "g.c"
    path.write_text(
        "int x, y, tries;\nDEFINE_SPINLOCK(l);\n"
        "static int take(int v)\n{\n\tint ret = -1;\n\n\tspin_lock(&l);\n"
        "\tif (READ_ONCE(x) != v)\n\t\tgoto out;\n\tWRITE_ONCE(y, v);\n\tret = 0;\n"
        "out:\n\tspin_unlock(&l);\n\treturn ret;\n}\n"
        "void P0(void)\n{\n\tint r0;\n\n"
        "retry:\n\ttries = tries + 1;\n\tr0 = take(1);\n\tif (r0 && tries < 3)\n"
        "\t\tgoto retry;\n}\n"
        "void P1(void) { WRITE_ONCE(x, 1); }\n"
        "forall ((0:r0=0 /\\ y=1) \\/ (0:r0=-1 /\\ tries=3 /\\ y=0))\n")
    res = smpcheck("check", path, "--json")
    assert res.code == 0, res
    assert res.json()["executions"] >= 2


@pytest.mark.parametrize(("loop", "code"), [
    ("while (!READ_ONCE(x))\n\t\t;", 0),                       # only reads: a spin-wait
    ("do {\n\t\tr = READ_ONCE(x);\n\t} while (!r);", 0),        # a local set from memory
    ("retry:\n\tif (!READ_ONCE(x))\n\t\tgoto retry;", 0),       # the goto form
    ("do {\n\t\tr = r + READ_ONCE(x);\n\t} while (!r);", 3),    # carries r: bounded
    ("while (!READ_ONCE(x))\n\t\tn++;", 3),                    # counts: bounded
    ("while (!READ_ONCE(x))\n\t\ty = 1;", 3),                  # stores: bounded
])
def test_loops_that_only_read_are_spin_waits(tmp_path: Path, loop: str, code: int) -> None:
    """A loop whose iterations only read and carry nothing is an await (complete); one
    that stores or carries state is bounded by --loop-bound (incomplete here, as the
    waiter may read 0 past the bound)."""
    path = tmp_path / "spin.c"
    path.write_text(f"int x, y;\nvoid P0(void)\n{{\n\tint r = 0, n = 0;\n\n\t{loop}\n}}\n"
                    "void P1(void) { WRITE_ONCE(x, 1); }\n")
    res = smpcheck("check", path, "--loop-bound", "3")
    assert res.code == code, res
