r"""What every litmus format shares: header, init block, locations, final condition.

A litmus file reads::

    ARCH NAME                       first line: C, X86 or X86_64, then the name
    (* comments *) Key=Value ...    read as herd reads them (smpcheck.litmus.header)
    { init entries; }               the init block
    threads                         C functions (parse_c) or an X86 table (parse_x86)
    locations [x; 0:r1;]            optional
    filter PROP                     optional
    exists PROP                     or ~exists / not exists / forall / final (exists);
                                    optional ';'; none means 'forall (true)', as in herd

Propositions follow herd: ``true``, ``false``, ``~P`` (or ``not P``),
``P /\ Q``, ``P \/ Q``, ``P => Q`` and parentheses; from loosest to
tightest ``\/``, ``/\``, ``=>`` (right-associative), ``~``.  An atom is
``loc = v``, ``loc == v`` or ``loc != v`` where ``loc`` is ``0:r0``, ``x``,
``[x]`` or ``*x``, and ``v`` a number, a variable (its address) or a
location in brackets (``[y]``, ``*y``, ``1:r0``: its content).  Not
supported: herd's ``with`` clauses, ``observed`` and ``cases`` forms, arrays,
and typed ``locations`` entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from os import PathLike
from typing import cast

from smpcheck.litmus.header import read_header
from smpcheck.litmus.lexer import EOF, IDENT, NUM, Token, TokenStream, number_value
from smpcheck.litmus.parse_c import CParser, is_thread_name, type_text
from smpcheck.litmus.parse_x86 import X86Parser
from smpcheck.litmus.syntax import (
    Call,
    Condition,
    CTest,
    Expected,
    InitEntry,
    InitValue,
    LitmusError,
    LocRef,
    Name,
    Num,
    PAnd,
    PEq,
    PFalse,
    PImplies,
    PNot,
    POr,
    Prop,
    PTrue,
    Quantifier,
    X86Test,
)
from smpcheck.text import read_text

_RESULT = re.compile(r"^[ \t]*\*?[ \t]*Result:[ \t]*(never|sometimes|always)\b",
                     re.MULTILINE | re.IGNORECASE)
_CONDITION_HELP = "the final condition ('exists', '~exists' or 'forall')"


def parse_litmus(text: str, path: str = "<string>") -> CTest | X86Test:
    """Parse a C, X86 or X86_64 litmus test; raise :class:`LitmusError` if malformed."""
    try:
        return _FileParser(text, path).parse()
    except RecursionError:
        raise LitmusError("input nested too deeply to parse", path) from None


def parse_litmus_file(path: str | PathLike[str]) -> CTest | X86Test:
    """Read and parse a litmus file; unreadable files also raise :class:`LitmusError`."""
    return parse_litmus(read_text(path, LitmusError, "litmus file"), str(path))


def stem(path: str) -> str:
    """The file name of ``path`` without its last suffix: ``PurePosixPath(path).stem``,
    without importing pathlib (``a/SB.litmus`` -> ``SB``; ``a.`` and ``.a`` stay whole)."""
    name = next((part for part in reversed(path.split("/")) if part not in ("", ".")), "")
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def parse_prop(text: str, path: str = "<condition>") -> Prop:
    """A herd proposition on its own, e.g. ``0:r0=0 /\\ x=1`` (a model's condition)."""
    parser = _FileParser(text, path)
    prop = parser._prop()
    tok = parser.ts.peek()
    if tok.kind != EOF:
        parser.ts.error(tok, f"unexpected {tok.describe()} after the proposition")
    return prop


class _FileParser:
    """One parse of one file."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.ts = TokenStream(text, path)

    def parse(self) -> CTest | X86Test:
        head = read_header(self.ts, stem(self.path))
        arch, name, doc, description, info = (head.arch, head.name, head.doc,
                                               head.description, head.info)
        init = self._init()
        if arch == "C":
            threads = CParser(self.ts).threads()
            if not threads:
                tok = self.ts.peek()
                self.ts.error(tok, "expected a thread such as 'P0(int *x) { ... }', "
                                   f"found {tok.describe()}")
            locations, filt, condition = self._tail(f"another thread 'P{len(threads)}(...)' or ")
            return CTest(name, doc, _expected(doc), init, threads, locations, filt, condition,
                         self.path, description, info)
        table = X86Parser(self.ts, "att" if arch == "X86_64" else "intel").threads()
        locations, filt, condition = self._tail("")
        return X86Test(name, "X86_64" if arch == "X86_64" else "X86", init, table, locations,
                       filt, condition, self.path, doc, description, info)

    # ----------------------------------------------------------- init block

    def _init(self) -> tuple[InitEntry, ...]:
        ts = self.ts
        brace = ts.expect("{", "to open the init block (write '{}' when it is empty)")
        entries: list[InitEntry] = []
        while True:
            tok = ts.peek()
            if tok.is_op("}"):
                ts.advance()
                return tuple(entries)
            if tok.is_op(";"):
                ts.advance()
                continue
            missing = f"missing '}}' to close the init block opened at line {brace.line}"
            if tok.kind == EOF:
                ts.error(tok, f"{missing}: reached end of file")
            if is_thread_name(tok) and ts.peek(1).is_op("(", "|", ";"):
                ts.error(tok, f"{missing}, before the thread {tok.text}")
            entries.append(self._init_entry())
            if not ts.peek().is_op(";", "}"):
                ts.error_after_last("';' or '}' after the init entry", ts.peek())

    def _init_entry(self) -> InitEntry:
        """``[type words] [*...] location [= value]``."""
        ts = self.ts
        first = ts.peek()
        items: list[Token] = []
        loc: LocRef | None = None
        while loc is None:
            tok = ts.peek()
            if tok.kind == IDENT:
                if ts.peek(1).is_op("["):
                    ts.error(ts.peek(1), "arrays are not supported in init blocks")
                items.append(ts.advance())
            elif tok.is_op("*"):
                items.append(ts.advance())
            elif (tok.kind == NUM and ts.peek(1).is_op(":")) or tok.is_op("["):
                loc = self._location("in the init block")
            else:
                break
        if loc is None:
            if not items or items[-1].kind != IDENT:
                tok = ts.peek()
                ts.error(tok, "expected an init entry such as 'x=1;', 'int *p=&x;' or "
                              f"'0:r1=0;', found {tok.describe()}")
            name = items.pop()
            loc = LocRef(None, name.text, name.line)
        words = [item.text for item in items if item.kind == IDENT]
        stars = len(items) - len(words)
        typ = type_text(words, stars) if items else None
        value = self._init_value() if ts.accept("=") else None
        return InitEntry(loc.thread, loc.name, typ, value, first.line)

    def _init_value(self) -> InitValue:
        ts = self.ts
        tok = ts.peek()
        if tok.is_op("-") or tok.kind == NUM:
            return self._number()
        if tok.is_op("&"):
            ts.advance()
            name = ts.expect_ident("a variable name after '&'")
            return Name(name.text, name.line)
        if tok.kind == IDENT:
            ts.advance()
            if not ts.peek().is_op("("):
                return Name(tok.text, tok.line)
            paren = ts.advance()
            args: list[InitValue] = []
            with ts.nested(paren):
                while not ts.peek().is_op(")"):
                    args.append(self._init_value())
                    if not ts.accept(","):
                        break
            ts.expect_close(paren, f"of {tok.text}(...)")
            return Call(tok.text, tuple(args), tok.line)
        ts.error(tok, "expected an initial value (a number, a variable, '&variable' or "
                      f"ATOMIC_INIT(n)), found {tok.describe()}")

    def _number(self) -> Num:
        ts = self.ts
        first = ts.peek()
        negative = ts.accept("-") is not None
        tok = ts.peek()
        if tok.kind != NUM:
            ts.error(tok, f"expected a number after '-', found {tok.describe()}")
        ts.advance()
        return Num(-number_value(tok) if negative else number_value(tok), first.line)

    # ----------------------------------------------------------------- tail

    def _tail(self, alternatives: str) -> tuple[tuple[LocRef, ...], Prop | None, Condition]:
        """``[locations [...]] [filter P] quantifier P [;]`` and the end of the file."""
        ts = self.ts
        if ts.peek().is_word("regions", "scopes", "levels"):
            ts.error(ts.peek(), f"herd's {ts.peek().text!r} declarations are not supported")
        locations: tuple[LocRef, ...] = ()
        if ts.peek().is_word("locations"):
            locations = self._locations()
        filt = None
        if ts.peek().is_word("filter"):
            ts.advance()
            filt = self._prop()
        condition = self._condition("" if locations or filt else alternatives)
        ts.accept(";")
        tok = ts.peek()
        if tok.is_word("with"):
            ts.error(tok, "herd's 'with' clauses are not supported")
        if tok.kind != EOF:
            ts.error(tok, f"expected end of file after the final condition, "
                          f"found {tok.describe()}")
        return locations, filt, condition

    def _locations(self) -> tuple[LocRef, ...]:
        ts = self.ts
        ts.advance()
        bracket = ts.expect("[", "after 'locations'")
        items: list[LocRef] = []
        while not ts.peek().is_op("]"):
            if ts.accept(";"):
                continue
            if ts.peek().kind == EOF:
                break
            items.append(self._location("in the locations list"))
            if not ts.peek().is_op(";", "]"):
                tok = ts.peek()
                ts.error(tok, f"expected ';' or ']' in the locations list, found "
                              f"{tok.describe()}")
        ts.expect_close(bracket, "of the locations list")
        return tuple(items)

    def _condition(self, alternatives: str) -> Condition:
        ts = self.ts
        tok = ts.peek()
        quantifier: Quantifier
        if tok.is_word("exists", "forall"):
            quantifier = cast(Quantifier, tok.text)
        elif tok.is_word("final"):  # herd's older spelling of exists
            quantifier = "exists"
        elif (tok.is_op("~") or tok.is_word("not")) and ts.peek(1).is_word("exists"):
            ts.advance()
            quantifier = "~exists"
        elif tok.kind == EOF:  # herd: no condition is 'forall (true)'
            return Condition("forall", PTrue(tok.line), tok.line)
        else:
            ts.error(tok, f"expected {alternatives}{_CONDITION_HELP}, found {tok.describe()}")
        ts.advance()
        return Condition(quantifier, self._prop(), tok.line)

    # --------------------------------------------------------- propositions

    def _prop(self) -> Prop:
        return self._chain("\\/", POr, self._conjunction)

    def _conjunction(self) -> Prop:
        return self._chain("/\\", PAnd, self._implication)

    def _chain(self, op: str, node: type[PAnd] | type[POr], operand: Callable[[], Prop]) -> Prop:
        first = operand()
        items = [first]
        while self.ts.accept(op):
            items.append(operand())
        return first if len(items) == 1 else node(tuple(items), first.line)

    def _implication(self) -> Prop:
        ts = self.ts
        left = self._negation()
        arrow = ts.accept("=>")
        if arrow is None:
            return left
        with ts.nested(arrow):
            return PImplies(left, self._implication(), left.line)

    def _negation(self) -> Prop:
        ts = self.ts
        tok = ts.peek()
        if not (tok.is_op("~") or tok.is_word("not")):
            return self._atom()
        ts.advance()
        with ts.nested(tok):
            return PNot(self._negation(), tok.line)

    def _atom(self) -> Prop:
        ts = self.ts
        tok = ts.peek()
        if tok.is_op("("):
            ts.advance()
            with ts.nested(tok):
                prop = self._prop()
            ts.expect_close(tok, "of the proposition")
            return prop
        if tok.is_word("true"):
            return PTrue(ts.advance().line)
        if tok.is_word("false"):
            return PFalse(ts.advance().line)
        loc = self._location("in the proposition")
        op = ts.peek()
        if not op.is_op("=", "==", "!="):
            ts.error(op, f"expected '=' or '!=' after the location {_show(loc)}, "
                         f"found {op.describe()}")
        ts.advance()
        atom = PEq(loc, self._value(), loc.line)
        return PNot(atom, op.line) if op.text == "!=" else atom

    def _value(self) -> Num | Name | LocRef:
        ts = self.ts
        tok = ts.peek()
        if (tok.kind == NUM and ts.peek(1).is_op(":")) or tok.is_op("[", "*"):
            return self._location("after '='")
        if tok.kind == NUM or tok.is_op("-"):
            return self._number()
        if tok.kind == IDENT and tok.text not in ("true", "false", "not"):
            ts.advance()
            return Name(tok.text, tok.line)
        ts.error(tok, "expected a value after '=' (a number, a variable, or a location such "
                      f"as [y] or 0:r1), found {tok.describe()}")

    def _location(self, context: str) -> LocRef:
        """``0:r0``, ``x``, ``[x]`` or ``*x`` / ``*0:r0``."""
        ts = self.ts
        tok = ts.peek()
        if tok.is_op("*"):
            ts.advance()
            if ts.peek().is_op("*", "["):
                ts.error(ts.peek(), f"expected a location after '*', found "
                                    f"{ts.peek().describe()}")
            inner = self._location(context)
            return LocRef(inner.thread, inner.name, tok.line)
        if tok.kind == NUM and ts.peek(1).is_op(":"):
            ts.advance()
            ts.advance()
            reg = ts.expect_ident(f"a register name after '{tok.text}:'")
            return LocRef(number_value(tok), reg.text, tok.line)
        if tok.is_op("["):
            ts.advance()
            name = ts.expect_ident("a location name inside '[...]'")
            ts.expect_close(tok)
            return LocRef(None, name.text, tok.line)
        if tok.kind == IDENT and tok.text not in ("true", "false", "not"):
            ts.advance()
            return LocRef(None, tok.text, tok.line)
        ts.error(tok, f"expected a location such as 'x', '[x]' or '0:r0' {context}, "
                      f"found {tok.describe()}")


def _show(loc: LocRef) -> str:
    return loc.name if loc.thread is None else f"{loc.thread}:{loc.name}"


def _expected(doc: str) -> Expected | None:
    match = _RESULT.search(doc)
    return cast(Expected, match.group(1).capitalize()) if match else None

