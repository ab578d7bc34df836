"""Tokens of herd's cat language.

Identifiers start with a letter and go on with letters, digits, ``_``, ``.``
and ``-`` (so ``po-loc`` is one name); ``'name`` is a tag, ``"text"`` a
string, ``0`` the empty relation and ``_`` the universe.  Comments are
OCaml's ``(* ... *)`` (nested) and ``//`` to the end of the line.  Every
token records its 1-based line and column and its offset in the text, so
that errors point at the user's file and check names can quote source text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from smpcheck.errors import UsageError

KEYWORDS = frozenset({
    "let", "rec", "and", "in", "fun", "match", "with", "end", "try", "if",
    "then", "else", "include", "acyclic", "irreflexive", "empty", "flag",
    "requires", "undefined_unless", "as", "show", "unshow", "procedure",
    "call", "forall", "do", "from", "enum", "instructions", "default",
    "begin", "debug", "subset", "when",
})

# Longest first: the scanner tries these in order.
SYMBOLS = (
    "^-1", "||", "++", "->", "(", ")", "[", "]", "{", "}", "|", "&", "\\",
    ";", "*", "+", "?", "~", ",", "=", "_",
)

_IDENT_REST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_IDENT_TAIL = re.compile(r"(?:[A-Za-z0-9_.]|-(?!>))*")  # (_IDENT_REST, but not "->")
_BLANKS = re.compile(r"(?:[ \t\r\n\f]+|//[^\n]*)+")  # (and // comments)
_SYMBOLS = re.compile("|".join(re.escape(sym) for sym in SYMBOLS))  # (the first wins)
# Most tokens, after plain blanks: an ASCII name (group 1) or a symbol (group 2) but for a
# "(" that opens a comment and a "_" that a name's character follows.  The rest (comments,
# tags, strings, 0, other letters, errors) is left to _Scanner.next_token.
_QUICK = re.compile(r"[ \t\r\n\f]*(?:([A-Za-z](?:[A-Za-z0-9_.]|-(?!>))*)|("
                    + "|".join(re.escape(sym) for sym in SYMBOLS if len(sym) > 1)
                    + r"|\((?!\*)|[)\[\]{}|&\\;*+?~,=]|_(?![A-Za-z0-9_.\-])))")


class Token(NamedTuple):
    """One token: ``kind`` is IDENT, TAG, STRING, ZERO, EOF, a keyword or a symbol.
    (A named tuple: made three times faster than a frozen dataclass.)"""

    kind: str
    text: str
    line: int
    col: int
    offset: int


class _Scanner:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def error(self, message: str, pos: int | None = None) -> UsageError:
        pos = self.pos if pos is None else pos
        line = self.text.count("\n", 0, pos) + 1
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return UsageError(message, self.path, line, col)

    def advance(self, count: int) -> None:
        text = self.text
        end = self.pos + count
        nl = text.count("\n", self.pos, end)
        if nl:
            self.line += nl
            self.line_start = text.rfind("\n", self.pos, end) + 1
        self.pos = end

    def skip_blanks(self) -> None:
        text = self.text
        while self.pos < len(text):
            blanks = _BLANKS.match(text, self.pos)
            if blanks is not None:
                self.advance(blanks.end() - self.pos)
            elif text.startswith("(*", self.pos):
                self.skip_comment()
            else:
                return

    def skip_comment(self) -> None:
        """Past the (nested) comment opened here, from one ``(*`` or ``*)`` to the next."""
        start = pos = self.pos
        depth = 0
        text = self.text
        while (closing := text.find("*)", pos)) >= 0:
            opening = text.find("(*", pos)
            if 0 <= opening < closing:
                depth, pos = depth + 1, opening + 2
            else:
                depth, pos = depth - 1, closing + 2
                if depth == 0:
                    self.advance(pos - self.pos)
                    return
        raise self.error("unterminated comment (* ... *)", start)

    def token(self, kind: str, length: int) -> Token:
        tok = Token(kind, self.text[self.pos:self.pos + length], self.line,
                    self.pos - self.line_start + 1, self.pos)
        self.advance(length)
        return tok

    def next_token(self) -> Token:
        self.skip_blanks()
        text = self.text
        if self.pos >= len(text):
            return Token("EOF", "", self.line, self.pos - self.line_start + 1, self.pos)
        ch = text[self.pos]
        if ch.isalpha():
            length = self.ident_length(self.pos)
            word = text[self.pos:self.pos + length]
            return self.token(word if word in KEYWORDS else "IDENT", length)
        if ch == "'":
            if self.pos + 1 < len(text) and text[self.pos + 1].isalpha():
                return self.token("TAG", 1 + self.ident_length(self.pos + 1))
            raise self.error("a tag is a quote followed by a name, as in 'release")
        if ch == '"':
            end = text.find('"', self.pos + 1)
            if end < 0 or "\n" in text[self.pos:end]:
                raise self.error("unterminated string")
            return self.token("STRING", end + 1 - self.pos)
        if ch == "0" and not (self.pos + 1 < len(text) and text[self.pos + 1].isalnum()):
            return self.token("ZERO", 1)
        if ch == "^" and not text.startswith("^-1", self.pos):
            raise self.error("unexpected '^': the only power operator is ^-1 (inverse)")
        sym = _SYMBOLS.match(text, self.pos)
        if sym is not None and not (sym.group() == "_" and self.pos + 1 < len(text)
                                    and text[self.pos + 1] in _IDENT_REST):
            return self.token(sym.group(), sym.end() - self.pos)
        raise self.error(f"unexpected character {ch!r}")

    def quick_token(self, m: re.Match[str]) -> Token:
        """The token ``_QUICK`` matched here (as next_token makes it, in fewer steps)."""
        text = self.text
        word = m.group(1)
        start = m.start(1) if word is not None else m.start(2)
        newlines = text.count("\n", self.pos, start)
        if newlines:
            self.line += newlines
            self.line_start = text.rfind("\n", self.pos, start) + 1
        self.pos = m.end()
        if word is None:
            sym = text[start:self.pos]
            return Token(sym, sym, self.line, start - self.line_start + 1, start)
        return Token(word if word in KEYWORDS else "IDENT", word, self.line,
                     start - self.line_start + 1, start)

    def ident_length(self, start: int) -> int:
        tail = _IDENT_TAIL.match(self.text, start + 1)
        assert tail is not None  # (it matches the empty string)
        return tail.end() - start


def tokenize(text: str, path: str = "<string>") -> list[Token]:
    """The tokens of ``text``, ending with an EOF token; UsageError on bad input."""
    scanner = _Scanner(text, path)
    out: list[Token] = []
    quick = _QUICK.match
    while True:
        m = quick(text, scanner.pos)
        tok = scanner.quick_token(m) if m is not None else scanner.next_token()
        if tok.kind == "EOF" and out and "\n" not in out[-1].text:
            last = out[-1]  # report a premature end right after the last token
            tok = Token("EOF", "", last.line, last.col + len(last.text), tok.offset)
        out.append(tok)
        if tok.kind == "EOF":
            return out
