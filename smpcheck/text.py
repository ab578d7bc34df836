"""Text that comes from the user, read safely and shown safely.

Reading: :func:`read_text` decodes a litmus, cat, bell, def or cfg file as
UTF-8; a file it cannot read or decode is a :class:`~smpcheck.errors.UsageError`
naming the file and, for a bad byte, its line and column.

Showing: names and text taken from the user's files (a test's name, a model's
name, a condition, a source line) are printed to terminals, written into DOT
graphs and used to name files.  Each of those goes through one function here:

* :func:`printable` (a name, one field of a line) and :func:`printable_block`
  (lines of text) for terminal output: control characters (escape sequences
  that colour, retitle or clear a terminal, carriage returns, backspaces,
  bidirectional overrides) become visible ``\\x1b``-style escapes;
* :func:`dot_string` for the inside of a DOT ``"..."`` string;
* :func:`file_stem` for a file name made from a name: one path component,
  never ``..`` nor absolute, of safe characters only.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata

from smpcheck.errors import UsageError

_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9_.+\-=,@]")


#: The most a user's file may hold: no model, litmus test or cat file comes near it,
#: and a device or pipe that never ends (``/dev/zero``) is refused, not read forever.
MAX_BYTES = 64 << 20


def read_text(path: str | os.PathLike[str], error: type[UsageError] = UsageError,
              what: str = "file") -> str:
    """The UTF-8 text of ``path``; ``error`` (a UsageError class) if it cannot be read,
    is a directory or device, holds more than :data:`MAX_BYTES`, or is not UTF-8
    (naming the line and column of the first bad byte)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISDIR(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                raise error(f"cannot read {what}: not a regular file", name)
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", name) from None
    if len(data) > MAX_BYTES:
        raise error(f"cannot read {what}: larger than {MAX_BYTES >> 20} MiB", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start:exc.start].decode("utf-8", "replace")) + 1
        raise error(f"not a UTF-8 text file: byte 0x{data[exc.start]:02x} cannot be decoded",
                    name, line, column) from None


def printable(text: str) -> str:
    """``text`` safe to print to a terminal as one field of one line (a name): each
    control or direction-changing character, newlines included, is shown as an
    escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return text if text.isprintable() else text.translate(_ESCAPES)  # (each one is not)


def printable_block(text: str) -> str:
    """``text`` safe to print to a terminal as lines: as :func:`printable`, but
    newlines and tabs are kept."""
    return text.translate(_BLOCK_ESCAPES)


def _escape(code: int) -> str:
    special = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(chr(code))
    if special is not None:
        return special
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: The control characters (C0, DEL, C1) and those that change the text's direction or
#: break its line, each to its escape: tables for ``str.translate`` (regular expressions
#: of these classes cost about 2M instructions each to compile, on every command).
_UNSAFE = (*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, 0x2028, 0x2029,
           *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES = {code: _escape(code) for code in _UNSAFE}
_BLOCK_ESCAPES = {code: e for code, e in _ESCAPES.items() if code not in (0x09, 0x0A)}


def dot_string(text: str) -> str:
    """``text`` for the inside of a DOT quoted string: printable, with ``\\`` and ``"``
    escaped, so that it can end neither the string nor the graph."""
    return printable(text).replace("\\", "\\\\").replace('"', '\\"')


def file_stem(name: str, fallback: str = "test") -> str:
    """A file name (without suffix) made from ``name``: one path component of letters,
    digits and ``_ . + - = , @`` (anything else becomes ``_``), never empty, never
    ``.`` or ``..``, never hidden."""
    stem = _FILE_UNSAFE.sub("_", unicodedata.normalize("NFKC", name))[:200]
    stem = stem.lstrip(".")
    return stem or fallback
