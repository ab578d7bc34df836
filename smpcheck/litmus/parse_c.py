"""Threads of the kernel's C litmus format: ``P0(int *x, ...) { C statements }``.

The accepted C is what litmus tests use: declarations (several declarators,
pointers, initialisers), assignments (also ``+=``-style and ``++``/``--``,
rewritten as ``a = a + b``), calls, ``if``/``else``, ``while``, ``return``,
braced blocks (flattened), and expressions with C's operators and
precedence, calls, casts and parentheses.  Arrays, structures, ``for``,
``do``, ``switch``, ``goto``, ``break`` and ``continue`` statements are
rejected with a message saying so; as in herd, those words are names
elsewhere (a register may be called ``continue``).  Which functions exist and
what they mean is left to the translator.
"""

from __future__ import annotations

import re
from typing import NoReturn

from smpcheck.litmus.lexer import EOF, IDENT, NUM, Token, TokenStream, number_value
from smpcheck.litmus.syntax import (
    AddrOf,
    Assign,
    Binary,
    Call,
    Cast,
    CThread,
    Decl,
    Deref,
    Expr,
    ExprStmt,
    If,
    Name,
    Num,
    Param,
    Return,
    Stmt,
    Ternary,
    Unary,
    While,
)

THREAD_RE = re.compile(r"P([0-9]{1,4})")
"""A thread name, in both formats."""

CONDITION_WORDS = ("exists", "forall", "locations", "filter", "final")
"""Words that start the part after the threads."""

TYPE_WORDS = frozenset({
    "int", "char", "short", "long", "unsigned", "signed", "void", "bool", "_Bool",
    "const", "volatile", "static", "struct", "union", "enum", "_Atomic",
    "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
    "__int128", "__uint128", "atomic_int",
})
KEYWORDS = frozenset({
    "if", "else", "while", "for", "do", "switch", "case", "default", "break",
    "continue", "goto", "return", "sizeof", "typedef",
})
"""C's statement keywords.  Only ``if``, ``else`` and ``while`` are reserved, as in
herd: the others start a statement (``return``, or one smpcheck rejects naming
it) but are names elsewhere, as registers such as ``continue`` are in herd."""
RESERVED = frozenset({"if", "else", "while"})
_ASSIGN_OPS = ("=", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=")
_BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, "<=": 7, ">": 7, ">=": 7, "<<": 8, ">>": 8,
    "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}
_COMPOUND = ("+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=")
_PREFIX = ("*", "&", "!", "~", "-", "+")


def is_thread_name(tok: Token) -> bool:
    """Whether ``tok`` is a thread name ``P<n>``."""
    return tok.kind == IDENT and THREAD_RE.fullmatch(tok.text) is not None


def _is_type_word(word: str) -> bool:
    return word in TYPE_WORDS or word.endswith("_t")


def type_text(words: list[str], stars: int) -> str:
    """The normalised spelling of a type: ``int *``, ``spinlock_t *``, ``unsigned long``."""
    return " ".join([*words, "*" * stars] if stars else words)


class CParser:
    """Parses the thread section of a C litmus test from a :class:`TokenStream`."""

    def __init__(self, ts: TokenStream) -> None:
        self.ts = ts

    def threads(self) -> tuple[CThread, ...]:
        """All consecutive ``P<n>(...) {...}`` definitions (possibly none)."""
        threads: list[CThread] = []
        while is_thread_name(self.ts.peek()):
            threads.append(self._thread(len(threads)))
        tok = self.ts.peek()
        if tok.is_op("}"):
            self.ts.error(tok, "unmatched '}': no '{' is open here")
        return tuple(threads)

    # -------------------------------------------------------------- threads

    def _thread(self, expected: int) -> CThread:
        ts = self.ts
        head = ts.advance()
        if int(head.text[1:]) != expected:
            ts.error(head, f"expected thread P{expected} here (threads are numbered P0, P1, "
                           f"... in order), found {head.text}")
        ts.set_c_code(True)
        ts.expect("(", f"after {head.text!r}: a thread header reads 'P0(int *x, int *y)'")
        params = self._params(head)
        brace = ts.expect("{", f"to start the body of {head.text}")
        body = self._block(brace, f"body of {head.text}")
        ts.set_c_code(False)
        return CThread(expected, params, body, head.line)

    def _params(self, head: Token) -> tuple[Param, ...]:
        ts = self.ts
        if ts.accept(")"):
            return ()
        if ts.peek().is_word("void") and ts.peek(1).is_op(")"):
            ts.advance()
            ts.advance()
            return ()
        params: list[Param] = []
        while True:
            params.append(self._param())
            if ts.accept(","):
                continue
            tok = ts.peek()
            if not tok.is_op(")"):
                ts.error(tok, f"expected ',' or ')' in the parameter list of {head.text}, "
                              f"found {tok.describe()}")
            ts.advance()
            return tuple(params)

    def _param(self) -> Param:
        ts = self.ts
        first = ts.peek()
        if first.kind != IDENT or not (ts.peek(1).kind == IDENT or ts.peek(1).is_op("*")):
            ts.error(first, f"expected a parameter such as 'int *x', found {first.describe()}")
        words = self._type_words()
        stars, name = self._declarator("parameter name")
        return Param(type_text(words, stars), name.text, first.line)

    def _type_words(self) -> list[str]:
        """``int``, ``unsigned long``, ``struct foo``, ``spinlock_t``: up to the declarator."""
        ts = self.ts
        words = [ts.advance().text]
        while ts.peek().kind == IDENT and (
                _is_type_word(ts.peek().text) or words[-1] in ("struct", "union", "enum")):
            words.append(ts.advance().text)
        return words

    def _declarator(self, what: str) -> tuple[int, Token]:
        ts = self.ts
        stars = 0
        while ts.accept("*"):
            stars += 1
        name = ts.expect_ident(f"a {what}")
        if name.text in RESERVED or name.text in TYPE_WORDS:
            ts.error(name, f"expected a {what}, found keyword {name.text!r}")
        if ts.peek().is_op("["):
            ts.error(ts.peek(), "arrays are not supported in litmus tests")
        return stars, name

    # ----------------------------------------------------------- statements

    def _block(self, brace: Token, what: str) -> tuple[Stmt, ...]:
        ts = self.ts
        stmts: list[Stmt] = []
        while True:
            tok = ts.peek()
            if tok.is_op("}"):
                ts.advance()
                return tuple(stmts)
            self._check_runaway(brace, tok, what)
            stmts.extend(self._statement())

    def _check_runaway(self, brace: Token, tok: Token, what: str) -> None:
        """Name the unclosed brace when the body runs into what follows the threads."""
        ts = self.ts
        missing = f"missing '}}' to close the {what} opened at line {brace.line}"
        if tok.kind == EOF:
            ts.error(tok, f"{missing}: reached end of file")
        starts_next = (
            (is_thread_name(tok) and ts.peek(1).is_op("("))
            or tok.is_word(*CONDITION_WORDS)
            or (tok.is_op("~") and ts.peek(1).is_word("exists"))
        )
        if tok.col == 1 and starts_next:
            ts.error(tok, f"{missing}, before {tok.describe()}")

    def _statement(self) -> list[Stmt]:
        ts = self.ts
        tok = ts.peek()
        with ts.nested(tok):
            if tok.is_op("{"):
                ts.advance()
                return list(self._block(tok, "block"))
            if tok.is_op(";"):
                ts.advance()
                return []
            if tok.is_op("}") or tok.kind == EOF:
                ts.error(tok, f"expected a statement, found {tok.describe()}")
            if tok.kind == IDENT:
                if tok.text == "if":
                    return [self._if()]
                if tok.text == "while":
                    return [self._while()]
                if tok.text in KEYWORDS and not ts.peek(1).is_op(*_ASSIGN_OPS):
                    if tok.text == "return":
                        return [self._return()]
                    self._unsupported(tok)
                if self._is_declaration():
                    return list(self._declaration())
            return [self._simple()]

    def _unsupported(self, tok: Token) -> NoReturn:
        if tok.text == "else":
            self.ts.error(tok, "'else' without a matching 'if'")
        self.ts.error(tok, f"{tok.text!r} is not supported in litmus tests")

    def _is_declaration(self) -> bool:
        tok, nxt = self.ts.peek(), self.ts.peek(1)
        if tok.text in TYPE_WORDS:
            return True
        return nxt.kind == IDENT or (_is_type_word(tok.text) and nxt.is_op("*"))

    def _declaration(self) -> list[Decl]:
        ts = self.ts
        words = self._type_words()
        decls: list[Decl] = []
        while True:
            stars, name = self._declarator("variable name in the declaration")
            init = self._expr() if ts.accept("=") else None
            decls.append(Decl(type_text(words, stars), name.text, init, name.line))
            if not ts.accept(","):
                break
        self._end_statement()
        return decls

    def _if(self) -> If:
        ts = self.ts
        kw = ts.advance()
        paren = ts.expect("(", "after 'if'")
        cond = self._expr()
        ts.expect_close(paren, "of the 'if' condition")
        then = tuple(self._statement())
        orelse: tuple[Stmt, ...] = ()
        if ts.peek().is_word("else"):
            ts.advance()
            orelse = tuple(self._statement())
        return If(cond, then, orelse, kw.line)

    def _while(self) -> While:
        ts = self.ts
        kw = ts.advance()
        paren = ts.expect("(", "after 'while'")
        cond = self._expr()
        ts.expect_close(paren, "of the 'while' condition")
        return While(cond, tuple(self._statement()), kw.line)

    def _return(self) -> Return:
        kw = self.ts.advance()
        value = None if self.ts.peek().is_op(";") else self._expr()
        self._end_statement()
        return Return(value, kw.line)

    def _simple(self) -> Stmt:
        """An assignment or an expression statement."""
        ts = self.ts
        first = ts.peek()
        if first.is_op("++", "--"):
            ts.advance()
            target = self._lvalue(self._unary(), first)
            stmt: Stmt = Assign(target, Binary(first.text[0], target, Num(1, first.line),
                                               first.line), first.line)
        else:
            expr = self._expr()
            op = ts.peek()
            if op.is_op("="):
                ts.advance()
                stmt = Assign(self._lvalue(expr, op), self._expr(), first.line)
            elif op.is_op(*_COMPOUND):
                ts.advance()
                value = Binary(op.text[:-1], self._lvalue(expr, op), self._expr(), op.line)
                stmt = Assign(expr, value, first.line)
            elif op.is_op("++", "--"):
                ts.advance()
                target = self._lvalue(expr, op)
                stmt = Assign(target, Binary(op.text[0], target, Num(1, op.line), op.line),
                              first.line)
            else:
                stmt = ExprStmt(expr, first.line)
        self._end_statement()
        return stmt

    def _lvalue(self, expr: Expr, op: Token) -> Expr:
        if not isinstance(expr, Name | Deref):
            self.ts.error(op, f"cannot assign with {op.text!r}: the target must be a "
                              "variable or '*pointer'")
        return expr

    def _end_statement(self) -> None:
        ts = self.ts
        tok = ts.peek()
        if tok.is_op(";"):
            ts.advance()
            return
        ts.error_after_last("';' after the statement", tok)

    # ---------------------------------------------------------- expressions

    def _expr(self) -> Expr:
        ts = self.ts
        cond = self._binary(1)
        question = ts.peek()
        if not question.is_op("?"):
            return cond
        ts.advance()
        with ts.nested(question):
            then = self._expr()
            ts.expect(":", "in the conditional expression 'c ? a : b'")
            orelse = self._expr()
        return Ternary(cond, then, orelse, question.line)

    def _binary(self, min_precedence: int) -> Expr:
        ts = self.ts
        left = self._unary()
        while True:
            op = ts.peek()
            precedence = _BINARY_PRECEDENCE.get(op.text) if op.kind == "op" else None
            if precedence is None or precedence < min_precedence:
                return left
            ts.advance()
            right = self._binary(precedence + 1)
            left = Binary(op.text, left, right, op.line)

    def _unary(self) -> Expr:
        ts = self.ts
        tok = ts.peek()
        if tok.is_op("(") and self._is_cast():
            return self._cast()
        if not tok.is_op(*_PREFIX):
            return self._primary()
        ts.advance()
        if tok.text == "-" and ts.peek().kind == NUM:
            return Num(-number_value(ts.advance()), tok.line)
        with ts.nested(tok):
            operand = self._unary()
        if tok.text == "*":
            return Deref(operand, tok.line)
        if tok.text == "&":
            return AddrOf(operand, tok.line)
        return Unary(tok.text, operand, tok.line)

    def _is_cast(self) -> bool:
        ts = self.ts
        word = ts.peek(1)
        if word.kind != IDENT:
            return False
        return word.text in TYPE_WORDS or (
            _is_type_word(word.text) and ts.peek(2).is_op(")", "*"))

    def _cast(self) -> Expr:
        ts = self.ts
        paren = ts.advance()
        words = self._type_words()
        stars = 0
        while ts.accept("*"):
            stars += 1
        ts.expect_close(paren, "of the cast")
        with ts.nested(paren):
            operand = self._unary()
        return Cast(type_text(words, stars), operand, paren.line)

    def _primary(self) -> Expr:
        ts = self.ts
        tok = ts.peek()
        if tok.kind == NUM:
            ts.advance()
            return Num(number_value(tok), tok.line)
        if tok.kind == IDENT and tok.text not in RESERVED:
            if tok.text.startswith("__") and ts.peek(1).is_op("{"):
                ts.error(tok, f"herd's primitive {tok.text}{{...}} is not supported in test "
                              "code: call the macros of the .def file (READ_ONCE, ...)")
            ts.advance()
            expr: Expr = Name(tok.text, tok.line)
            if ts.peek().is_op("("):
                expr = Call(tok.text, self._args(tok), tok.line)
            after = ts.peek()
            if after.is_op("[", ".", "->"):
                ts.error(after, f"{after.text!r} (arrays and structures) is not supported "
                                "in litmus tests")
            return expr
        if tok.is_op("("):
            ts.advance()
            with ts.nested(tok):
                inner = self._expr()
            ts.expect_close(tok)
            return inner
        kind = "keyword " if tok.kind == IDENT else ""
        ts.error(tok, f"expected an expression, found {kind}{tok.describe()}")

    def _args(self, func: Token) -> tuple[Expr, ...]:
        ts = self.ts
        paren = ts.advance()
        if ts.accept(")"):
            return ()
        args: list[Expr] = []
        with ts.nested(paren):
            while True:
                args.append(self._expr())
                if ts.accept(","):
                    continue
                tok = ts.peek()
                if not tok.is_op(")"):
                    ts.error(tok, f"expected ',' or ')' to close the call to {func.text} "
                                  f"opened at line {paren.line} column {paren.col}, "
                                  f"found {tok.describe()}")
                ts.advance()
                return tuple(args)
