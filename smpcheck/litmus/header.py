r"""The head of a litmus file, read by herd7's rules: first line, then up to the init block.

The first line is ``ARCH NAME``: the name is the longest run of letters,
digits and ``_ / . - + [ ] :`` after the architecture, less one ``.litmus``
suffix (herd's test names; ``--`` names the test after its file).  What
follows on that line may be ``(TEXNAME)``, then a ``"description"`` (there
or alone on the next line), then ``;``.

Up to the ``{`` that opens the init block, herd reads line by line, and so
does this module:

* ``Key=Value`` lines are the test's information (``Cycle=...``);
* ``(*`` ending a line (or followed by ``{``) opens a comment that nests and
  ends at its matching ``*)``; a ``{`` inside it is text;
* anything else is skipped to the end of its line or to a ``{``.

So a one-line ``(* ... *)`` is text like any other, a ``*)`` inside a comment
body (``(* see auto/C-RW-*) ... *)``) ends the comment early and leaves the
rest of its line to be skipped, a second ``C name`` line is skipped, and a
``{`` on a line that is not inside a comment opened at the end of a line
starts the init block.  The text of comments and skipped lines is the test's
``doc`` (where a `` * Result: Never`` line states the expected outcome).
"""

from __future__ import annotations

import re

from smpcheck.litmus.lexer import TokenStream
from smpcheck.records import record

ARCHES = {"C": "C", "X86": "X86", "X86_64": "X86_64"}
"""The architectures smpcheck reads, by the spelling of the first line (upper-cased)."""

HERD_ONLY_ARCHES = frozenset({
    "AARCH64", "ARM", "PPC", "MIPS", "RISCV", "LISA", "BPF", "CPP", "JAVA", "ASL",
    "AARCH32", "OPENCL", "GPU_PTX",
})
"""Architectures herd7 reads and smpcheck does not."""

_ARCH = re.compile(r"[ \t\r]*([A-Za-z0-9_]+)")
_NAME = re.compile(r"[ \t\r]+([A-Za-z0-9_/.\-+\[\]:]+)[ \t\r]*")
_TEXNAME = re.compile(r"\([A-Za-z][A-Za-z0-9_/.\-]*\)[ \t\r]*")
_DESCRIPTION = re.compile(r"\n?[ \t\r]*\"([^\"]*)\"[ \t\r]*")
_KEY_VALUE = re.compile(r"([A-Za-z][A-Za-z0-9_/.\-]*)[ \t\r]*=[ \t\r]*([^\n\r]*)\r?\n")
_SKIPPED = re.compile(r"[^\n{]+")


@record
class Header:
    """What precedes the init block; ``init`` is the offset of its ``{`` (or of the
    end of the file when there is none)."""

    arch: str
    name: str
    description: str | None
    info: tuple[tuple[str, str], ...]
    doc: str
    init: int


def read_header(ts: TokenStream, file_stem: str) -> Header:
    """Read the first line and the header of ``ts``'s text; leave ``ts`` at the init block."""
    text = ts.text
    start = len(text) - len(text.lstrip("\ufeff \t\r\n\f\v"))
    if start == len(text):
        ts.error_at(0, "empty file: expected a first line such as 'C NAME' or 'X86 NAME'")
    arch, pos = _arch(ts, start)
    name, pos = _name(ts, pos, arch, file_stem)
    texname = _TEXNAME.match(text, pos)
    pos = texname.end() if texname else pos
    description = None
    quoted = _DESCRIPTION.match(text, pos)
    if quoted:
        description, pos = quoted.group(1), quoted.end()
    if text.startswith(";", pos):
        pos += 1
    info, pieces, pos = _scan(ts, pos)
    ts.pos = pos
    return Header(arch, name, description, tuple(info), _doc(pieces), pos)


def _arch(ts: TokenStream, start: int) -> tuple[str, int]:
    m = _ARCH.match(ts.text, start)
    word = m.group(1) if m else _first_word(ts.text, start)
    arch = ARCHES.get(word.upper())
    if m is None or arch is None:
        if not word:
            ts.error_at(start, "expected a first line such as 'C NAME' or 'X86 NAME'")
        if word.upper() in HERD_ONLY_ARCHES:
            ts.error_at(start, f"{word} litmus tests are not supported: smpcheck reads C, "
                               "X86 and X86_64 tests")
        ts.error_at(start, f"unknown architecture {word!r}: the first line must read "
                           "'C NAME', 'X86 NAME' or 'X86_64 NAME'")
    return arch, m.end()


def _first_word(text: str, start: int) -> str:
    end = start
    while end < len(text) and end - start < 20 and text[end] not in " \t\r\n":
        end += 1
    return text[start:end]


def _name(ts: TokenStream, pos: int, arch: str, file_stem: str) -> tuple[str, int]:
    m = _NAME.match(ts.text, pos)
    if m is None:
        rest = ts.text[pos:].split("\n", 1)[0].strip()
        if not rest:
            ts.error_at(pos, f"missing test name after {arch!r} on the first line")
        if ts.text[pos] not in " \t\r":
            ts.error_at(pos, f"expected a blank between {arch!r} and the test name")
        ts.error_at(pos + ts.text[pos:].index(rest[0]),
                    f"bad test name {rest.split()[0][:40]!r}: a name is made of letters, "
                    "digits and _ / . - + [ ] :")
    name = m.group(1)
    if name == "--":
        name = file_stem
    return name.removesuffix(".litmus"), m.end()


def _scan(ts: TokenStream, pos: int) -> tuple[list[tuple[str, str]], list[str], int]:
    """Herd's walk from the first line to the init block: (info, doc pieces, offset)."""
    text = ts.text
    info: list[tuple[str, str]] = []
    pieces: list[str] = []
    while pos < len(text):
        ch = text[pos]
        if ch == "\n":
            pos += 1
        elif ch == "{":
            break
        elif (kv := _KEY_VALUE.match(text, pos)) is not None:
            info.append((kv.group(1), kv.group(2).strip()))
            pos = kv.end()
        elif text.startswith("(*", pos) and text[pos + 2:pos + 3] in ("", "\n", "{"):
            end = ts.ocaml_comment_end(pos)
            pieces.append(text[pos + 2:end - 2])
            pos = end
        else:
            skipped = _SKIPPED.match(text, pos)
            assert skipped is not None
            pieces.append(_unwrap(skipped.group()))
            pos = skipped.end()
    return info, pieces, pos


def _unwrap(line: str) -> str:
    """A skipped line as doc text: a one-line ``(* ... *)`` without its delimiters."""
    stripped = line.strip()
    if stripped.startswith("(*"):
        line = line[line.index("(*") + 2:]
        if line.rstrip().endswith("*)"):
            line = line.rstrip()[:-2]
    return line


def _doc(pieces: list[str]) -> str:
    lines = [line.rstrip() for piece in pieces for line in piece.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)
