"""Fuzzing: whatever the input, parse_litmus returns a tree or raises LitmusError.

Inputs are real tests (the shared kernel and x86 files when present, and two
inline tests that exercise the rarer forms) with characters and tokens
deleted, duplicated, swapped or inserted, bits of characters flipped, odd
unicode put in, identifiers replaced by random ones, or cut short; plus token
soups.  Fixed examples (derandomized) keep the cost steady.
Any other exception (IndexError, ValueError, RecursionError, ...) fails.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smpcheck.litmus import CTest, LitmusError, X86Test, parse_litmus

INLINE_C = r"""C inline+c
"description"
Key=value
(* Result: Sometimes *)
{
  int x = 1; y=-2; int *p = &x; 0:r1 = x; atomic_t v = ATOMIC_INIT(1); spinlock_t l; [z]=3;
}

P0(int *x, int **p, spinlock_t *l) // comment
{
	int r0, *r2 = &x;
	unsigned long r3 = (unsigned long)r2;
	/* block comment */
	{ r0 = READ_ONCE(*x) + 2 * 3 - (r0 << 1) % 4; }
	if (r0 == 1 && !r0 || ~r0 >= -1) {
		WRITE_ONCE(*x, r0 ? 1 : 2);
	} else if (r0)
		r0 += 1;
	else
		r0++;
	while (READ_ONCE(*x) != 0)
		cpu_relax();
	*p = x;
	return;
}

P1(void)
{
}

locations [x; 0:r0; [y]]
filter (0:r0=1 \/ ~(x=1))
~exists (0:r0=1 /\ x=y /\ 0:r1=[y] /\ [x]!=-3 /\ *x==0 => true \/ not false) ; (* end *)
"""

INLINE_X86 = r"""X86_64 inline+x86
{ x=0; 0:rax=1; 1:rbx=x; }
 P0                  | P1              ;
 lock xaddl %eax,(x) | L0:             ;
 movq $1,8(%rax)     | movl (x),%eax   ;
 mfence              | cmpl $-1,%eax   ;
 xchgl (x),%ebx      | jne L0          ;
exists (0:rax=0 \/ [x]=1 /\ 1:rax!=x)
"""

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_INSERTS = [*"{}()[];|:*&$%/\\~=,-\"\n", "(*", "*)", "/*", "//", "P0", "P1(int *x)",
            "exists", "0:", "/\\", "\\/", "LOCK", "~exists", "'", "\x00", "é"]
ODD = ["\u00e9", "\u202e", "\u2028", "\u00a0", "\ufeff", "\U0001f600", "\x1b", "\r",
       "\x7f", "\u0301", "\ufffd", "\u0660"]
"""Odd characters: accents, direction overrides, separators, escapes, emoji."""
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True) | st.sampled_from(
    ["continue", "return", "exists", "P0", "P7", "int", "if", "NULL", "filter", "r0", "x"])
_VOCABULARY = [*_INSERTS, "x", "r0", "1", "-1", "0x10", "MOV", "EAX", "[x]", "$1", "%eax",
               "if", "else", "while", "int", "READ_ONCE", "locations", "filter", "forall",
               "not", "true", "false", "=>", "==", "!=", "++", "+="]


@st.composite
def mutants(draw: st.DrawFn, texts: list[str]) -> str:
    """A text from ``texts`` after one to four random edits."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(_edits(text))
    return text


def _edits(text: str) -> st.SearchStrategy[str]:
    if not text:
        return st.sampled_from(_INSERTS)
    n = len(text)
    tokens = _TOKEN.findall(text)
    t = len(tokens)
    index, token = st.integers(0, n - 1), st.integers(0, t - 1)
    words = [k for k, tok in enumerate(tokens) if re.fullmatch(r"[A-Za-z_]\w*", tok)]
    word = st.sampled_from(words) if words else token
    return st.one_of(
        st.tuples(index, st.integers(0, 7)).map(
            lambda a: text[:a[0]] + _flip(text[a[0]], a[1]) + text[a[0] + 1:]),
        st.tuples(index, st.sampled_from(ODD)).map(
            lambda a: text[:a[0]] + a[1] + text[a[0] + 1:]),
        st.tuples(word, IDENTIFIERS).map(
            lambda a: "".join(tokens[:a[0]] + [a[1]] + tokens[a[0] + 1:])),
        index.map(lambda i: text[:i] + text[i + 1:]),
        index.map(lambda i: text[:i] + text[i] + text[i:]),
        index.map(lambda i: text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]),
        st.tuples(index, st.sampled_from(_INSERTS)).map(
            lambda a: text[:a[0]] + a[1] + text[a[0]:]),
        index.map(lambda i: text[:i]),
        token.map(lambda i: "".join(tokens[:i] + tokens[i + 1:])),
        token.map(lambda i: "".join(tokens[:i + 1] + tokens[i:])),
        st.tuples(token, token).map(lambda ij: "".join(_swap(tokens, *ij))),
    )


def _flip(ch: str, bit: int) -> str:
    """``ch`` with one bit of its code point flipped (a byte flip, kept decodable)."""
    flipped = chr(ord(ch) ^ (1 << bit))
    return flipped if flipped.isprintable() or flipped in "\n\t" else "\x00"


def _swap(tokens: list[str], i: int, j: int) -> list[str]:
    swapped = list(tokens)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    return swapped


def check(text: str) -> None:
    """parse_litmus gives a tree, or a LitmusError that points inside ``text``."""
    try:
        tree = parse_litmus(text, "mutant.litmus")
    except LitmusError as error:
        assert error.path == "mutant.litmus"
        assert error.line is not None and 1 <= error.line <= text.count("\n") + 1
        assert error.column is not None and error.column >= 1
        assert error.message
    else:
        assert isinstance(tree, CTest | X86Test)


@pytest.fixture(scope="session")
def corpus(shared_litmus_texts: list[str]) -> list[str]:
    return [INLINE_C, INLINE_X86, *shared_litmus_texts]


def test_inline_samples_parse() -> None:
    assert isinstance(parse_litmus(INLINE_C), CTest)
    assert isinstance(parse_litmus(INLINE_X86), X86Test)


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_tests_parse_or_raise_litmus_error(corpus: list[str], data: st.DataObject) -> None:
    check(data.draw(mutants(corpus)))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(prefix=st.sampled_from(["C t\n{}\n", "C t\n{}\nP0(int *x)\n{\n", "X86 t\n{}\n P0 ;\n"]),
       soup=st.lists(st.sampled_from(_VOCABULARY), max_size=40))
def test_token_soup_parses_or_raises_litmus_error(prefix: str, soup: list[str]) -> None:
    check(prefix + " ".join(soup))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.text(max_size=200))
@example(text="\x1c")
@example(text="\u2028 C x\n{}")
def test_arbitrary_text_parses_or_raises_litmus_error(text: str) -> None:
    check(text)
    check("C t\n" + text)
