"""The head of a litmus file read by herd7's rules (smpcheck.litmus.header).

What herd7 7.58 does with each form was found by running it (the cases of
tests/data/herd7/cases record some); these tests pin the rules down on
generated names and layouts.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.litmus import LitmusError, parse_litmus
from smpcheck.litmus.syntax import Condition, CTest, PTrue

BODY = "{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n"
NAME_CHARS = "abcXYZ019_/.-+[]:"


def _c(head: str, body: str = BODY) -> CTest:
    test = parse_litmus(head + body, "dir/file.litmus")
    assert isinstance(test, CTest)
    return test


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.text(NAME_CHARS, min_size=1, max_size=12), st.sampled_from(["", ".litmus"]),
       st.sampled_from(["", " ", " (Tex)", ";junk", " rest of line", ' "said"', "(*x*)"]))
def test_name_is_the_run_of_name_characters_less_one_litmus_suffix(
        name: str, suffix: str, after: str) -> None:
    test = _c(f"C {name}{suffix}{after}\n")
    expected = (name + suffix).removesuffix(".litmus")
    assert test.name == expected


def test_double_dash_names_the_test_after_its_file() -> None:
    assert _c("C --\n").name == "file"


def test_description_on_the_first_or_second_line() -> None:
    assert _c('C t "one"\n').description == "one"
    assert _c('C t\n  "two"\n').description == "two"
    assert _c('C t\n\n"three"\n').description is None  # herd skips it as text


@pytest.mark.parametrize("head", [
    "C t\n(*\n * see auto/C-RW-*) and the rest is skipped *)\n *)\n",
    "C t\nC other-name\n",
    "C t\n(* one line, skipped *) (* and another\n",
    "C t\njust words; and 'quotes\" and *) too\n",
    "C t\n(*\n nested (* comment { with braces } *)\n*)\n",
])
def test_text_before_the_init_block_is_skipped(head: str) -> None:
    test = _c(head)
    assert (test.name, len(test.threads)) == ("t", 1)


def test_doc_keeps_the_result_line_and_info_the_key_values() -> None:
    test = _c("C t\n(*\n * Result: Never\n *)\nCycle=Rfe PodRR\nCom=Rf Fr\n")
    assert test.expected == "Never" and test.doc == " * Result: Never"
    assert test.info == (("Cycle", "Rfe PodRR"), ("Com", "Rf Fr"))
    assert _c("C t\n(* Result: Sometimes *)\n").expected == "Sometimes"


def test_a_brace_outside_a_comment_opened_at_a_line_end_starts_the_init_block() -> None:
    with pytest.raises(LitmusError) as info:
        _c("C t\n(* a { brace *)\n")
    assert info.value.line == 2


def test_no_condition_is_forall_true_and_final_is_exists() -> None:
    test = _c("C t\n", "{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nlocations [x]\n")
    assert test.condition == Condition("forall", PTrue())
    test = _c("C t\n", "{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nfinal (x=1)\n")
    assert test.condition.quantifier == "exists"


@pytest.mark.parametrize(("head", "message"), [
    ("C\n", "missing test name after 'C'"),
    ("C \u00e9t\n", "bad test name '\u00e9t'"),
    ("PPC t\n", "PPC litmus tests are not supported"),
    ("\x1c\n", "unknown architecture '\\x1c'"),
    ("C t\n(*\n never closed\n", "unterminated comment"),
])
def test_bad_heads(head: str, message: str) -> None:
    with pytest.raises(LitmusError) as info:
        _c(head)
    assert message in info.value.message and info.value.line == (2 if "(*" in head else 1)
