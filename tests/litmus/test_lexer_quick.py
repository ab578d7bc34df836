"""The litmus lexer's quick path (blanks, then a name or an operator that cannot open a
comment, matched by one regular expression) gives exactly the tokens, positions and
errors of the slow path it stands in for: the oracle is the slow path alone, in both
modes (C bodies and the rest), on the kernel's litmus tests, slices of them and
generated text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpcheck.litmus import lexer as L
from smpcheck.litmus.syntax import LitmusError
from tests.litmus.conftest import kernel_litmus_files

NEVER = re.compile(r"(?!)")


def _tokens(text: str, c_code: bool) -> Any:
    ts = L.TokenStream(text, "t.litmus")
    ts.set_c_code(c_code)
    out = []
    try:
        while True:
            tok = ts.advance()
            out.append(tuple(tok))
            if tok.kind == L.EOF:
                return out
    except LitmusError as exc:
        return [*out, ("error", str(exc))]


def _same(text: str, c_code: bool) -> None:
    quick = _tokens(text, c_code)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(L, "_WORD_RE", NEVER)
        slow = _tokens(text, c_code)
    assert quick == slow


def test_kernel_tests() -> None:
    files = kernel_litmus_files()
    if not files:
        pytest.skip("no shared litmus tests")
    for path in files:
        for c_code in (False, True):
            _same(path.read_text(), c_code)


@given(st.integers(0, 10_000), st.integers(0, 120), st.booleans())
def test_slices(start: int, length: int, c_code: bool) -> None:
    files = kernel_litmus_files()
    if not files:
        pytest.skip("no shared litmus tests")
    text = files[start % len(files)].read_text()
    start %= len(text)
    _same(text[start:start + length], c_code)


@given(st.text(st.sampled_from(list("ab_-.>()*[]{}|&\\;+?~,=^1'\"/0:%!<$ \n\t\u00e9")),
               max_size=40), st.booleans())
def test_generated(text: str, c_code: bool) -> None:
    _same(text, c_code)
