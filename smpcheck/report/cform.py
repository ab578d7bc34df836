"""Model code and values as a kernel reader writes them: C operators, ``->``, hex.

A trace row shows the model's source line.  The model is Python; the reader thinks
in C.  :func:`c_form` rewrites one line token by token, keeping its spacing:

* ``not x`` -> ``!x``, ``and`` -> ``&&``, ``or`` -> ``||``, ``is (not)`` -> ``==`` (``!=``),
  ``None`` -> ``NULL``, ``True``/``False`` -> ``true``/``false``, ``//`` -> ``/``;
* ``if c:`` -> ``if (c)``, ``elif c:`` -> ``else if (c)``, ``while c:`` ->
  ``while (c)``, ``else:`` -> ``else``;
* ``p.a`` -> ``p->a`` when ``p`` is not one of the file's global objects (a local or a
  parameter holds a pointer; a global is the object itself): ``sp.role.level`` ->
  ``sp->role.level``, ``kvm.arch.x`` -> ``kvm->arch.x`` for a parameter ``kvm``, but
  ``g.gp`` stays for a global ``g``.  Only the first member takes ``->``: the members
  of a struct are embedded, as in the kernel's types.

A line that does not tokenize (part of a statement over several lines) is rewritten
as far as it does.  Values (:func:`show_int`): bit patterns in hex, the rule being
that an integer of at least 0x100 (256) in magnitude prints as hex (sptes, flags,
masks); smaller ones, the counters and indices of a bounded model, in decimal.
"""

from __future__ import annotations

import io
import sys
import tokenize
from collections.abc import Callable

HEX_FROM = 0x100

_WORDS = {"and": "&&", "or": "||", "None": "NULL", "True": "true", "False": "false"}
_HEADS = ("if", "elif", "while")


def show_int(value: int) -> str:
    """An integer as a trace shows it: hex from 0x100 up (a bit pattern), else decimal."""
    if abs(value) >= HEX_FROM:
        return f"-{-value:#x}" if value < 0 else f"{value:#x}"
    return str(value)


def c_form(line: str, is_global: Callable[[str], bool] = lambda name: False) -> str:
    """``line`` of model code in C form; ``is_global(name)``: whether ``name`` is a
    global object of the model file (its members are reached with ``.``)."""
    toks = _tokens(line)
    if not toks:
        return line
    out: list[str] = []
    pos = 0  # (column in line up to which the text is copied)
    head = toks[0].string if toks[0].type == tokenize.NAME else ""
    closing = head in _HEADS and _ends_with_colon(toks)
    for i, tok in enumerate(toks):
        if tok.start[0] != 1:
            break
        out.append(line[pos:tok.start[1]])
        pos = tok.end[1]
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        text = tok.string
        if tok.type == tokenize.NAME:
            text = _word(tok, prev, nxt, i, head, is_global, toks)
            if text == "!" and nxt is not None and nxt.start[1] > pos:
                pos = nxt.start[1]  # (no space after !)
            if text == "" and nxt is not None:
                pos = nxt.start[1]
        elif tok.type == tokenize.OP:
            text = _op(tok, prev, toks, i, is_global, closing)
        out.append(text)
    out.append(line[pos:])
    result = "".join(out).rstrip()
    if closing:
        kw = "else if" if head == "elif" else head
        cond = result[len(result) - len(result.lstrip()) + len(head):].strip()
        indent = result[: len(result) - len(result.lstrip())]
        return f"{indent}{kw} ({cond})"
    return result


def _tokens(line: str) -> list[tokenize.TokenInfo]:
    """The tokens of ``line`` as far as it tokenizes (comments and layout dropped)."""
    got: list[tokenize.TokenInfo] = []
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line.strip("\n")).readline):
            if tok.type not in skip:
                got.append(tok)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return got


def _ends_with_colon(toks: list[tokenize.TokenInfo]) -> bool:
    return toks[-1].type == tokenize.OP and toks[-1].string == ":" and _depth(toks) == 0


def _depth(toks: list[tokenize.TokenInfo]) -> int:
    depth = 0
    for tok in toks:
        if tok.type == tokenize.OP:
            depth += tok.string in "([{"
            depth -= tok.string in ")]}"
    return depth


def _word(tok: tokenize.TokenInfo, prev: tokenize.TokenInfo | None,
          nxt: tokenize.TokenInfo | None, i: int, head: str,
          is_global: Callable[[str], bool], toks: list[tokenize.TokenInfo]) -> str:
    name = tok.string
    if prev is not None and prev.string == ".":
        return name  # (a member: never a keyword)
    if name == "not":
        return "" if prev is not None and prev.string == "is" else "!"
    if name == "is":
        return "!=" if nxt is not None and nxt.string == "not" else "=="
    if name == "else" and i == 0:
        return "else"
    return _WORDS.get(name, name)


def _op(tok: tokenize.TokenInfo, prev: tokenize.TokenInfo | None,
        toks: list[tokenize.TokenInfo], i: int, is_global: Callable[[str], bool],
        closing: bool) -> str:
    if tok.string == "//":
        return "/"
    if tok.string == ":" and i == len(toks) - 1 and (closing or toks[0].string == "else"):
        return ""
    if tok.string == "." and prev is not None and prev.type == tokenize.NAME:
        before = toks[i - 2] if i >= 2 else None
        first = before is None or before.string != "."
        if first and not is_global(prev.string) and prev.string not in _WORDS:
            return "->"
    return tok.string


def module_globals(path: str | None) -> Callable[[str], bool]:
    """For a model file (or library module) already loaded: whether a name is one of its
    globals (an object, a class, a module), so that ``name.member`` stays."""
    if path is None:
        return lambda name: False
    for mod in list(sys.modules.values()):
        if getattr(mod, "__file__", None) == path:
            return set(vars(mod)).__contains__
    return lambda name: False


__all__ = ["HEX_FROM", "c_form", "module_globals", "show_int"]
