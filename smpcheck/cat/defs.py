"""herd macro files (``linux-kernel.def``): how C primitives become events.

Each line is ``NAME(PARAMS) BODY`` (``//`` starts a comment).  BODY is an
expression, e.g. ``__load{ONCE}(X)`` or ``__atomic_op_return{MB}(X,+,V) == 0``,
or a statement block ``{ __store{ONCE}(X,V); __fence{MB}; }``.  Calls of
``__``-names are primitives, with their ``{tag,...}`` annotations; other
calls use earlier macros (``atomic_read(X) READ_ONCE(*X)``).
:func:`expand_macro` inlines those, so a litmus translator sees primitives
only and needs no list of kernel macros of its own.
"""

from __future__ import annotations

import os
import re

from smpcheck.errors import UsageError
from smpcheck.records import record
from smpcheck.text import read_text

# -- the def-body syntax --------------------------------------------------------


@record
class DParam:
    """A use of a macro parameter (``X``)."""

    name: str

    def __str__(self) -> str:
        return self.name


@record
class DInt:
    """An integer constant."""

    value: int

    def __str__(self) -> str:
        return str(self.value)


@record
class DOp:
    """An operator passed as an argument (``+`` in ``__atomic_op(X,+,V)``)."""

    symbol: str

    def __str__(self) -> str:
        return self.symbol


@record
class DDeref:
    """``*e``."""

    arg: DExpr

    def __str__(self) -> str:
        return f"*{self.arg}"


@record
class DPrim:
    """A primitive ``__name{TAG,...}(args)``; ``name`` keeps its ``__``."""

    name: str
    tags: tuple[str, ...]
    args: tuple[DExpr, ...] | None

    def __str__(self) -> str:
        tags = "{" + ",".join(self.tags) + "}" if self.tags else ""
        args = "" if self.args is None else "(" + ",".join(map(str, self.args)) + ")"
        return f"{self.name}{tags}{args}"


@record
class DCall:
    """A call of another macro."""

    name: str
    args: tuple[DExpr, ...]

    def __str__(self) -> str:
        return f"{self.name}(" + ",".join(map(str, self.args)) + ")"


@record
class DCompare:
    """``left OP right`` (``== 0``, ``< 0``): the macro's value is a test."""

    op: str
    left: DExpr
    right: DExpr

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


DExpr = DParam | DInt | DOp | DDeref | DPrim | DCall | DCompare


@record
class MacroDef:
    """One macro: parameters and body (an expression, or statements if ``block``)."""

    name: str
    params: tuple[str, ...]
    body: tuple[DExpr, ...]
    block: bool
    line: int

    @property
    def expr(self) -> DExpr:
        """The body of an expression macro."""
        if self.block:
            raise ValueError(f"{self.name} is a statement macro")
        return self.body[0]

    def primitives(self) -> list[DPrim]:
        """The primitives the body calls directly, in order."""
        out: list[DPrim] = []
        for e in self.body:
            _collect(e, out)
        return out


def _collect(e: DExpr, out: list[DPrim]) -> None:
    if isinstance(e, DPrim):
        out.append(e)
        for a in e.args or ():
            _collect(a, out)
    elif isinstance(e, DCall):
        for a in e.args:
            _collect(a, out)
    elif isinstance(e, DDeref):
        _collect(e.arg, out)
    elif isinstance(e, DCompare):
        _collect(e.left, out)
        _collect(e.right, out)


# -- parsing --------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<tags>\{[A-Za-z0-9_,\- ]*\}(?=\s*[(;,)]|\s*$))"
                    r"|(?P<sym>==|!=|<=|>=|&~|[-+*&|^<>(){};,~!]))")
_COMPARE = frozenset({"==", "!=", "<", ">", "<=", ">="})
MAX_NESTING = 100
"""Deepest nesting of a macro body's operands accepted."""
_OPERATORS = frozenset({"+", "-", "&", "|", "^", "&~", "*"})


class _DefParser:
    def __init__(self, text: str, path: str, line: int, params: tuple[str, ...],
                 col: int = 1) -> None:
        self.path = path
        self.line = line
        self.params = params
        self.toks: list[tuple[str, str, int]] = []  # kind, text, column
        pos, end = 0, len(text.rstrip())
        while pos < end:  # (blanks only after end)
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                start = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise UsageError(f"unexpected {text[pos:].strip()[:12]!r}", path, line,
                                 col + start)
            kind = m.lastgroup or "sym"
            self.toks.append((kind, m.group(kind).strip(), col + m.start(kind)))
            pos = m.end()
        self.toks.append(("eof", "", col + end))
        self.i = 0
        self.depth = 0

    def error(self, message: str) -> UsageError:
        return UsageError(message, self.path, self.line, self.toks[self.i][2])

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i][:2]

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i][:2]
        if text is not None and tok[1] != text:
            raise self.error(f"expected {text!r}, found {tok[1] or 'end of line'!r}")
        self.i += 1
        return tok

    def body(self) -> tuple[tuple[DExpr, ...], bool]:
        if self.peek()[1] == "{":
            self.take("{")
            stmts: list[DExpr] = []
            while self.peek()[1] != "}":
                stmts.append(self.expr())
                self.take(";")
            self.take("}")
            out: tuple[tuple[DExpr, ...], bool] = (tuple(stmts), True)
        else:
            out = ((self.expr(),), False)
        if self.peek()[0] != "eof":
            raise self.error(f"unexpected {self.peek()[1]!r} after the macro body")
        return out

    def expr(self) -> DExpr:
        left = self.term()
        if self.peek()[1] in _COMPARE:
            op = self.take()[1]
            return DCompare(op, left, self.term())
        return left

    def term(self) -> DExpr:
        """One operand; every level of nesting passes here, and deeper than
        :data:`MAX_NESTING` is a RecursionError (as Python's own limit would raise
        without the compiled core, which has none)."""
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise RecursionError
            return self._term()
        finally:
            self.depth -= 1

    def _term(self) -> DExpr:
        kind, text = self.peek()
        if kind not in ("name", "num") and text not in ("*", "("):
            raise self.error(f"unexpected {text or 'end of line'!r} in macro body")
        self.take()
        if kind == "num":
            return DInt(int(text))
        if text == "*":
            return DDeref(self.term())
        if text == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if text.startswith("__"):
            tags: tuple[str, ...] = ()
            if self.peek()[0] == "tags":
                spelled = self.take()[1][1:-1]
                tags = tuple(t.strip() for t in spelled.split(",") if t.strip())
            args = self.args() if self.peek()[1] == "(" else None
            return DPrim(text, tags, args)
        if self.peek()[1] == "(":
            return DCall(text, self.args() or ())
        if text in self.params:
            return DParam(text)
        raise self.error(f"unknown name {text!r} (not a parameter of the macro)")

    def args(self) -> tuple[DExpr, ...]:
        self.take("(")
        out: list[DExpr] = []
        while self.peek()[1] != ")":
            kind, text = self.peek()
            nxt = self.toks[self.i + 1][1]
            if kind == "sym" and text in _OPERATORS and nxt in (",", ")"):
                self.take()
                out.append(DOp(text))
            else:
                out.append(self.expr())
            if self.peek()[1] != ")":
                self.take(",")
        self.take(")")
        return tuple(out)


_HEAD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*(.*)$")


def parse_defs(text: str, path: str = "<defs>") -> dict[str, MacroDef]:
    """The macros of a ``.def`` text, by name (in file order)."""
    table: dict[str, MacroDef] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].rstrip()
        if not line.strip():
            continue
        m = _HEAD.match(line)
        if m is None:
            raise UsageError("expected 'NAME(PARAMS) BODY'", path, lineno, 1)
        name, params_text, body_text = m.groups()
        params = tuple(p.strip() for p in params_text.split(",") if p.strip())
        if not body_text:
            raise UsageError(f"macro {name} has no body", path, lineno, m.start(3) + 1)
        try:
            body, block = _DefParser(body_text, path, lineno, params, m.start(3) + 1).body()
        except RecursionError:
            raise UsageError(f"the body of macro {name} is nested too deeply", path,
                             lineno) from None
        table[name] = MacroDef(name, params, body, block, lineno)
    return table


def read_defs(path: str | os.PathLike[str]) -> dict[str, MacroDef]:
    """Parse a ``.def`` file (e.g. linux-kernel.def)."""
    return parse_defs(read_text(path, what="macro file"), os.fspath(path))


# -- expansion ------------------------------------------------------------------------


def _subst(e: DExpr, env: dict[str, DExpr], table: dict[str, MacroDef],
           depth: int) -> list[DExpr]:
    """``e`` with parameters replaced and macro calls inlined (a block call
    yields its statements)."""
    if isinstance(e, DParam):
        return [env.get(e.name, e)]
    if isinstance(e, DDeref):
        return [DDeref(_one(e.arg, env, table, depth))]
    if isinstance(e, DPrim):
        args = None if e.args is None else tuple(_one(a, env, table, depth) for a in e.args)
        return [DPrim(e.name, e.tags, args)]
    if isinstance(e, DCompare):
        return [DCompare(e.op, _one(e.left, env, table, depth), _one(e.right, env, table, depth))]
    if isinstance(e, DCall):
        callee = table.get(e.name)
        if callee is None:
            raise KeyError(e.name)
        if depth > 50:
            raise ValueError(f"{e.name} calls itself (through more than 50 macros)")
        if len(callee.params) != len(e.args):
            raise ValueError(f"{e.name} takes {len(callee.params)} argument(s), "
                             f"found {len(e.args)}")
        inner = {p: _one(a, env, table, depth) for p, a in zip(callee.params, e.args, strict=True)}
        out: list[DExpr] = []
        for stmt in callee.body:
            out.extend(_subst(stmt, inner, table, depth + 1))
        return out
    return [e]


def _one(e: DExpr, env: dict[str, DExpr], table: dict[str, MacroDef], depth: int) -> DExpr:
    out = _subst(e, env, table, depth)
    if len(out) != 1:
        raise ValueError("a statement macro used as a value")
    return out[0]


def expand_macro(table: dict[str, MacroDef], name: str) -> MacroDef:
    """``table[name]`` with every macro call inlined: its body holds primitives only."""
    mdef = table[name]
    try:
        body: list[DExpr] = []
        for stmt in mdef.body:
            body.extend(_subst(stmt, {}, table, 0))
    except KeyError as e:
        raise UsageError(f"macro {name} uses undefined macro {e.args[0]}", None,
                         mdef.line) from None
    except ValueError as e:
        raise UsageError(f"macro {name}: {e}", None, mdef.line) from None
    return MacroDef(mdef.name, mdef.params, tuple(body), mdef.block, mdef.line)
