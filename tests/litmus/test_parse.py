"""parse_litmus on every shared kernel and x86 test, and on inline texts for each form."""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from smpcheck.litmus import CTest, X86Test, parse_litmus, parse_litmus_file
from smpcheck.litmus.syntax import (
    AddrOf,
    Assign,
    Binary,
    Call,
    Cast,
    Condition,
    CThread,
    Decl,
    Deref,
    ExprStmt,
    If,
    Imm,
    InitEntry,
    Instr,
    LabelRef,
    LocRef,
    Mem,
    Name,
    Num,
    PAnd,
    Param,
    PEq,
    PFalse,
    PImplies,
    PNot,
    POr,
    PTrue,
    Reg,
    Return,
    Ternary,
    Unary,
    While,
)


def nodes(tree: object) -> Iterator[object]:
    """Every syntax node in ``tree`` (dataclasses with a ``line``), depth first."""
    if isinstance(tree, tuple):
        for item in tree:
            yield from nodes(item)
    elif dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        if hasattr(tree, "line"):
            yield tree
        for field in dataclasses.fields(tree):
            yield from nodes(getattr(tree, field.name))


def assert_lines_in_file(test: CTest | X86Test, text: str) -> None:
    last = text.count("\n") + 1
    bad = [node for node in nodes(test) if not 1 <= node.line <= last]  # type: ignore[attr-defined]
    assert not bad, f"nodes without a line in 1..{last}: {bad[:3]}"


def c_test(text: str) -> CTest:
    test = parse_litmus(text, "inline.litmus")
    assert isinstance(test, CTest)
    return test


def x86_test(text: str) -> X86Test:
    test = parse_litmus(text, "inline.litmus")
    assert isinstance(test, X86Test)
    return test


def one_thread(body: str, params: str = "int *x") -> CThread:
    """The single thread of a C test whose P0 has ``body``."""
    test = c_test(f"C t\n{{}}\nP0({params})\n{{\n{body}\n}}\nexists (x=1)\n")
    (thread,) = test.threads
    return thread


def condition(prop: str) -> Condition:
    return c_test(f"C t\n{{}}\nP0(int *x)\n{{\n}}\n{prop}\n").condition


# ------------------------------------------------------------------ shared data


def test_every_kernel_test_parses(kernel_litmus: Path) -> None:
    text = kernel_litmus.read_text()
    test = parse_litmus_file(kernel_litmus)
    assert isinstance(test, CTest)
    assert test.name == kernel_litmus.stem == text.split()[1]
    assert test.path == str(kernel_litmus)
    headers = re.findall(r"^P(\d+)\(", text, re.MULTILINE)
    assert [thread.index for thread in test.threads] == [int(n) for n in headers]
    stated = re.search(r"^ \* Result: (\w+)", text, re.MULTILINE)
    assert stated is not None and test.expected == stated.group(1)
    assert test.condition.quantifier == "exists"
    assert_lines_in_file(test, text)


def test_all_35_kernel_tests_are_there(lkmm: Path) -> None:
    assert len(list((lkmm / "litmus-tests").glob("*.litmus"))) == 35


def x86_columns(text: str) -> list[list[str]]:
    """The thread table split by hand: the non-empty cells of each column."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*P0\s*\|", line))
    header = lines[start].strip().rstrip(";").split("|")
    columns: list[list[str]] = [[] for _ in header]
    for line in lines[start + 1:]:
        if not line.strip().endswith(";"):
            break
        for column, cell in zip(columns, line.strip().rstrip(";").split("|"), strict=True):
            if cell.strip():
                column.append(cell.strip())
    return columns


def test_every_x86_test_parses(x86_litmus: Path) -> None:
    text = x86_litmus.read_text()
    test = parse_litmus_file(x86_litmus)
    assert isinstance(test, X86Test)
    assert test.arch == text.split()[0]
    assert test.syntax == ("att" if test.arch == "X86_64" else "intel")
    columns = x86_columns(text)
    assert [len(thread.instrs) for thread in test.threads] == [len(c) for c in columns]
    for thread, column in zip(test.threads, columns, strict=True):
        mnemonics = [cell.split()[0].upper().removesuffix("L") for cell in column]
        assert [instr.op for instr in thread.instrs] == mnemonics
    assert_lines_in_file(test, text)


def test_x86_csv_lists_76_tests_with_their_arch(lkmm: Path) -> None:
    with (lkmm / "x86" / "x86-results.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 76
    for row in rows:
        test = parse_litmus_file(lkmm / "x86" / row["file"])
        assert isinstance(test, X86Test) and test.arch == row["arch"], row["file"]


def test_dep_plain_if_reads_z2_through_a_pointer(lkmm: Path) -> None:
    test = parse_litmus_file(lkmm / "litmus-tests" / "dep+plain.litmus")
    assert isinstance(test, CTest)
    p0 = test.threads[0]
    assert [param.name for param in p0.params] == ["x", "y", "z1", "z2"]
    assert p0.body[0] == Decl("int", "a", Call("READ_ONCE", (Deref(Name("x")),)))
    assert p0.body[2] == Assign(Deref(Name("z2")), Deref(Name("z1")))
    (branch,) = [stmt for stmt in p0.body if isinstance(stmt, If)]
    assert branch.cond == Binary("==", Deref(Name("z2")), Num(1))
    assert branch.then == (ExprStmt(Call("WRITE_ONCE", (Deref(Name("y")), Num(1)))),)
    assert branch.orelse == ()
    assert branch.line == 21 and branch.then[0].line == 22


def test_mp_onceassign_init_points_p_at_y(lkmm: Path) -> None:
    test = parse_litmus_file(lkmm / "litmus-tests" / "MP+onceassign+derefonce.litmus")
    assert isinstance(test, CTest)
    assert test.init == (InitEntry(None, "p", None, Name("y")),)
    assert test.init[0].line == 13
    assert test.threads[0].params == (Param("int *", "x"), Param("int **", "p"))
    assert test.threads[1].body[0] == Decl("int *", "r0", None)
    assert test.condition.prop == PAnd((PEq(LocRef(1, "r0"), Name("x")),
                                        PEq(LocRef(1, "r1"), Num(0))))
    assert test.doc.startswith(" * Result: Never\n")


def test_locations_and_trailing_comments(lkmm: Path) -> None:
    test = parse_litmus_file(lkmm / "litmus-tests" / "SB+rfionceonce-poonceonces.litmus")
    assert test.locations == (LocRef(0, "r1"), LocRef(1, "r3"), LocRef(None, "x"),
                              LocRef(None, "y"))
    test = parse_litmus_file(lkmm / "litmus-tests" / "ISA2+pooncelock+pooncelock+pombonce.litmus")
    assert isinstance(test, CTest)
    assert test.threads[0].params[2] == Param("spinlock_t *", "mylock")
    assert test.threads[0].body[0] == ExprStmt(Call("spin_lock", (Name("mylock"),)))


def test_x86_2_2w_mfence_po(lkmm: Path) -> None:
    test = parse_litmus_file(lkmm / "x86/herdtools7/catalogue/x86/tests/2+2W+mfence+po.litmus")
    assert isinstance(test, X86Test)
    assert [len(thread.instrs) for thread in test.threads] == [3, 2]
    assert test.threads[0].instrs == (
        Instr("MOV", (Mem("x", None), Imm(2))),
        Instr("MFENCE", ()),
        Instr("MOV", (Mem("y", None), Imm(1))),
    )
    assert test.threads[1].instrs[0].line == 11
    assert test.description == "MFencedWW Wse PodWW Wse"
    assert ("Com", "Ws Ws") in test.info
    assert test.condition == Condition("exists", PAnd((PEq(LocRef(None, "x"), Num(2)),
                                                       PEq(LocRef(None, "y"), Num(2)))))


def test_x86_64_att_syntax(lkmm: Path) -> None:
    test = parse_litmus_file(lkmm / "x86/herdtools7/catalogue/x86_64/tests/R+po+mfence.litmus")
    assert isinstance(test, X86Test) and test.arch == "X86_64"
    load = test.threads[1].instrs[2]
    assert load == Instr("MOV", (Mem("x", None), Reg("eax")), size=32, syntax="att")
    assert load.intel_operands == (Reg("eax"), Mem("x", None))
    assert test.threads[1].instrs[1].op == "MFENCE"
    assert test.condition.prop == PAnd((PEq(LocRef(None, "y"), Num(2)),
                                        PEq(LocRef(1, "rax"), Num(0))))


def test_x86_moukos_forms(lkmm: Path) -> None:
    suite = lkmm / "x86/moukos-perpetual/LitmusTestSuites/x86tso"
    xchg = parse_litmus_file(suite / "excluded/iwp27.litmus")
    assert xchg.name == "iwp2.7-amd7"
    assert isinstance(xchg, X86Test)
    assert xchg.threads[0].instrs == (Instr("MOV", (Reg("EAX"), Imm(1))),
                                      Instr("XCHG", (Mem("x", None), Reg("EAX"))))
    n6 = parse_litmus_file(suite / "excluded/n6.litmus")
    assert isinstance(n6.condition.prop, PAnd)
    assert n6.condition.prop.items[2] == PEq(LocRef(None, "x"), Num(1))
    iwp23b = parse_litmus_file(suite / "iwp23b.litmus")
    assert iwp23b.condition.prop == POr((PEq(LocRef(0, "EAX"), Num(1)),
                                         PEq(LocRef(1, "EAX"), Num(1))))
    assert parse_litmus_file(suite / "iwp24.litmus").name == "iwp2.4/amd9"


# --------------------------------------------------------------- inline: header

RICH = r"""C rich+features
"A quoted description"
Generator=by hand
(*
 * Result: Sometimes
 *)
{
  int x = 1; y=-2; int *p = &x; 0:r1 = x; atomic_t v = ATOMIC_INIT(1);
  spinlock_t l; [z]=3; unsigned long w = 0x10; int *q=y
}

P0(int *x, int **p, spinlock_t *l) // comment
{
	int r0, *r2 = &x;
}

P1(void)
{
}

locations [x; 0:r0; [y];]
filter 0:r0=1
forall (x=1) ; (* trailing *)
"""


def test_header_fields() -> None:
    test = c_test(RICH)
    assert test.name == "rich+features"
    assert test.description == "A quoted description"
    assert test.info == (("Generator", "by hand"),)
    assert test.doc == " * Result: Sometimes"
    assert test.expected == "Sometimes"
    assert test.path == "inline.litmus"
    assert test.locations == (LocRef(None, "x"), LocRef(0, "r0"), LocRef(None, "y"))
    assert test.filter == PEq(LocRef(0, "r0"), Num(1))
    assert test.condition == Condition("forall", PEq(LocRef(None, "x"), Num(1)))
    assert test.condition.line == 23
    assert_lines_in_file(test, RICH)


def test_init_forms() -> None:
    assert c_test(RICH).init == (
        InitEntry(None, "x", "int", Num(1)),
        InitEntry(None, "y", None, Num(-2)),
        InitEntry(None, "p", "int *", Name("x")),
        InitEntry(0, "r1", None, Name("x")),
        InitEntry(None, "v", "atomic_t", Call("ATOMIC_INIT", (Num(1),))),
        InitEntry(None, "l", "spinlock_t", None),
        InitEntry(None, "z", None, Num(3)),
        InitEntry(None, "w", "unsigned long", Num(16)),
        InitEntry(None, "q", "int *", Name("y")),
    )


def test_threads_params_and_void() -> None:
    p0, p1 = c_test(RICH).threads
    assert p0.params == (Param("int *", "x"), Param("int **", "p"), Param("spinlock_t *", "l"))
    assert p0.body == (Decl("int", "r0", None), Decl("int *", "r2", AddrOf(Name("x"))))
    assert (p1.index, p1.params, p1.body, p1.line) == (1, (), (), 17)


def test_no_result_line_means_no_expectation() -> None:
    test = c_test("C t\n(* just words *)\n{}\nP0(int *x)\n{\n}\nexists (x=1)\n")
    assert test.expected is None and test.doc == " just words"


# ---------------------------------------------------------- inline: statements


def test_statements() -> None:
    thread = one_thread("""
	int r0;
	/* comment */ r0 = READ_ONCE(*x); // comment
	{
		r0 += 2;
	}
	if (r0) {
		r0++;
	} else if (!r0)
		--r0;
	else
		;
	while (READ_ONCE(*x) != 0)
		cpu_relax();
	*x = r0;
	return r0;""")
    r0 = Name("r0")
    assert thread.body == (
        Decl("int", "r0", None),
        Assign(r0, Call("READ_ONCE", (Deref(Name("x")),))),
        Assign(r0, Binary("+", r0, Num(2))),
        If(r0, (Assign(r0, Binary("+", r0, Num(1))),),
           (If(Unary("!", r0), (Assign(r0, Binary("-", r0, Num(1))),), ()),)),
        While(Binary("!=", Call("READ_ONCE", (Deref(Name("x")),)), Num(0)),
              (ExprStmt(Call("cpu_relax", ())),)),
        Assign(Deref(Name("x")), r0),
        Return(r0),
    )
    assert [stmt.line for stmt in thread.body] == [6, 7, 9, 11, 17, 19, 20]


def test_expression_precedence() -> None:
    (stmt,) = one_thread("r = a || b && c | d ^ e & f == g < h << i + j * -k;").body
    a, b, c, d, e, f, g, h, i, j, k = (Name(n) for n in "abcdefghijk")
    product = Binary("*", j, Unary("-", k))
    expected = Binary("||", a, Binary("&&", b, Binary("|", c, Binary("^", d, Binary(
        "&", e, Binary("==", f, Binary("<", g, Binary("<<", h, Binary("+", i, product)))))))))
    assert stmt == Assign(Name("r"), expected)


def test_expression_forms() -> None:
    (stmt,) = one_thread("r = (a - b - 1) ? (int *)&x : ~*y % -2;").body
    assert stmt == Assign(Name("r"), Ternary(
        Binary("-", Binary("-", Name("a"), Name("b")), Num(1)),
        Cast("int *", AddrOf(Name("x"))),
        Binary("%", Unary("~", Deref(Name("y"))), Num(-2))))
    (stmt,) = one_thread("int r = f(g(1), 0x1fUL, (2));").body
    assert stmt == Decl("int", "r", Call("f", (Call("g", (Num(1),)), Num(31), Num(2))))


# -------------------------------------------------------------- inline: props


def test_proposition_precedence_follows_herd() -> None:
    a, b, c = (PEq(LocRef(None, n), Num(1)) for n in "abc")
    assert condition(r"exists a=1 \/ b=1 /\ c=1").prop == POr((a, PAnd((b, c))))
    assert condition(r"exists (a=1 \/ b=1) /\ c=1").prop == PAnd((POr((a, b)), c))
    assert condition(r"exists a=1 /\ b=1 => c=1").prop == PAnd((a, PImplies(b, c)))
    assert condition(r"exists a=1 => b=1 => c=1").prop == PImplies(a, PImplies(b, c))
    assert condition(r"exists ~a=1 /\ not b=1").prop == PAnd((PNot(a), PNot(b)))


def test_proposition_atoms() -> None:
    prop = condition("exists (0:r0=x /\\ [x]=[y] /\\ *x==-1 /\\ 1:r1 != 2:r2 /\\ true "
                     "\\/ false)").prop
    assert prop == POr((PAnd((
        PEq(LocRef(0, "r0"), Name("x")),
        PEq(LocRef(None, "x"), LocRef(None, "y")),
        PEq(LocRef(None, "x"), Num(-1)),
        PNot(PEq(LocRef(1, "r1"), LocRef(2, "r2"))),
        PTrue())), PFalse()))


@pytest.mark.parametrize(("text", "quantifier"), [
    ("exists x=1", "exists"), ("~exists x=1", "~exists"), ("~ exists (x=1)", "~exists"),
    ("not exists x=1", "~exists"), ("forall x=1", "forall"),
])
def test_quantifiers(text: str, quantifier: str) -> None:
    assert condition(text).quantifier == quantifier


# -------------------------------------------------------------- inline: x86

X86 = """X86 features
{ x=0; 0:EAX=1; 1:EBX=x; }
 P0                  | P1            ;
 LOCK XADD [x],EAX   | L0:           ;
 LOCK CMPXCHG [x],EBX| MOV EAX,[EBX+4] ;
 lock inc [x]        | CMP EAX,$-1   ;
 MOVL [y],2          | JNE L0        ;
 SFENCE              | L1: LFENCE    ;
exists (0:EAX=0 /\\ 1:EAX=0)
"""


def test_x86_instructions() -> None:
    p0, p1 = x86_test(X86).threads
    assert p0.instrs == (
        Instr("XADD", (Mem("x", None), Reg("EAX")), lock=True),
        Instr("CMPXCHG", (Mem("x", None), Reg("EBX")), lock=True),
        Instr("INC", (Mem("x", None),), lock=True),
        Instr("MOV", (Mem("y", None), Imm(2)), size=32),
        Instr("SFENCE", ()),
    )
    assert p1.instrs == (
        Instr("NOP", (), label="L0"),
        Instr("MOV", (Reg("EAX"), Mem(None, "EBX", 4))),
        Instr("CMP", (Reg("EAX"), Imm(-1))),
        Instr("JNE", (LabelRef("L0"),)),
        Instr("LFENCE", (), label="L1"),
    )
    assert [instr.line for instr in p1.instrs] == [4, 5, 6, 7, 8]
    assert x86_test(X86).init == (InitEntry(None, "x", None, Num(0)),
                                  InitEntry(0, "EAX", None, Num(1)),
                                  InitEntry(1, "EBX", None, Name("x")))


def test_x86_64_memory_operands() -> None:
    test = x86_test("X86_64 t\n{}\n P0 ;\n movq $1,8(%rax) ;\n xchgl (x),%ebx ;\n"
                    " movb %al,-2(y) ;\n mfence ;\nexists ([x]=1)\n")
    assert test.threads[0].instrs == (
        Instr("MOV", (Imm(1), Mem(None, "rax", 8)), size=64, syntax="att"),
        Instr("XCHG", (Mem("x", None), Reg("ebx")), size=32, syntax="att"),
        Instr("MOV", (Reg("al"), Mem("y", None, -2)), size=8, syntax="att"),
        Instr("MFENCE", (), syntax="att"),
    )
