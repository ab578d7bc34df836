"""Fuzzing ``smpcheck-herd``: mutated litmus tests, mutated model files, random command lines.

* Litmus tests: mutants of the kernel's and herd's x86 tests (the edits of
  tests/litmus/test_parse_fuzz.py) run with ``-conf linux-kernel.cfg``.
* Model files: the kernel's linux-kernel.cfg, .bell, .cat, .def and lock.cat are
  copied to a temporary directory (never into the project) and one of them is
  mutated before SB+poonceonces is run with ``-I`` that directory.
* Command lines: random sequences of herd7's options with good and bad values
  and files that exist, do not exist, or are directories.

Every run exits 0, 1, 2 or 3, never 4, prints no traceback, and exit 2 comes with
a message naming a file of the run (or, for a bad option, the option).  Examples
are fixed (derandomized) and runs bounded by ``-timeout``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.litmus.conftest import kernel_litmus_files, lkmm_dir, x86_rows
from tests.litmus.test_cli_fuzz import check_exit
from tests.litmus.test_parse_fuzz import INLINE_C, INLINE_X86, mutants
from tests.support.herd import herd

MODEL_FILES = ("linux-kernel.cfg", "linux-kernel.bell", "linux-kernel.cat",
               "linux-kernel.def", "lock.cat")
SB = "litmus-tests/SB+poonceonces.litmus"


def fuzz(examples: int) -> settings:
    """Fixed examples, no deadline, fixtures reused across examples (cleaned by hand)."""
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def lkmm() -> Path:
    path = lkmm_dir()
    if not (path / "linux-kernel.cfg").is_file():
        pytest.skip(f"shared LKMM data absent at {path}")
    return path


@pytest.fixture(scope="module")
def model_texts(lkmm: Path) -> dict[str, str]:
    return {name: (lkmm / name).read_text() for name in MODEL_FILES}


@pytest.fixture(scope="module")
def corpus(lkmm: Path) -> list[str]:
    paths = [*kernel_litmus_files(), *(lkmm / "x86" / row["file"] for row in x86_rows())]
    texts = [path.read_text() for path in paths]
    return [INLINE_C, INLINE_X86, *texts[:: max(1, len(texts) // 30)]]


@fuzz(60)
@given(data=st.data())
def test_herd_on_mutated_litmus_tests(lkmm: Path, corpus: list[str], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      data: st.DataObject) -> None:
    path = tmp_path / "mutant.litmus"
    path.write_text(data.draw(mutants(corpus)), encoding="utf-8")
    out = herd(capsys, "-conf", lkmm / "linux-kernel.cfg", "-timeout", "2", path)
    check_exit(out.status, out.err, path, prog="smpcheck-herd")


@fuzz(40)
@given(data=st.data())
def test_herd_on_mutated_model_files(lkmm: Path, model_texts: dict[str, str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     data: st.DataObject) -> None:
    models = tmp_path / "model"
    shutil.rmtree(models, ignore_errors=True)
    models.mkdir()
    for name, text in model_texts.items():
        (models / name).write_text(text)
    victim = data.draw(st.sampled_from(MODEL_FILES))
    (models / victim).write_text(data.draw(mutants([model_texts[victim]])), encoding="utf-8")
    out = herd(capsys, "-I", models, "-conf", "linux-kernel.cfg", "-timeout", "2", lkmm / SB)
    check_exit(out.status, out.err, *[models / n for n in MODEL_FILES], lkmm / SB,
               "linux-kernel.cfg", prog="smpcheck-herd")


OPTIONS = ["-conf", "-model", "-cat", "-bell", "-macros", "-I", "-variant", "-speedcheck",
           "-timeout", "-o", "-show", "-gv", "-version", "--conf", "-", "-nosuch", "-help"]


def _values(lkmm: Path, tmp: Path) -> list[str]:
    return [str(lkmm / "linux-kernel.cfg"), str(lkmm / "linux-kernel.cat"), str(lkmm),
            str(lkmm / SB), str(lkmm / "linux-kernel.def"), str(lkmm / "lock.cat"),
            "linux-kernel.cfg", "sc.cat", "x86tso.cat", str(tmp / "missing.cat"), str(tmp),
            "true", "fast", "all", "prop", "none", "0", "-1", "1e9", "nan", "lkmmv2,x", "",
            "\x1b[2J", str(lkmm / "x86" / "herdtools7" / "catalogue" / "x86" / "tests")]


@fuzz(60)
@given(data=st.data())
def test_random_command_lines(lkmm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # -gv finds no viewer: DOT is printed
    out_dir = tmp_path / "out"
    words = st.sampled_from(OPTIONS) | st.sampled_from(_values(lkmm, tmp_path))
    argv = data.draw(st.lists(words, max_size=8))
    if "-o" in argv:
        argv = [str(out_dir) if a == str(tmp_path) else a for a in argv]
    out = herd(capsys, *argv, "-timeout", "2", lkmm / SB)
    assert out.status in (0, 1, 2, 3), (argv, out.err)
    assert "Traceback" not in out.err and "internal bug" not in out.err, (argv, out.err)
    if out.status == 2:
        assert re.match(r"smpcheck-herd: error: \S", out.err), out.err
        named = [a for a in argv if a and (a in out.err or a.lstrip("-") in out.err)]
        assert named or "no litmus file" in out.err or "linux-kernel" in out.err, (argv,
                                                                                    out.err)
