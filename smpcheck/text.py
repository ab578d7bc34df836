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

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_BLOCK_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
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
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def printable_block(text: str) -> str:
    """``text`` safe to print to a terminal as lines: as :func:`printable`, but
    newlines and tabs are kept."""
    return _BLOCK_UNSAFE.sub(_escape, text) if _BLOCK_UNSAFE.search(text) else text


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    special = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(ch)
    if special is not None:
        return special
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
