"""Malformed litmus texts: each error names the exact line and column and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck.errors import EXIT_USAGE, UsageError
from smpcheck.litmus import LitmusError, parse_litmus, parse_litmus_file


def c_text(body: str = "\tWRITE_ONCE(*x, 1);", tail: str = "exists (x=1)",
           init: str = "{}", header: str = "P0(int *x)") -> str:
    """A C test whose line 4 is the thread header and line 6 the first body line."""
    return f"C t\n\n{init}\n{header}\n{{\n{body}\n}}\n{tail}\n"


def x86_text(rows: str, tail: str = "exists (1:EAX=0)", header: str = " P0 | P1 ;") -> str:
    """An X86 test whose line 3 is the table header and line 4 the first row."""
    return f"X86 t\n{{}}\n{header}\n{rows}\n{tail}\n"


CASES = [
    # --- first line and lexing
    ("empty file", "  \n\n", 1, 1, "empty file: expected a first line such as 'C NAME'"),
    ("unknown arch", "FOO t\n{}\n", 1, 1, "unknown architecture 'FOO'"),
    ("herd arch", "AArch64 t\n{}\n", 1, 1, "AArch64 litmus tests are not supported"),
    ("bad name", "C \xe9t\n{}\n", 1, 3, "bad test name '\xe9t': a name is made of letters"),
    ("no name", "C\n{}\n", 1, 2, "missing test name after 'C'"),
    ("unterminated (* comment", "C t\n(*\ndoc\n{}\n", 2, 1, "'(*' is never closed"),
    ("unterminated /* comment", c_text("\t/* oops"), 6, 2, "'/*' is never closed"),
    ("unterminated string", c_text(tail='exists (x=1) "doc'), 8, 14, "unterminated string"),
    ("bad character", c_text("\tr0 = 1 @ 2;"), 6, 9, "unexpected character '@'"),
    ("malformed number", c_text("\tr0 = 12ab;"), 6, 7, "malformed number '12ab'"),
    ("huge number", c_text("\tr0 = " + "9" * 100 + ";"), 6, 7, "number too long"),
    # --- unbalanced braces and parentheses
    ("missing } before the condition", c_text().replace("\n}\n", "\n\n"), 8, 1,
     "missing '}' to close the body of P0 opened at line 5, before 'exists'"),
    ("missing } before the next thread",
     c_text(tail="P1(int *x)\n{\n}\nexists (x=1)").replace(";\n}\n", ";\n\n"), 8, 1,
     "missing '}' to close the body of P0 opened at line 5, before 'P1'"),
    ("missing } at end of file", "C t\n{}\nP0(int *x)\n{\n\tif (x) {\n\t\tr0 = 1;\n", 7, 1,
     "missing '}' to close the block opened at line 5: reached end of file"),
    ("extra }", c_text().replace("\n}\n", "\n}\n}\n"), 8, 1, "unmatched '}'"),
    ("missing } in init", c_text(init="{\nx=1;\n"), 6, 1,
     "missing '}' to close the init block opened at line 3, before the thread P0"),
    ("unclosed if condition", c_text("\tif (READ_ONCE(*x) == 1\n\t\tWRITE_ONCE(*x, 2);"), 7, 3,
     "expected ')' to close the '(' of the 'if' condition at line 6 column 5, "
     "found 'WRITE_ONCE'"),
    ("unclosed call", c_text("\tWRITE_ONCE(*x, 1;"), 6, 18,
     "expected ',' or ')' to close the call to WRITE_ONCE opened at line 6 column 12, "
     "found ';'"),
    ("unclosed parenthesis", c_text("\tr0 = (1 + 2;"), 6, 13,
     "expected ')' to close the '(' at line 6 column 7, found ';'"),
    ("unclosed proposition", c_text(tail="exists (x=1 /\\ y=2"), 9, 1,
     "expected ')' to close the '(' of the proposition at line 8 column 8, found end of file"),
    # --- the final condition
    ("misspelt quantifier", c_text(tail="exist (x=1)"), 8, 1,
     "expected another thread 'P1(...)' or the final condition ('exists', '~exists' or "
     "'forall'), found 'exist'"),
    ("unclosed locations", c_text(tail="locations [x; y\nexists (x=1)"), 9, 1,
     "expected ';' or ']' in the locations list, found 'exists'"),
    ("trailing junk", c_text(tail="exists (x=1) junk"), 8, 14,
     "expected end of file after the final condition, found 'junk'"),
    ("with clause", c_text(tail="exists (x=1) with tso: exists"), 8, 14,
     "'with' clauses are not supported"),
    # --- bad thread headers
    ("no thread", "C t\n{}\nexists (x=1)\n", 3, 1,
     "expected a thread such as 'P0(int *x) { ... }', found 'exists'"),
    ("letter O for zero", c_text(header="PO(int *x)"), 4, 1,
     "expected a thread such as 'P0(int *x) { ... }', found 'PO'"),
    ("threads out of order", c_text(header="P1(int *x)"), 4, 1,
     "expected thread P0 here (threads are numbered P0, P1, ... in order), found P1"),
    ("header without (", c_text(header="P0 int *x)"), 4, 4, "expected '(' after 'P0'"),
    ("header without )", c_text(header="P0(int *x"), 5, 1,
     "expected ',' or ')' in the parameter list of P0, found '{'"),
    ("untyped parameter", c_text(header="P0(x)"), 4, 4,
     "expected a parameter such as 'int *x', found 'x'"),
    ("header without body", "C t\n{}\nP0(int *x)\nexists (x=1)\n", 4, 1,
     "expected '{' to start the body of P0, found 'exists'"),
    ("x86 table header out of order", x86_text(" MOV [x],$1 | MOV EAX,[x] ;",
                                               header=" P0 | P2 ;"), 3, 7,
     "bad thread table header: expected 'P1', found 'P2'"),
    ("x86 table header missing", "X86 t\n{}\n MOV [x],$1 ;\nexists (x=1)\n", 3, 2,
     "bad thread table header: expected 'P0', found 'MOV'"),
    # --- statements
    ("missing ; after a statement", c_text("\tint r0\n\tr0 = 1;"), 6, 8,
     "expected ';' after the statement, found 'r0' on line 7"),
    ("missing ; in init", c_text(init="{\nx=1\ny=2;\n}"), 4, 4,
     "expected ';' or '}' after the init entry, found 'y' on line 5"),
    ("bad init value", c_text(init="{ x=; }"), 3, 5, "expected an initial value"),
    ("array in init", c_text(init="{ int a[2]; }"), 3, 8, "arrays are not supported"),
    ("assign to a call", c_text("\tREAD_ONCE(*x) = 2;"), 6, 16,
     "cannot assign with '=': the target must be a variable or '*pointer'"),
    ("else without if", c_text("\telse r0 = 2;"), 6, 2, "'else' without a matching 'if'"),
    ("for loop", c_text("\tfor (;;) r0 = 2;"), 6, 2, "'for' is not supported"),
    ("array in body", c_text("\tint a[2];"), 6, 7, "arrays are not supported"),
    ("missing expression", c_text("\tr0 = ;"), 6, 7, "expected an expression, found ';'"),
    ("keyword as expression", c_text("\tr0 = while;"), 6, 7,
     "expected an expression, found keyword 'while'"),
    ("deep nesting", c_text("\tr0 = " + "(" * 100 + "1" + ")" * 100 + ";"), 6, 70,
     "nesting deeper than 64 levels"),
    # --- propositions
    ("dangling /\\", c_text(tail="exists (0:r0=1 /\\ )"), 8, 19,
     "expected a location such as 'x', '[x]' or '0:r0' in the proposition, found ')'"),
    ("missing /\\", c_text(tail="exists (0:r0=1 1:r0=1)"), 8, 16,
     "expected ')' to close the '(' of the proposition at line 8 column 8, found '1'"),
    ("atom without value", c_text(tail="exists (0:r0=1 /\\ 1:r0)"), 8, 23,
     "expected '=' or '!=' after the location 1:r0, found ')'"),
    ("bad value", c_text(tail="exists (0:r0=)"), 8, 14, "expected a value after '='"),
    ("bad register", c_text(tail="exists (0:1=1)"), 8, 11,
     "expected a register name after '0:', found '1'"),
    ("empty proposition", c_text(tail="exists ()"), 8, 9, "expected a location"),
    ("deep negation", c_text(tail="exists " + "~" * 100 + "x=1"), 8, 72,
     "nesting deeper than 64 levels"),
    # --- x86 instructions and operands
    ("unknown instruction", x86_text(" MOVE [x],$1 | MOV EAX,[x] ;"), 4, 2,
     "unknown X86 instruction 'MOVE'; did you mean 'MOV'?"),
    ("bare symbol operand", x86_text(" MOV x,$1 | MOV EAX,[x] ;"), 4, 6,
     "malformed operand 'x': not a register; write [x] for the memory location x"),
    ("unclosed memory operand", x86_text(" MOV [x,$1 | MOV EAX,[x] ;"), 4, 8,
     "expected ']' to close the '[' of the memory operand at line 4 column 6, found ','"),
    ("$ without number", x86_text(" MOV [x],$ | MOV EAX,[x] ;"), 4, 12,
     "malformed operand: expected a number after '$', found '|'"),
    ("unknown register", x86_text(" MOV [x],%foo | MOV EAX,[x] ;"), 4, 11,
     "unknown register %foo"),
    ("empty memory operand", x86_text(" MOV [],$1 | MOV EAX,[x] ;"), 4, 7,
     "malformed memory operand: expected a location or a register after '['"),
    ("missing operand", x86_text(" MOV [x] | MOV EAX,[x] ;"), 4, 2,
     "MOV takes 2 operands, found 1"),
    ("operand after fence", x86_text(" MFENCE [x] | MOV EAX,[x] ;"), 4, 2,
     "MFENCE takes 0 operands, found 1"),
    ("too many cells", x86_text(" MOV [x],$1 | MOV EAX,[x] | MFENCE ;"), 4, 2,
     "this row has 3 cells but the table header declares 2 threads (P0 | P1)"),
    ("row without ;", x86_text(" MOV [x],$1 | MOV EAX,[x]\n MFENCE | MFENCE ;"), 5, 2,
     "expected '|' or ';' after the instruction, found 'MFENCE'"),
    ("not an instruction", x86_text(" [x] | MOV EAX,[x] ;"), 4, 2,
     "expected an X86 instruction, found '['"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_error_position_and_message(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(LitmusError) as info:
        parse_litmus(text, "bad.litmus")
    error = info.value
    assert message in error.message
    assert (error.path, error.line, error.column) == ("bad.litmus", line, column)
    assert str(error) == f"bad.litmus:{line}:{column}: {error.message}"


def test_litmus_error_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        parse_litmus("ARM t\n")
    assert info.value.path == "<string>"
    assert issubclass(LitmusError, UsageError) and EXIT_USAGE == 2


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(LitmusError, match="cannot read litmus file"):
        parse_litmus_file(tmp_path / "absent.litmus")
    binary = tmp_path / "binary.litmus"
    binary.write_bytes(b"C t\n\xff\xfe{}\n")
    with pytest.raises(LitmusError, match="not a UTF-8 text file") as info:
        parse_litmus_file(binary)
    assert info.value.path == str(binary)
