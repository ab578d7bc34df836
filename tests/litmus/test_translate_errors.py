"""Semantic errors in litmus tests: a clear message at file:line[:column], exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck.cli.main import main

C_HEAD = "C bad\n{}\n"
SB_TAIL = "exists (0:r0=0)\n"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
           where: str, *words: str) -> None:
    path = tmp_path / "bad.litmus"
    path.write_text(text)
    assert main(["litmus", str(path), "--mm", "sc"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{where}" in err, err
    for word in words:
        assert word in err, err


C_CASES = {
    "unknown macro": ("P0(int *x) { int r0; r0 = READ_TWICE(*x); }\n" + SB_TAIL, "3:27:",
                      ("unknown function or macro 'READ_TWICE' (not in smpcheck's kernel API",
                       "did you mean READ_ONCE")),
    "undeclared variable": ("P0(int *x) { int r0; WRITE_ONCE(*z, 1); }\n" + SB_TAIL, "3:",
                            ("undeclared variable or register 'z'",)),
    "undeclared register": ("P0(int *x) { int r0; WRITE_ONCE(*x, r5); }\n" + SB_TAIL, "3:",
                            ("'r5'",)),
    "variable of another thread": (
        "P0(int *x) { int r0; r0 = 1; }\nP1(int *y) { WRITE_ONCE(*x, 1); }\n" + SB_TAIL,
        "4:", ("x is not a parameter of P1",)),
    "wrong arity": ("P0(int *x) { int r0; r0 = READ_ONCE(*x, 1); }\n" + SB_TAIL, "3:",
                    ("READ_ONCE takes 1 argument (READ_ONCE(*x)), found 2",)),
    "not an lvalue": ("P0(int *x) { int r0; r0 = READ_ONCE(x); }\n" + SB_TAIL, "3:",
                      ("write READ_ONCE(*x)",)),
    "no value": ("P0(int *x) { int r0; r0 = smp_mb(); }\n" + SB_TAIL, "3:",
                 ("smp_mb() gives no value",)),
    "number as pointer": ("P0(int *x) { int r0; r0 = smp_load_acquire(1); }\n" + SB_TAIL,
                          "3:", ("takes a pointer",)),
    "parameter not a pointer": ("P0(int x) { int r0; r0 = 1; }\n" + SB_TAIL, "3:",
                                ("must be a pointer",)),
    "condition thread": ("P0(int *x) { int r0; r0 = 1; }\nexists (3:r0=1)\n", "4:",
                         ("no thread P3",)),
    "int dereferenced": ("P0(int *x) { int r0; int r1; r0 = 5; r1 = *r0; }\n" + SB_TAIL,
                         "3", ("the value 5 is not a pointer",)),
    "division by zero": ("P0(int *x) { int r0; r0 = READ_ONCE(*x) / 0; }\n" + SB_TAIL, "3",
                         ("division by zero",)),
}


@pytest.mark.parametrize("case", list(C_CASES))
def test_c_semantic_errors(case: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    body, where, words = C_CASES[case]
    _check(tmp_path, capsys, C_HEAD + body, where, *words)


def test_init_register_of_missing_thread(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _check(tmp_path, capsys, "C bad\n{ 3:r0=1; }\nP0(int *x) { int r0; r0 = 1; }\n"
           + SB_TAIL, "2:", "no thread P3")


X86_HEAD = "X86 bad\n{ x=0; }\n P0 | P1 ;\n"
X86_CASES = {
    "memory to memory": (" MOV [x],[y] | MOV EAX,$1 ;\n", "4:", "cannot move memory to memory"),
    "immediate destination": (" MOV $1,EAX | MOV EAX,$1 ;\n", "4:", "cannot be an immediate"),
    "lock on mov": (" LOCK MOV [x],$1 | MOV EAX,$1 ;\n", "4:", "LOCK prefix is not allowed"),
    "unsupported": (" MOVNTI [x],EAX | MOV EAX,$1 ;\n", "4:", "MOVNTI is not supported"),
    "unknown label": (" JNE L9 | MOV EAX,$1 ;\n", "4:", "unknown label L9"),
    "offset": (" MOV [x+4],$1 | MOV EAX,$1 ;\n", "4:", "byte offsets"),
    "xchg immediate": (" XCHG [x],$1 | MOV EAX,$1 ;\n", "4:", "needs a register source"),
}


@pytest.mark.parametrize("case", list(X86_CASES))
def test_x86_semantic_errors(case: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    row, where, word = X86_CASES[case]
    _check(tmp_path, capsys, X86_HEAD + row + "exists (1:EAX=1)\n", where, word)


def test_x86_condition_not_a_register(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _check(tmp_path, capsys, X86_HEAD + " MOV [x],$1 | MOV EAX,[x] ;\nexists (1:r0=1)\n",
           "5:", "not an X86 register")
