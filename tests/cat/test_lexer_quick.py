"""The cat lexer's quick path (names and symbols after plain blanks, matched by one
regular expression) gives exactly the tokens, positions and errors of the
character-by-character scanner it stands in for: the oracle is that scanner alone,
on the kernel's model files, slices of them and generated text."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from smpcheck.cat import lexer as L
from smpcheck.errors import UsageError
from tests.conftest import need_lkmm

FILES = ["linux-kernel.cat", "linux-kernel.bell", "lock.cat"]


def _scanner_only(text: str) -> list[L.Token]:
    """tokenize's loop with every token from _Scanner.next_token."""
    scanner = L._Scanner(text, "m.cat")
    out: list[L.Token] = []
    while True:
        tok = scanner.next_token()
        if tok.kind == "EOF" and out and "\n" not in out[-1].text:
            last = out[-1]
            tok = L.Token("EOF", "", last.line, last.col + len(last.text), tok.offset)
        out.append(tok)
        if tok.kind == "EOF":
            return out


def _outcome(fn: Any, text: str) -> Any:
    try:
        return fn(text)
    except UsageError as exc:
        return ("error", exc.message, exc.line, exc.column)


def _same(text: str) -> None:
    assert _outcome(lambda t: L.tokenize(t, "m.cat"), text) == _outcome(_scanner_only, text)


def test_kernel_files() -> None:
    for name in FILES:
        _same((need_lkmm() / name).read_text())


@given(st.sampled_from(FILES), st.integers(0, 10_000), st.integers(0, 120))
def test_slices(name: str, start: int, length: int) -> None:
    text = (need_lkmm() / name).read_text()
    start %= len(text)
    _same(text[start:start + length])


@given(st.text(st.sampled_from(list("ab_-.>()*[]{}|&\\;+?~,=^1'\"/0 \n\t\u00e9")), max_size=40))
def test_generated(text: str) -> None:
    _same(text)
