"""Tokens of litmus files, produced on demand by a :class:`TokenStream`.

The lexer has two modes because ``(*`` means two things: outside C thread
bodies it opens an OCaml-style comment ``(* ... *)`` (nestable, as in herd);
inside them it is ``(`` followed by ``*``, as in ``(*p)``.  ``//`` and
``/* */`` comments are recognised everywhere.  The parsers switch modes with
:meth:`TokenStream.set_c_code`, which discards any token looked ahead.

The stream also carries what every parser needs: look-ahead, ``expect`` with
an error that says what was expected and what was found, and a nesting
guard so that deeply nested input gives a :class:`LitmusError`, not a
``RecursionError``.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple, NoReturn

from smpcheck.errors import InternalError
from smpcheck.litmus.syntax import LitmusError

IDENT = "ident"
NUM = "num"
STRING = "string"
OP = "op"
EOF = "eof"

MAX_NESTING = 64
"""Deepest nesting of parentheses, operators and statements accepted."""

_MAX_DIGITS = 40

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUM_RE = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*(?![A-Za-z0-9_])")
_OPS = (
    "<<=", ">>=",
    "/\\", "\\/", "<<", ">>", "==", "!=", "<=", ">=", "&&", "||", "=>", "->",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++", "--",
)
_OP_RE = re.compile("|".join(re.escape(op) for op in _OPS))  # (the first in _OPS wins)
_OP_CHARS = set("{}()[];,:|*&!~-+/%^<>=?.$")
_SPACES_RE = re.compile(r"[ \t\r\n\f\v]+")
#: Blanks, then an identifier (group 1) or an operator (group 2) that cannot open a
#: comment: what :meth:`TokenStream._lex` finds for most tokens without its slow path
#: (which then finds the same token).  ``/`` and ``(`` stay with the slow path, which
#: tells comments from them; ``(`` when ``*`` does not follow is taken here.
_WORD_RE = re.compile(r"[ \t\r\n\f\v]*(?:([A-Za-z_][A-Za-z0-9_]*)|("
                      + "|".join(re.escape(op) for op in _OPS if op[0] != "/")
                      + r"|\((?!\*)|[{})\[\];,:|*&!~\-+%^<>=?.$]))")


class Token(NamedTuple):
    """One token: ``kind`` is one of IDENT, NUM, STRING, OP, EOF; ``pos`` its offset.
    (A named tuple: made three times faster than a frozen dataclass, a few thousand
    times per test.)"""

    kind: str
    text: str
    line: int
    col: int
    pos: int
    end: int

    def is_op(self, *texts: str) -> bool:
        """Whether this is one of the operator/punctuation tokens ``texts``."""
        return self.kind == OP and self.text in texts

    def is_word(self, *texts: str) -> bool:
        """Whether this is one of the identifiers ``texts``."""
        return self.kind == IDENT and self.text in texts

    def describe(self) -> str:
        """The token as an error message shows it after "found"."""
        if self.kind == EOF:
            return "end of file"
        if self.kind == STRING:
            return f"string {self.text}"
        return repr(self.text)


class TokenStream:
    """A cursor over the tokens of one file, with look-ahead and error helpers."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.c_code = False
        self.last: Token | None = None
        self._ahead: list[Token] = []
        self._depth = 0
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    # ------------------------------------------------------------ positions

    def where(self, pos: int) -> tuple[int, int]:
        """1-based (line, column) of offset ``pos``."""
        index = bisect.bisect_right(self._line_starts, pos) - 1
        return index + 1, pos - self._line_starts[index] + 1

    def error_at(self, pos: int, message: str) -> NoReturn:
        """Raise a :class:`LitmusError` at offset ``pos``."""
        line, col = self.where(pos)
        raise LitmusError(message, self.path, line, col)

    def error(self, tok: Token, message: str) -> NoReturn:
        """Raise a :class:`LitmusError` at ``tok``."""
        raise LitmusError(message, self.path, tok.line, tok.col)

    # -------------------------------------------------------------- cursor

    def set_c_code(self, on: bool) -> None:
        """Enter or leave C-body mode, forgetting tokens already looked ahead."""
        if self._ahead:
            self.pos = self._ahead[0].pos
            self._ahead.clear()
        self.c_code = on

    def peek(self, k: int = 0) -> Token:
        """The token ``k`` places ahead, without consuming it."""
        ahead = self._ahead
        if k < len(ahead):  # (most calls: a token looked ahead already)
            return ahead[k]
        while len(ahead) <= k:
            if ahead and ahead[-1].kind == EOF:
                return ahead[-1]
            ahead.append(self._lex(ahead[-1].end if ahead else self.pos))
        return ahead[k]

    def advance(self) -> Token:
        """Consume and return the next token."""
        ahead = self._ahead
        tok = ahead[0] if ahead else self.peek()
        if tok.kind != EOF:
            del ahead[0]
            self.pos = tok.end
        self.last = tok
        return tok

    def accept(self, text: str) -> Token | None:
        """Consume the next token if it is the operator ``text``."""
        tok = self._ahead[0] if self._ahead else self.peek()
        if tok.kind == OP and tok.text == text:
            return self.advance()
        return None

    def expect(self, text: str, context: str) -> Token:
        """Consume the operator ``text`` or fail with "expected 'text' context, found ..."."""
        tok = self.peek()
        if not tok.is_op(text):
            self.error(tok, f"expected {text!r} {context}, found {tok.describe()}")
        return self.advance()

    def error_after_last(self, expected: str, tok: Token) -> NoReturn:
        """Fail with "expected X, found tok" placed just after the last consumed token.

        That is where a missing ``;`` belongs, often on the line before ``tok``.
        """
        end = self.last.end if self.last is not None else tok.pos
        line, _ = self.where(end)
        found = tok.describe() + (f" on line {tok.line}" if tok.line != line else "")
        self.error_at(end, f"expected {expected}, found {found}")

    def expect_close(self, opener: Token, context: str = "") -> Token:
        """Consume the bracket closing ``opener``, or say where the opener was."""
        close = {"(": ")", "[": "]", "{": "}"}[opener.text]
        tok = self.peek()
        if not tok.is_op(close):
            what = f" {context}" if context else ""
            self.error(tok, f"expected {close!r} to close the {opener.text!r}{what} at line "
                            f"{opener.line} column {opener.col}, found {tok.describe()}")
        return self.advance()

    def expect_ident(self, context: str) -> Token:
        """Consume an identifier or fail saying what it was for."""
        tok = self.peek()
        if tok.kind != IDENT:
            self.error(tok, f"expected {context}, found {tok.describe()}")
        return self.advance()

    def nested(self, tok: Token) -> _Level:
        """Guard one level of recursive descent against absurd nesting (``with``)."""
        return _Level(self, tok)

    # -------------------------------------------------- raw access (headers)

    def skip_trivia(self, comments: list[str] | None = None) -> None:
        """Skip blanks and comments before the next token, collecting comment texts."""
        if self._ahead:
            raise InternalError("TokenStream.skip_trivia called with tokens looked ahead")
        self.pos = self._skip(self.pos, comments)

    def peek_char(self) -> str:
        """The next raw character ('' at end of file); only without look-ahead."""
        return self.text[self.pos:self.pos + 1]

    def raw_line(self) -> tuple[str, int]:
        """Consume the rest of the current line raw; return it and its offset."""
        if self._ahead:
            raise InternalError("TokenStream.raw_line called with tokens looked ahead")
        start = self.pos
        end = self.text.find("\n", start)
        end = len(self.text) if end < 0 else end
        self.pos = min(end + 1, len(self.text))
        return self.text[start:end], start

    # -------------------------------------------------------------- lexing

    def _skip(self, pos: int, comments: list[str] | None = None) -> int:
        text = self.text
        spaces = _SPACES_RE.match(text, pos)
        if spaces is not None:
            pos = spaces.end()
        if pos >= len(text) or text[pos] not in "/(":  # (most tokens: no comment next)
            return pos
        while pos < len(text):
            spaces = _SPACES_RE.match(text, pos)
            if spaces is not None:
                pos = spaces.end()
            elif text.startswith("//", pos):
                end = text.find("\n", pos)
                end = len(text) if end < 0 else end
                if comments is not None:
                    comments.append(text[pos + 2:end])
                pos = end
            elif text.startswith("/*", pos):
                end = text.find("*/", pos + 2)
                if end < 0:
                    self.error_at(pos, "unterminated comment: '/*' is never closed by '*/'")
                if comments is not None:
                    comments.append(text[pos + 2:end])
                pos = end + 2
            elif not self.c_code and text.startswith("(*", pos):
                end = self.ocaml_comment_end(pos)
                if comments is not None:
                    comments.append(text[pos + 2:end - 2])
                pos = end
            else:
                break
        return pos

    def ocaml_comment_end(self, start: int) -> int:
        """The offset after the ``*)`` closing the (nested) comment opened at ``start``."""
        depth, pos, text = 0, start, self.text
        while True:
            opening, closing = text.find("(*", pos), text.find("*)", pos)
            if closing < 0:
                self.error_at(start, "unterminated comment: '(*' is never closed by '*)'")
            if 0 <= opening < closing:
                depth, pos = depth + 1, opening + 2
            else:
                depth, pos = depth - 1, closing + 2
                if depth == 0:
                    return pos

    def _lex(self, pos: int) -> Token:
        text = self.text
        m = _WORD_RE.match(text, pos)  # (most tokens: blanks, then a name or an operator)
        if m is not None:
            start, end = m.span(m.lastindex)  # type: ignore[arg-type]
            index = bisect.bisect_right(self._line_starts, start) - 1
            return _new_token(Token, (IDENT if m.lastindex == 1 else OP, text[start:end],
                                      index + 1, start - self._line_starts[index] + 1,
                                      start, end))
        pos = self._skip(pos)
        if pos >= len(text):
            return self._token(EOF, "", pos, pos)
        ch = text[pos]
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _IDENT_RE.match(text, pos)
            assert m is not None
            return self._token(IDENT, m.group(), pos, m.end())
        if ch.isascii() and ch.isdigit():
            return self._number(pos)
        if ch == '"':
            end = text.find('"', pos + 1)
            newline = text.find("\n", pos + 1)
            if end < 0 or 0 <= newline < end:
                self.error_at(pos, "unterminated string: '\"' is not closed on the same line")
            return self._token(STRING, text[pos:end + 1], pos, end + 1)
        op = _OP_RE.match(text, pos)
        if op is not None:
            return self._token(OP, op.group(), pos, op.end())
        if ch in _OP_CHARS:
            return self._token(OP, ch, pos, pos + 1)
        self.error_at(pos, f"unexpected character {ch!r}")

    def _number(self, pos: int) -> Token:
        m = _NUM_RE.match(self.text, pos)
        if m is None:
            bad = re.compile(r"[A-Za-z0-9_]+").match(self.text, pos)
            assert bad is not None
            self.error_at(pos, f"malformed number {bad.group()!r}")
        if len(m.group(1)) > _MAX_DIGITS:
            self.error_at(pos, f"number too long (more than {_MAX_DIGITS} digits)")
        return self._token(NUM, m.group(), pos, m.end())

    def _token(self, kind: str, text: str, pos: int, end: int) -> Token:
        line, col = self.where(pos)
        return Token(kind, text, line, col, pos, end)


class _Level:
    """One level of :meth:`TokenStream.nested` (entered hundreds of times per test: a
    class costs less than a generator's context manager)."""

    __slots__ = ("ts", "tok")

    def __init__(self, ts: TokenStream, tok: Token) -> None:
        self.ts = ts
        self.tok = tok

    def __enter__(self) -> None:
        ts = self.ts
        if ts._depth >= MAX_NESTING:
            ts.error(self.tok, f"nesting deeper than {MAX_NESTING} levels")
        ts._depth += 1

    def __exit__(self, *exc: object) -> None:
        self.ts._depth -= 1


_new_token = tuple.__new__  # (a Token made without NamedTuple's Python-level __new__)


def number_value(tok: Token) -> int:
    """The value of a NUM token (suffixes such as ``UL`` ignored)."""
    digits = tok.text.rstrip("uUlL")
    return int(digits, 16) if digits[:2] in ("0x", "0X") else int(digits)
