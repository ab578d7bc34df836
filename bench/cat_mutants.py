"""One-edit mutants of cat and bell files, each a model for bench/cat_mutate.py.

:func:`edits` lists every one-edit mutant of one file's text as :class:`Edit`\\ s: the
kind names the edit, the rest says where and what (:func:`apply` makes the text).
Kinds: ``drop-check`` (an ``acyclic``, ``irreflexive``, ``empty`` or ``flag``
statement deleted), ``check-kind`` (``acyclic`` made ``irreflexive``, ``irreflexive``
``acyclic``, ``empty`` ``acyclic``), ``flag-test`` (``flag ~empty`` made ``flag
empty``), ``flag-name`` (a flag renamed), ``operator`` (one of ``| & ; \\`` made
another), ``drop-term`` (``| TERM`` deleted from a union), ``rename`` (a name used
made another name the model defines or herd gives), ``postfix`` (``^-1 * + ?`` added
after a name or bracket, or one dropped or made another), ``complement`` (``~``
added before a name or dropped).  Edits are made on the tokens of smpcheck's cat
lexer, in the statements that start a line (``let`` and the checks; not ``enum``,
``instructions``, ``include``), and need not give a model herd7 accepts: one that
both tools reject is no disagreement.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from smpcheck.cat.lexer import Token, tokenize
from smpcheck.records import record

CHECK_KIND = {"acyclic": "irreflexive", "irreflexive": "acyclic", "empty": "acyclic"}
CHECKS = frozenset(CHECK_KIND) | {"flag"}
EDITED = CHECKS | {"let"}  # the statements whose insides are edited
OPERATORS = ("|", "&", ";", "\\")
POSTFIX = ("^-1", "*", "+", "?")
# names herd gives every C execution (renames may pick them too)
GIVEN = ("po", "rf", "co", "fr", "loc", "int", "ext", "addr", "data", "ctrl", "rmw", "id",
         "po-loc", "rfe", "rfi", "coe", "fre", "M", "R", "W", "IW", "FW", "F", "_", "0")
OPENERS, CLOSERS = frozenset("([{"), frozenset(")]}")
# what ends a union's term at its own depth
TERM_END = CLOSERS | {"|", ",", "EOF", "and", "in", "as", "then", "else", "with", "end", "||"}
NOT_USES = frozenset({"let", "rec", "and", "as", "with", "fun", "enum", "instructions"})


@record
class Edit:
    """Replace ``text[start:end]`` of file ``name`` by ``new``; ``kind`` as above."""

    kind: str
    name: str
    start: int
    end: int
    new: str
    line: int

    def tag(self, text: str) -> str:
        """The edit in a few words: ``FILE:LINE 'old' -> 'new'``."""
        old = " ".join(text[self.start:self.end].split())
        return f"{self.name}:{self.line} {old[:60]!r} -> {self.new!r}"


def apply(edit: Edit, text: str) -> str:
    """``text`` with ``edit`` made."""
    return text[:edit.start] + edit.new + text[edit.end:]


def edits(name: str, text: str, names: list[str], rng: random.Random) -> list[Edit]:
    """Every one-edit mutant of file ``name`` (text ``text``); renames pick two of
    ``names`` per use (by ``rng``)."""
    toks = tokenize(text, name)
    out: list[Edit] = []
    for first, last in _statements(toks):
        if toks[first].kind not in EDITED:
            continue
        stmt = toks[first:last + 1]  # (ends with the next statement's first token)
        out += _checks(name, stmt)
        out += _inside(name, stmt, names, rng)
    return out


def defined(text: str, name: str = "<string>") -> list[str]:
    """The names a file's ``let`` statements define (``let rec ... and`` too)."""
    toks = tokenize(text, name)
    return [t.text for i, t in enumerate(toks[1:], 1)
            if t.kind == "IDENT" and toks[i - 1].kind in ("let", "rec", "and")]


def _statements(toks: list[Token]) -> Iterator[tuple[int, int]]:
    """(first token, the next statement's first token) of each statement: a token at
    the start of a line starts one."""
    starts = [i for i, t in enumerate(toks) if t.col == 1 or t.kind == "EOF"]
    yield from zip(starts, starts[1:], strict=False)


def _edit(kind: str, name: str, tok: Token, new: str, end: int | None = None) -> Edit:
    return Edit(kind, name, tok.offset, tok.offset + len(tok.text) if end is None else end,
                new, tok.line)


def _checks(name: str, stmt: list[Token]) -> Iterator[Edit]:
    head, nxt = stmt[0], stmt[-1]
    if head.kind not in CHECKS:
        return
    yield _edit("drop-check", name, head, "", nxt.offset)
    if head.kind in CHECK_KIND:
        yield _edit("check-kind", name, head, CHECK_KIND[head.kind])
    if head.kind == "flag" and stmt[1].text == "~":
        yield _edit("flag-test", name, stmt[1], "")
    for i, tok in enumerate(stmt[:-2]):
        if tok.kind == "as" and head.kind == "flag":
            yield _edit("flag-name", name, stmt[i + 1], stmt[i + 1].text + "-x")


def _inside(name: str, stmt: list[Token], names: list[str], rng: random.Random
            ) -> Iterator[Edit]:
    for i, tok in enumerate(stmt[1:-1], 1):
        prev, nxt = stmt[i - 1], stmt[i + 1]
        if tok.kind in OPERATORS:
            yield from (_edit("operator", name, tok, op) for op in OPERATORS if op != tok.text)
            if tok.text == "|":
                yield _edit("drop-term", name, tok, "", stmt[_term_end(stmt, i + 1)].offset)
        if _is_use(prev, tok, nxt):
            for other in rng.sample([n for n in names if n != tok.text], 2):
                yield _edit("rename", name, tok, other)
            yield _edit("complement", name, tok, "~" + tok.text)
        if tok.kind == "IDENT" and prev.kind not in NOT_USES or tok.kind in (")", "]"):
            yield from (_edit("postfix", name, tok, tok.text + op) for op in POSTFIX
                        if nxt.text != op)
        if _is_postfix(prev, tok, nxt):
            yield _edit("postfix", name, tok, "")
            yield from (_edit("postfix", name, tok, op) for op in POSTFIX if op != tok.text)
        if tok.kind == "~" and nxt.kind != "empty":
            yield _edit("complement", name, tok, "")


def _is_use(prev: Token, tok: Token, nxt: Token) -> bool:
    """Whether ``tok`` is a name used (not defined, not a check's name)."""
    return tok.kind == "IDENT" and prev.kind not in NOT_USES and nxt.text != "="


def _is_postfix(prev: Token, tok: Token, nxt: Token) -> bool:
    """Whether ``tok`` is a postfix operator (``*`` may also be a product)."""
    if tok.kind in ("^-1", "?", "+"):
        return True
    ends_term = nxt.col == 1 or nxt.kind in TERM_END or nxt.kind in OPERATORS
    return tok.kind == "*" and (prev.kind == "IDENT" or prev.kind in CLOSERS) and ends_term


def _term_end(stmt: list[Token], i: int) -> int:
    """The index of the token after the union term starting at ``stmt[i]``."""
    depth = 0
    for k in range(i, len(stmt)):
        tok = stmt[k]
        if depth == 0 and k > i and (tok.kind in TERM_END or tok.col == 1):
            return k
        depth += tok.kind in OPENERS
        depth -= tok.kind in CLOSERS
        if depth < 0:
            return k
    return len(stmt) - 1
