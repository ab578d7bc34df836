"""Parser for cat models (herd's model language) and bell files.

Operator precedence, loosest first: ``|``, ``++``, ``;``, ``\\``, ``&``, then
the cartesian product ``*``; ``\\`` is left-associative, ``*`` does not
associate, ``++`` is right-associative and ``|``, ``;``, ``&`` are read as one
n-ary operation (so a 3,000-term sequence is no deeper than a short one).
Prefix ``~`` and postfix ``*`` ``+`` ``?`` ``^-1`` bind tighter than any
infix operator; application ``f x`` binds tighter still, and only a name (or
an application) can be applied.  A ``*`` is the cartesian product when an
operand follows it, the reflexive-transitive closure otherwise.  Nesting
deeper than :data:`MAX_NESTING` levels is an error naming the spot.
"""

from __future__ import annotations

from collections.abc import Callable

from smpcheck.cat import syntax as S
from smpcheck.cat.lexer import Token, tokenize
from smpcheck.errors import UsageError

# Infix operators: token -> (precedence, right-associative)
_INFIX = {"|": (1, True), "++": (2, True), ";": (3, True), "\\": (4, False),
          "&": (5, True), "*": (6, False)}
_NARY = frozenset({"|", ";", "&"})
MAX_NESTING = 100
"""Deepest nesting of expressions and instructions accepted."""
_OPERAND_START = frozenset({"IDENT", "TAG", "ZERO", "_", "(", "[", "{", "~", "begin"})
_ARG_START = _OPERAND_START - {"~"}
_POSTFIX = {"+": "plus", "?": "opt", "^-1": "inv"}
_CHECKS = frozenset({"acyclic", "irreflexive", "empty"})
_INSTR_START = frozenset({
    "let", "acyclic", "irreflexive", "empty", "flag", "requires", "undefined_unless", "~",
    "enum", "instructions", "default", "show", "unshow", "include", "procedure", "call",
    "forall", "with", "if", "debug",
})


def _describe(tok: Token) -> str:
    if tok.kind == "EOF":
        return "end of file"
    if tok.kind in ("IDENT", "TAG", "STRING"):
        return f"{tok.kind.lower()} {tok.text!r}" if tok.kind != "IDENT" else f"name {tok.text!r}"
    return repr(tok.text)


class Parser:
    """Recursive-descent parser over the token list of one file."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.toks = tokenize(text, path)
        self.i = 0
        self.depth = 0

    # -- token helpers ------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind != "EOF":
            self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> UsageError:
        tok = tok or self.tok
        return UsageError(message, self.path, tok.line, tok.col)

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.tok.kind != kind:
            want = what or repr(kind)
            raise self.error(f"expected {want}, found {_describe(self.tok)}")
        return self.take()

    def accept(self, kind: str) -> bool:
        if self.tok.kind == kind:
            self.i += 1
            return True
        return False

    def ident(self) -> str:
        return self.expect("IDENT", "a name").text

    # -- files and instructions ---------------------------------------------

    def parse_file(self) -> S.CatFile:
        title = self.parse_title()
        body = self.instructions(("EOF",))
        return S.CatFile(self.path, title, tuple(body))

    def parse_title(self) -> str | None:
        parts: list[str] = []
        while self.tok.kind in ("IDENT", "STRING") and len(parts) < 2:
            tok = self.take()
            parts.append(tok.text.strip('"') if tok.kind == "STRING" else tok.text)
        return " ".join(parts) if parts else None

    def instructions(self, stops: tuple[str, ...]) -> list[S.Instr]:
        self.deeper()
        try:
            return self._instructions(stops)
        finally:
            self.depth -= 1

    def _instructions(self, stops: tuple[str, ...]) -> list[S.Instr]:
        out: list[S.Instr] = []
        while self.tok.kind not in stops:
            out.append(self.instruction())
        return out

    def instruction(self) -> S.Instr:
        tok = self.tok
        kind = tok.kind
        if kind not in _INSTR_START:
            raise self.error(f"unexpected {_describe(tok)}: expected an instruction "
                             "(let, acyclic, irreflexive, empty, flag, include, ...)")
        return _INSTRUCTION.get(kind, Parser.ins_check)(self)

    def ins_let(self) -> S.Instr:
        tok = self.take()
        rec = self.accept("rec")
        bindings = self.bindings()
        self.accept("in")
        return S.Let(tok.line, tok.col, rec, bindings)

    def ins_check(self) -> S.Instr:
        tok = self.tok
        mode = "check"
        if self.tok.kind == "flag":
            mode = "flag"
            self.take()
        elif self.tok.kind in ("requires", "undefined_unless"):
            mode = "requires"
            self.take()
        negated = self.accept("~")
        if self.tok.kind not in _CHECKS:
            raise self.error(f"expected acyclic, irreflexive or empty, found {_describe(self.tok)}")
        test = self.take().kind
        start = self.tok.offset
        expr = self.expr()
        text = " ".join(self.text[start:self.toks[self.i - 1].offset
                                  + len(self.toks[self.i - 1].text)].split())
        name = self.ident() if self.accept("as") else None
        if mode == "flag" and name is None:
            raise self.error("a flagged check needs a name: flag ... as NAME", tok)
        return S.Check(tok.line, tok.col, mode, test, negated, expr, name, text)

    def ins_enum(self) -> S.Instr:
        tok = self.take()
        name = self.ident()
        self.expect("=")
        self.accept("||")
        tags = [self.expect("TAG", "a tag 'name").text[1:]]
        while self.accept("||"):
            tags.append(self.expect("TAG", "a tag 'name").text[1:])
        return S.Enum(tok.line, tok.col, name, tuple(tags))

    def ins_instructions(self) -> S.Instr:
        tok = self.take()
        cls = self.ident()
        self.expect("[")
        args = self.arg_list("]")
        self.expect("]")
        return S.Instructions(tok.line, tok.col, cls, tuple(args))

    def ins_show(self) -> S.Instr:
        tok = self.take()
        if self.tok.kind == "IDENT" and self.peek().kind != "as" and (
                self.peek().kind == "," or self.peek().kind in _INSTR_START
                or self.peek().kind in ("EOF", "end", "else")):
            names = [self.ident()]
            while self.accept(","):
                names.append(self.ident())
            return S.Show(tok.line, tok.col, tuple(names))
        if tok.kind == "unshow":
            raise self.error("unshow takes a comma-separated list of names")
        self.expr()
        self.expect("as")
        return S.Show(tok.line, tok.col, (self.ident(),))

    def ins_include(self) -> S.Instr:
        tok = self.take()
        name = self.expect("STRING", 'a file name in double quotes').text[1:-1]
        return S.Include(tok.line, tok.col, name)

    def ins_procedure(self) -> S.Instr:
        tok = self.take()
        self.accept("rec")
        name = self.ident()
        param = self.paren_pattern() if self.tok.kind == "(" else self.pat0()
        self.expect("=")
        body = self.instructions(("end", "EOF"))
        self.expect("end", "'end' closing the procedure")
        return S.Procedure(tok.line, tok.col, name, param, tuple(body))

    def ins_call(self) -> S.Instr:
        tok = self.take()
        name = self.ident()
        arg = self.simple()
        label = self.ident() if self.accept("as") else None
        return S.Call(tok.line, tok.col, name, arg, label)

    def ins_forall(self) -> S.Instr:
        tok = self.take()
        var = self.ident()
        self.expect("in")
        expr = self.expr()
        self.expect("do")
        body = self.instructions(("end", "EOF"))
        self.expect("end", "'end' closing forall")
        return S.Forall(tok.line, tok.col, var, expr, tuple(body))

    def ins_with(self) -> S.Instr:
        tok = self.take()
        var = self.ident()
        self.expect("from")
        return S.WithFrom(tok.line, tok.col, var, self.expr())

    def ins_if(self) -> S.Instr:
        tok = self.take()
        if self.tok.kind == "IDENT" and self.tok.text == "variant":
            self.take()
        variant = self.expect("STRING", 'a variant name in double quotes').text[1:-1]
        self.accept("then")
        then = self.instructions(("else", "end", "EOF"))
        other: list[S.Instr] = []
        if self.accept("else"):
            other = self.instructions(("end", "EOF"))
        self.expect("end", "'end' closing if")
        return S.IfVariant(tok.line, tok.col, variant, tuple(then), tuple(other))

    def ins_debug(self) -> S.Instr:
        tok = self.take()
        return S.Debug(tok.line, tok.col, self.expr())

    # -- bindings and patterns ----------------------------------------------

    def bindings(self) -> tuple[S.Binding, ...]:
        out = [self.binding()]
        while self.accept("and"):
            out.append(self.binding())
        return tuple(out)

    def binding(self) -> S.Binding:
        tok = self.tok
        if tok.kind == "(":
            pattern = self.paren_pattern()
        elif tok.kind == "IDENT" and self.peek().kind == "(":
            name = self.take().text
            param = self.paren_pattern()
            return self.fun_binding(tok, name, param)
        elif tok.kind == "IDENT" and self.peek().kind in ("IDENT", "_"):
            name = self.take().text
            return self.fun_binding(tok, name, self.pat0())
        else:
            names = [self.pat0()]
            while self.accept(","):
                names.append(self.pat0())
            pattern = names[0] if len(names) == 1 else tuple(names)
        self.expect("=")
        return S.Binding(tok.line, tok.col, pattern, self.expr())

    def fun_binding(self, tok: Token, name: str, param: S.Pattern) -> S.Binding:
        eq = self.expect("=")
        body = self.expr()
        return S.Binding(tok.line, tok.col, name, S.Fun(eq.line, eq.col, param, body, name))

    def pat0(self) -> str | None:
        if self.accept("_"):
            return None
        return self.ident()

    def paren_pattern(self) -> S.Pattern:
        self.expect("(")
        names: list[str | None] = []
        if self.tok.kind != ")":
            names.append(self.pat0())
            while self.accept(","):
                names.append(self.pat0())
        self.expect(")")
        return names[0] if len(names) == 1 else tuple(names)

    # -- expressions ----------------------------------------------------------

    def deeper(self) -> None:
        """One more level of recursive descent (the caller's ``finally`` takes it off),
        guarded against absurd nesting.  (Not a context manager: the parser is compiled
        with mypyc, which decorates no method of a native class; and cheaper so.)"""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"nested deeper than {MAX_NESTING} levels")

    def expr(self) -> S.Expr:
        self.deeper()
        try:
            return self._expr()
        finally:
            self.depth -= 1

    def _expr(self) -> S.Expr:
        tok = self.tok
        kind = tok.kind
        if kind == "let":
            self.take()
            rec = self.accept("rec")
            bindings = self.bindings()
            self.expect("in", "'in' after the bindings of let")
            return S.LetIn(tok.line, tok.col, rec, bindings, self.expr())
        if kind == "fun":
            self.take()
            param = self.paren_pattern() if self.tok.kind == "(" else self.pat0()
            self.expect("->")
            return S.Fun(tok.line, tok.col, param, self.expr(), "fun")
        if kind == "try":
            self.take()
            inner = self.expr()
            self.expect("with")
            return S.Try(tok.line, tok.col, inner, self.expr())
        if kind == "if":
            return self.if_expr()
        if kind == "match":
            return self.match_expr()
        first = self.binary(0)
        if self.tok.kind != ",":
            return first
        items = [first]
        while self.accept(","):
            items.append(self.binary(0))
        return S.TupleExpr(tok.line, tok.col, tuple(items))

    def if_expr(self) -> S.Expr:
        tok = self.take()
        left = right = None
        variant = ""
        if self.tok.kind == "STRING":
            kind = "variant"
            variant = self.take().text[1:-1]
        else:
            left = self.binary(0)
            op = self.tok
            if op.kind not in ("=", "subset", "in"):
                raise self.error(f"expected '=', 'subset' or 'in' in condition, "
                                 f"found {_describe(op)}")
            self.take()
            kind = {"=": "eq", "subset": "subset", "in": "in"}[op.kind]
            right = self.binary(0)
        self.expect("then")
        then = self.expr()
        self.expect("else", "'else' (cat conditionals need both branches)")
        return S.IfExpr(tok.line, tok.col, kind, variant, left, right, then, self.expr())

    def match_expr(self) -> S.Expr:
        tok = self.take()
        subject = self.expr()
        self.expect("with")
        self.accept("||")
        if self.tok.kind == "{" or self.peek().kind == "++":
            return self.set_match(tok, subject)
        clauses: list[tuple[str, S.Expr]] = []
        default: S.Expr | None = None
        while True:
            if self.accept("_"):
                self.expect("->")
                default = self.expr()
                break
            tag = self.expect("TAG", "a tag 'name or _").text[1:]
            self.expect("->")
            clauses.append((tag, self.expr()))
            if not self.accept("||"):
                break
        self.expect("end", "'end' closing match")
        return S.TagMatch(tok.line, tok.col, subject, tuple(clauses), default)

    def set_match(self, tok: Token, subject: S.Expr) -> S.Expr:
        if_empty: S.Expr | None = None
        elem_clause: tuple[str | None, str | None, S.Expr] | None = None
        for _ in range(2):
            if self.tok.kind == "{":
                self.take()
                self.expect("}")
                self.expect("->")
                if_empty = self.expr()
            else:
                elem = self.pat0()
                self.expect("++")
                rest = self.pat0()
                self.expect("->")
                elem_clause = (elem, rest, self.expr())
            if if_empty is None or elem_clause is None:
                self.expect("||", "'||' and the other clause of the set match")
        self.expect("end", "'end' closing match")
        assert if_empty is not None and elem_clause is not None
        return S.SetMatch(tok.line, tok.col, subject, if_empty, elem_clause[0],
                          elem_clause[1], elem_clause[2])

    def binary(self, min_prec: int) -> S.Expr:
        left = self.unary()
        while True:
            op = self.tok
            info = _INFIX.get(op.kind)
            if info is None or info[0] < min_prec:
                return left
            if op.kind == "*" and self.peek().kind not in _OPERAND_START:
                return left  # postfix star was handled by unary(); not infix here
            if op.kind == "*" and self.peek().kind == "~":  # (as herd7)
                raise self.error("unexpected '~' after '*' (herd7 reads no complement "
                                 "there): add parentheses", self.peek())
            prec, right_assoc = info
            self.take()
            if right_assoc and op.kind not in _NARY:
                self.deeper()
                try:
                    right = self.binary(prec)
                finally:
                    self.depth -= 1
            else:  # | ; & associate: read left to right, flattened by combine()
                right = self.binary(prec + 1)
            if op.kind == "*" and self.tok.kind == "*" and self.peek().kind in _OPERAND_START:
                raise self.error("the cartesian product '*' does not associate: "
                                 "add parentheses")
            left = self.combine(op, left, right)

    @staticmethod
    def combine(op: Token, left: S.Expr, right: S.Expr) -> S.Expr:
        if op.kind in _NARY:
            args: list[S.Expr] = []
            for side in (left, right):
                if isinstance(side, S.Binary) and side.op == op.kind and side.line >= 0:
                    args.extend(side.args)
                else:
                    args.append(side)
            return S.Binary(left.line, left.col, op.kind, tuple(args))
        return S.Binary(left.line, left.col, op.kind, (left, right))

    def unary(self, complemented: bool = False) -> S.Expr:
        """An operand, complemented or not, with its postfix operators.  Under a
        complement only ``^-1`` may follow the operand: herd7 rejects ``~e?``, ``~e*``,
        ``~e+`` and ``~e * f`` (so must smpcheck: whichever reading it chose, a model
        herd7 refuses would have a meaning here)."""
        tok = self.tok
        if tok.kind == "~":
            self.take()
            self.deeper()
            try:
                arg = self.unary(True)
            finally:
                self.depth -= 1
            if self.tok.kind in ("?", "+", "*"):
                raise self.error(f"unexpected {_describe(self.tok)} after a complemented "
                                 "operand (herd7 reads neither a postfix but ^-1 nor a "
                                 "product there): add parentheses")
            return S.Unary(tok.line, tok.col, "comp", arg)
        if tok.kind not in _OPERAND_START:
            raise self.error(f"unexpected {_describe(tok)}: expected an expression")
        expr = self.application()
        count = 0
        while True:
            kind = self.tok.kind
            if kind in _POSTFIX:
                op = _POSTFIX[kind]
            elif kind == "*" and self.peek().kind not in _OPERAND_START:
                op = "star"
            else:
                return expr
            if complemented and op != "inv":
                return expr  # (the complement refuses it: unary)
            count += 1
            if count > MAX_NESTING:
                raise self.error(f"more than {MAX_NESTING} postfix operators in a row")
            self.take()
            expr = S.Unary(tok.line, tok.col, op, expr)

    def application(self) -> S.Expr:
        tok = self.tok
        if tok.kind != "IDENT":
            return self.simple()
        self.take()
        expr: S.Expr = S.Var(tok.line, tok.col, tok.text)
        count = 0
        while self.tok.kind in _ARG_START:
            arg_tok = self.tok
            count += 1
            if count > MAX_NESTING:
                raise self.error(f"more than {MAX_NESTING} arguments applied in a row")
            if arg_tok.kind == "IDENT":
                self.take()
                arg: S.Expr = S.Var(arg_tok.line, arg_tok.col, arg_tok.text)
            else:
                arg = self.simple()
            expr = S.App(arg_tok.line, arg_tok.col, expr, arg)
        return expr

    def simple(self) -> S.Expr:
        tok = self.take()
        kind = tok.kind
        if kind == "ZERO":
            return S.EmptyLit(tok.line, tok.col)
        if kind == "TAG":
            return S.TagLit(tok.line, tok.col, tok.text[1:])
        if kind == "_":
            return S.Universe(tok.line, tok.col)
        if kind == "IDENT":
            return S.Var(tok.line, tok.col, tok.text)
        if kind == "{":
            items = self.arg_list("}")
            self.expect("}")
            if not items:
                return S.EmptyLit(tok.line, tok.col)
            return S.SetExpr(tok.line, tok.col, tuple(items))
        if kind == "[":
            inner = self.expr()
            self.expect("]")
            return S.Unary(tok.line, tok.col, "toid", inner)
        if kind == "(":
            if self.accept(")"):
                return S.TupleExpr(tok.line, tok.col, ())
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "begin":
            inner = self.expr()
            self.expect("end")
            return inner
        self.i -= 1
        raise self.error(f"unexpected {_describe(tok)}: expected an expression")

    def arg_list(self, close: str) -> list[S.Expr]:
        items: list[S.Expr] = []
        if self.tok.kind == close:
            return items
        items.append(self.binary(0))
        while self.accept(","):
            items.append(self.binary(0))
        return items


#: The parser of each instruction by its first token (the checks' and ``~``: ins_check).
_INSTRUCTION: dict[str, Callable[[Parser], S.Instr]] = {
    "let": Parser.ins_let, "enum": Parser.ins_enum, "instructions": Parser.ins_instructions,
    "default": Parser.ins_instructions, "show": Parser.ins_show, "unshow": Parser.ins_show,
    "include": Parser.ins_include, "procedure": Parser.ins_procedure, "call": Parser.ins_call,
    "forall": Parser.ins_forall, "with": Parser.ins_with, "if": Parser.ins_if,
    "debug": Parser.ins_debug,
}


def parse(text: str, path: str = "<string>") -> S.CatFile:
    """Parse the text of a cat or bell file; UsageError (file:line:col) on bad syntax."""
    return Parser(text, path).parse_file()
