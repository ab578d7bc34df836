"""Malformed cat, bell, def, cfg and litmus files given to smpcheck-herd.

Each gets exit status 2 and one message naming the file, the line and (where
there is one) the column, never a traceback; models that are merely long are
read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need_lkmm
from tests.support.herd import herd

SB = "litmus-tests/SB+poonceonces.litmus"
SC_CAT = '"sc"\ninclude "cos.cat"\nlet com = rf | co | fr\nacyclic po | com as sc\n'


def _bad(capsys: pytest.CaptureFixture[str], where: str, words: str, *argv: object) -> None:
    out = herd(capsys, *argv)
    assert out.status == 2, out.err
    assert "Traceback" not in out.err and out.out == ""
    assert out.err.startswith(f"smpcheck-herd: error: {where}"), out.err
    assert words in out.err, out.err


@pytest.mark.parametrize("kind", ["cat", "bell", "cfg", "def", "litmus"])
def test_not_utf8(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lkmm = need_lkmm()
    bad = tmp_path / f"bad.{kind}"
    bad.write_bytes(b"(* fine *)\nlet x = po \xff\n")
    options = {"cat": ["-model", bad], "bell": ["-model", tmp_path / "sc.cat", "-bell", bad],
               "cfg": ["-conf", bad], "def": ["-conf", lkmm / "linux-kernel.cfg", "-macros", bad],
               "litmus": ["-conf", lkmm / "linux-kernel.cfg"]}[kind]
    (tmp_path / "sc.cat").write_text(SC_CAT)
    target = bad if kind == "litmus" else lkmm / SB
    _bad(capsys, f"{bad}:2:12: ", "not a UTF-8 text file: byte 0xff", *options, target)


@pytest.mark.parametrize(("body", "where", "words"), [
    ("let x = " + "(" * 5000 + "po" + ")" * 5000, ":2:", "nested deeper than 100 levels"),
    ("let x = " + "~" * 5000 + "po", ":2:", "nested deeper than 100 levels"),
    ("let x = " + "++".join(["po"] * 3000), ":2:", "nested deeper than 100 levels"),
    ("let x = po" + "^-1" * 3000, ":2:", "more than 100 postfix operators"),
    ("let f r = r\nlet x = f" + " po" * 3000, ":3:", "more than 100 arguments"),
])
def test_absurd_nesting(body: str, where: str, words: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "deep.cat"
    cat.write_text(f'"deep"\n{body}\n')
    _bad(capsys, f"{cat}{where}", words, "-model", cat, need_lkmm() / SB)


@pytest.mark.parametrize("op", [";", "|", "&"])
def test_long_associative_chains_are_read(op: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``po;po;...`` (3,000 terms) means what ``po;po;po`` means for these checks."""
    lkmm = need_lkmm()
    results = []
    for count in (3, 3000):
        cat = tmp_path / f"long{count}.cat"
        cat.write_text(SC_CAT + f"acyclic {op.join(['po'] * count)} as chain\n")
        out = herd(capsys, "-model", cat, lkmm / SB)
        assert out.status == 0, out.err
        results.append([line for line in out.out.splitlines() if line.startswith("Obs")])
    assert results[0] == results[1] == ["Observation SB+poonceonces Never 0 3"]


@pytest.mark.parametrize(("text", "where", "words"), [
    ("READ_ONCE(X) " + "(" * 5000 + "__load{once}(*X)" + ")" * 5000, ":1: ",
     "nested too deeply"),
    ("READ_ONCE(X) __load{once}(*X\n", ":1:29: ", "expected ','"),
    ("READ_ONCE(X) __load{once}(*X) junk\n", ":1:31: ", "unexpected 'junk'"),
    ("FOO(X) FOO(X)\nREAD_ONCE(X) FOO(X)\nWRITE_ONCE(X,V) __store{once}(X,V)\n", ":1: ",
     "FOO calls itself"),
])
def test_bad_macro_files(text: str, where: str, words: str, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    lkmm = need_lkmm()
    bad = tmp_path / "bad.def"
    bad.write_text(text)
    _bad(capsys, f"{bad}{where}", words, "-conf", lkmm / "linux-kernel.cfg", "-macros", bad,
         lkmm / SB)
