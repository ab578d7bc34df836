"""The thread table of herd's X86 (Intel syntax) and X86_64 (AT&T syntax) formats.

The table is a header ``P0 | P1 ;`` and rows of cells separated by ``|`` and
ended by ``;``; a cell is empty, an instruction, or ``LABEL:`` optionally
followed by an instruction.  An instruction is an optional ``LOCK`` prefix,
a mnemonic (with a size suffix ``B W L Q`` where herd allows one: ``movl``)
and comma-separated operands:

* registers ``EAX`` / ``%eax``;
* immediates ``$1`` (or a bare ``1`` in Intel syntax);
* memory ``[x]``, ``(x)``, ``[EAX]``, ``(%rax)``, ``8(%rax)``, ``[EAX+8]``;
* labels, as the operand of a jump.

Operands are kept in source order; :attr:`Instr.intel_operands` reorders AT&T.
"""

from __future__ import annotations

from smpcheck.litmus.lexer import EOF, IDENT, NUM, Token, TokenStream, number_value
from smpcheck.litmus.parse_c import CONDITION_WORDS, is_thread_name
from smpcheck.litmus.syntax import Imm, Instr, LabelRef, Mem, Operand, Reg, Syntax, X86Thread

_REGISTERS = frozenset(
    [f"{p}{r}X" for p in ("", "E", "R") for r in "ABCD"]
    + [f"{r}{h}" for r in "ABCD" for h in "LH"]
    + [f"{p}{r}" for p in ("", "E", "R") for r in ("SI", "DI", "SP", "BP")]
    + ["SIL", "DIL", "SPL", "BPL", "RIP"]
    + [f"R{n}{s}" for n in range(8, 16) for s in ("", "D", "W", "B")]
)
_JUMPS = frozenset({"JMP", "JE", "JNE", "JZ", "JNZ", "JL", "JLT", "JLE", "JG", "JGT", "JGE",
                    "JS", "JNS"})
_FIXED_ARITY = {"MFENCE": 0, "LFENCE": 0, "SFENCE": 0, "NOP": 0, "SETNB": 1} | {
    jump: 1 for jump in _JUMPS}
_SIZED_ARITY = {
    "MOV": 2, "ADD": 2, "SUB": 2, "XOR": 2, "OR": 2, "AND": 2, "CMP": 2, "XCHG": 2,
    "UXCH": 2, "XADD": 2, "CMPXCHG": 2, "CMOVC": 2, "MOVNTI": 2,
    "INC": 1, "DEC": 1, "NEG": 1, "NOT": 1,
}
_SUFFIX_BITS = {"B": 8, "W": 16, "L": 32, "Q": 64}


def is_register(name: str) -> bool:
    """Whether ``name`` is an x86 register name (any case)."""
    return name.upper() in _REGISTERS


def split_mnemonic(text: str) -> tuple[str, int | None] | None:
    """``movl`` -> ("MOV", 32), ``MFENCE`` -> ("MFENCE", None); None if unknown."""
    word = text.upper()
    if word in _FIXED_ARITY or word in _SIZED_ARITY:
        return word, None
    if word[-1:] in _SUFFIX_BITS and word[:-1] in _SIZED_ARITY:
        return word[:-1], _SUFFIX_BITS[word[-1]]
    return None


def _arity(op: str) -> int:
    return _FIXED_ARITY[op] if op in _FIXED_ARITY else _SIZED_ARITY[op]


class X86Parser:
    """Parses the thread table of an X86 / X86_64 test from a :class:`TokenStream`."""

    def __init__(self, ts: TokenStream, syntax: Syntax) -> None:
        self.ts = ts
        self.syntax: Syntax = syntax

    def threads(self) -> tuple[X86Thread, ...]:
        """The header and every row up to the final condition, as columns."""
        heads = self._header()
        columns: list[list[Instr]] = [[] for _ in heads]
        while not self._at_end():
            first = self.ts.peek()
            cells = self._row()
            if len(cells) != len(heads):
                names = " | ".join(head.text for head in heads)
                self.ts.error(first, f"this row has {len(cells)} cells but the table header "
                                     f"declares {len(heads)} threads ({names})")
            for column, instr in zip(columns, cells, strict=True):
                if instr is not None:
                    column.append(instr)
        return tuple(X86Thread(i, tuple(column), head.line)
                     for i, (head, column) in enumerate(zip(heads, columns, strict=True)))

    def _at_end(self) -> bool:
        tok = self.ts.peek()
        return (tok.kind == EOF or tok.is_word(*CONDITION_WORDS) or tok.is_op("~")
                or (tok.is_word("not") and self.ts.peek(1).is_word("exists")))

    def _header(self) -> list[Token]:
        ts = self.ts
        heads: list[Token] = []
        while True:
            tok = ts.peek()
            if not is_thread_name(tok) or int(tok.text[1:]) != len(heads):
                ts.error(tok, f"bad thread table header: expected 'P{len(heads)}', found "
                              f"{tok.describe()} (the header reads 'P0 | P1 | ... ;')")
            heads.append(ts.advance())
            if ts.accept("|"):
                continue
            if ts.accept(";"):
                return heads
            ts.error(ts.peek(), f"expected '|' or ';' after {tok.text} in the thread table "
                                f"header, found {ts.peek().describe()}")

    def _row(self) -> list[Instr | None]:
        ts = self.ts
        cells: list[Instr | None] = []
        while True:
            cells.append(self._cell())
            if ts.accept("|"):
                continue
            if ts.accept(";"):
                return cells
            tok = ts.peek()
            ts.error(tok, f"expected '|' or ';' after the instruction, found {tok.describe()}")

    def _cell(self) -> Instr | None:
        ts = self.ts
        first = ts.peek()
        if first.is_op("|", ";"):
            return None
        label = None
        if first.kind == IDENT and ts.peek(1).is_op(":"):
            label = ts.advance().text
            ts.advance()
            if ts.peek().is_op("|", ";"):
                return Instr("NOP", (), first.line, label=label, syntax=self.syntax)
        lock = ts.peek().kind == IDENT and ts.peek().text.upper() == "LOCK"
        if lock:
            ts.advance()
        op, size = self._mnemonic()
        operands = self._operands(op)
        return Instr(op, operands, first.line, label=label, lock=lock, size=size,
                     syntax=self.syntax)

    def _mnemonic(self) -> tuple[str, int | None]:
        ts = self.ts
        tok = ts.peek()
        if tok.kind != IDENT:
            ts.error(tok, f"expected an X86 instruction, found {tok.describe()}")
        split = split_mnemonic(tok.text)
        if split is None:
            known = sorted(_FIXED_ARITY.keys() | _SIZED_ARITY.keys() | {"LOCK"})
            import difflib  # (a misspelt instruction only)

            close = difflib.get_close_matches(tok.text.upper(), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ts.error(tok, f"unknown X86 instruction {tok.text!r}{hint}")
        ts.advance()
        return split

    def _operands(self, op: str) -> tuple[Operand, ...]:
        ts = self.ts
        mnemonic = ts.last
        operands: list[Operand] = []
        if not ts.peek().is_op("|", ";"):
            operands.append(self._operand(op in _JUMPS))
            while ts.accept(","):
                operands.append(self._operand(op in _JUMPS))
        want = _arity(op)
        if len(operands) != want and mnemonic is not None:
            plural = "" if want == 1 else "s"
            ts.error(mnemonic, f"{mnemonic.text} takes {want} operand{plural}, found "
                               f"{len(operands)}")
        return tuple(operands)

    # ------------------------------------------------------------- operands

    def _operand(self, jump: bool) -> Operand:
        ts = self.ts
        tok = ts.peek()
        if tok.is_op("$"):
            ts.advance()
            return Imm(self._integer("a number after '$'"), tok.line)
        if tok.is_op("%"):
            return Reg(self._percent_register(), tok.line)
        if tok.is_op("-") or tok.kind == NUM:
            value = self._integer("a number")
            if ts.peek().is_op("(", "["):
                return self._memory(value, tok)
            return Imm(value, tok.line)
        if tok.is_op("[", "("):
            return self._memory(0, tok)
        if tok.kind == IDENT:
            ts.advance()
            if is_register(tok.text):
                return Reg(tok.text, tok.line)
            if jump:
                return LabelRef(tok.text, tok.line)
            ts.error(tok, f"malformed operand {tok.text!r}: not a register; write "
                          f"[{tok.text}] for the memory location {tok.text}")
        ts.error(tok, "malformed operand: expected a register, an immediate such as $1 or a "
                      f"memory operand such as [x], found {tok.describe()}")

    def _integer(self, what: str) -> int:
        ts = self.ts
        negative = ts.accept("-") is not None
        tok = ts.peek()
        if tok.kind != NUM:
            ts.error(tok, f"malformed operand: expected {what}, found {tok.describe()}")
        ts.advance()
        return -number_value(tok) if negative else number_value(tok)

    def _percent_register(self) -> str:
        ts = self.ts
        percent = ts.advance()
        tok = ts.peek()
        if tok.kind != IDENT or tok.pos != percent.end:
            ts.error(tok, f"malformed operand: expected a register name right after '%', "
                          f"found {tok.describe()}")
        if not is_register(tok.text):
            ts.error(tok, f"malformed operand: unknown register %{tok.text}")
        return ts.advance().text

    def _memory(self, offset: int, first: Token) -> Mem:
        ts = self.ts
        opener = ts.advance()
        tok = ts.peek()
        symbol = base = None
        if tok.is_op("%"):
            base = self._percent_register()
        elif tok.kind == IDENT:
            ts.advance()
            if is_register(tok.text):
                base = tok.text
            else:
                symbol = tok.text
        else:
            ts.error(tok, f"malformed memory operand: expected a location or a register after "
                          f"{opener.text!r}, found {tok.describe()}")
        sign = ts.peek()
        if sign.is_op("+", "-"):
            ts.advance()
            value = self._integer(f"a byte offset after {sign.text!r}")
            offset += value if sign.text == "+" else -value
        ts.expect_close(opener, "of the memory operand")
        return Mem(symbol, base, offset, first.line)
