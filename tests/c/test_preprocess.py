"""The C preprocessor: what cc -E gives for these (ignoring whitespace), with every
line kept where it was."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpcheck.c.preprocess import Preprocessor
from smpcheck.errors import UsageError
from smpcheck.model.switches import define_item as parse_define


def run(src: str, **defines: str) -> list[str]:
    out = Preprocessor(defines).run(src, "t.c")
    assert out.count("\n") == src.count("\n")  # every line where it was
    return [" ".join(line.split()) for line in out.split("\n")]


def test_macros() -> None:
    src = ("#define S(x) #x\n#define CAT(a, b) a##b\n#define V(f, ...) g(f, __VA_ARGS__)\n"
           "#define W(f, ...) h(f)\n#define SELF SELF + 1\n"
           "S(a \"q\" b) CAT(r, N) V(1, 2, 3) W(1) SELF N\n")
    assert run(src, N="3")[5] == '"a \\"q\\" b" rN g(1, 2,3) h(1) SELF + 1 3'


def test_conditionals_and_defined() -> None:
    src = ("#if defined(A) && B > 2\nab\n#elif defined B\nb\n#else\nnone\n#endif\n"
           "#ifndef A\n#ifdef B\nnested\n#endif\n#endif\n")
    assert [x for x in run(src, A="1", B="3") if x] == ["ab"]
    assert [x for x in run(src, B="1") if x] == ["b", "nested"]
    assert [x for x in run(src) if x] == ["none"]


def test_a_call_over_lines_keeps_the_lines_after_it() -> None:
    out = run("#define F(a, b) a + b\nx = F(1,\n      2);\ny;\n")
    assert out[1] == "x = 1 + 2;" and out[2] == "" and out[3] == "y;"


def test_comments_and_continuations() -> None:
    out = run("a /* one\ntwo */ b // c\n#define L 1 + \\\n  2\nL\n")
    assert out[0] == "a" and out[1] == "b" and out[4] == "1 + 2"


@pytest.mark.parametrize(("src", "line"), [
    ("#if 1 +\n#endif\n", 1), ("\n#endif\n", 2), ("#if 1\n", 1), ("#foo\n", 1),
    ("#define F(a) a\nF(1, 2)\n", 2), ("#define F(a) a\nF(1\n", 2), ("#error no\n", 1),
])
def test_errors_name_their_line(src: str, line: int) -> None:
    with pytest.raises(UsageError) as info:
        Preprocessor().run(src, "t.c")
    assert info.value.path == "t.c" and info.value.line == line


@given(st.integers(-2**31, 2**31), st.integers(1, 100))
def test_if_arithmetic_is_cs(a: int, b: int) -> None:
    q = abs(a) // b * (1 if a >= 0 else -1)
    src = f"#if ({a}) / {b} == {q} && ({a}) % {b} == {a - b * q}\nyes\n#endif\n"
    assert run(src)[1] == "yes"


def test_define_option() -> None:
    assert parse_define("X") == ("X", "1") and parse_define("X=a=b") == ("X", "a=b")
    with pytest.raises(UsageError):
        parse_define("1X")


@pytest.mark.parametrize(("cond", "value"), [
    ("!0 == 1", 1), ("!1 + 1", 1), ("+2 - +1", 1), ("~0 == -1", 1), ("!(2 > 1) || 3 < 2", 0),
    ("1 ? 0 : 1", None), ("defined(X) + !defined(Y)", 2),
])
def test_if_precedence(cond: str, value: int | None) -> None:
    src = f"#define X\n#if {cond}\nyes\n#endif\n"
    if value is None:  # (?: is not supported: an error, not a guess)
        with pytest.raises(UsageError):
            Preprocessor().run(src, "t.c")
        return
    assert (run(src)[2] == "yes") == bool(value)
