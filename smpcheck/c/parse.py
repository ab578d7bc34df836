"""Parsing preprocessed C with pycparser, every error at its file, line and column.

pycparser reads C99; the GNU extensions small kernel designs use are either
made plain C by the bundled header (``likely``, ``__always_inline``,
``__attribute__``) or refused here by name (statement expressions, ``typeof``,
``asm``), at their line and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pycparser import c_ast, c_parser

from smpcheck.errors import UsageError

__all__ = ["HEADER", "check_extensions", "deepest_line", "parse_c"]

HEADER = Path(__file__).parent / "include" / "linux.h"
"""The bundled header: the kernel's types and list functions, read before the file."""

_GNU = re.compile(r"\(\s*\{|\b(?:typeof|__typeof__|__typeof|asm|__asm__|__asm|"
                  r"__builtin_\w+|__auto_type|_Generic)\b")
_WHAT = {"(": "a statement expression ({ ... })", "typeof": "typeof",
         "__typeof__": "typeof", "__typeof": "typeof", "asm": "inline assembly",
         "__asm__": "inline assembly", "__asm": "inline assembly",
         "__auto_type": "__auto_type", "_Generic": "_Generic"}


def check_extensions(text: str, path: str) -> None:
    """Refuse the GNU extensions smpcheck does not translate, at their place."""
    masked = re.sub(r'"(?:[^"\\\n]|\\.)*"', lambda m: " " * len(m.group(0)), text)
    for n, line in enumerate(masked.split("\n"), 1):
        m = _GNU.search(line)
        if m is not None:
            word = m.group(0)
            what = _WHAT.get(word[0] if word[0] == "(" else word,
                             f"the GCC builtin {word}")
            raise UsageError(f"{what} is not supported (a GNU extension): write it as "
                             "plain C", path, n, m.start() + 1)


class _Parser(c_parser.CParser):  # type: ignore[misc]  # (pycparser has no type hints)
    """pycparser's parser, with the place of errors it reports without one."""

    def _parse_error(self, msg: str, coord: Any) -> Any:
        line = getattr(coord, "line", None)
        column = getattr(coord, "column", None)
        file = getattr(coord, "file", None)
        if line is None:
            tok = self._where()
            if tok is not None:
                file, line, column = tok
        raise _Located(msg, file, line, column)

    def _where(self) -> tuple[str, int, int] | None:
        tokens = getattr(self, "_tokens", None)
        if tokens is None:
            return None
        try:
            tok = tokens.peek(1)
            if tok is None:  # (at the end: the last token read)
                buf = [t for t in getattr(tokens, "_buffer", []) if t is not None]
                tok = buf[-1] if buf else None
        except Exception:  # noqa: BLE001 - only for a better message
            return None
        if tok is None:
            return None
        return (getattr(tok, "filename", None) or "", getattr(tok, "lineno", 0),
                getattr(tok, "column", 0))


class _Located(Exception):
    def __init__(self, msg: str, file: str | None, line: int | None,
                 column: int | None) -> None:
        super().__init__(msg)
        self.msg, self.file, self.line, self.column = msg, file, line, column


_COORD = re.compile(r"^(.*?):(\d+)(?::(\d+))?: (.*)$", re.DOTALL)


def parse_c(text: str, path: str) -> c_ast.FileAST:
    """The syntax tree of preprocessed ``text`` (``# N "file"`` lines name the files)."""
    parser = _Parser()
    try:
        return parser.parse(text, path)
    except _Located as exc:
        raise UsageError(_message(exc.msg), exc.file or path, exc.line or None,
                         exc.column or None) from None
    except c_parser.ParseError as exc:  # (raised without our hook: file:line:col: msg)
        m = _COORD.match(str(exc))
        if m is None:
            raise UsageError(f"syntax error: {exc}", path) from None
        col = int(m.group(3)) if m.group(3) else None
        raise UsageError(_message(m.group(4)), m.group(1) or path, int(m.group(2)),
                         col) from None
    except RecursionError:
        raise UsageError("the code is nested too deeply to parse", path,
                         deepest_line(text, path)) from None


def deepest_line(text: str, path: str) -> int:
    """The line of ``path`` in preprocessed ``text`` where brackets nest deepest."""
    depth = best = 0
    where, line, file = 1, 1, ""
    for raw in text.split("\n"):
        m = re.match(r'# (\d+) "(.*)"$', raw)
        if m:
            line, file = int(m.group(1)), m.group(2)
            continue
        for ch in raw:
            depth += 1 if ch in "([{" else -1 if ch in ")]}" else 0
            if depth > best and file in ("", path):
                best, where = depth, line
        line += 1
    return where


def _message(msg: str) -> str:
    if msg.startswith("before: "):
        return f"syntax error before '{msg[len('before: '):]}'"
    return f"syntax error: {msg[0].lower() + msg[1:] if msg else msg}"
