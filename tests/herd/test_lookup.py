"""Where smpcheck-herd finds the files it is given, as herd7 7.58 finds them.

herd7 looks a ``-conf`` file, and the model, bell and macro files a cfg names,
up in the current directory first, then in each ``-I`` directory in the order
given (checked with herd7: a broken copy earlier in that order is the one it
reads).  smpcheck also tries the cfg's own directory, after those.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need_lkmm
from tests.support.herd import herd

SB = "litmus-tests/SB+poonceonces.litmus"


def test_cfg_found_in_an_include_directory_from_elsewhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    lkmm = need_lkmm()
    monkeypatch.chdir(tmp_path)
    out = herd(capsys, "-I", lkmm, "-conf", "linux-kernel.cfg", lkmm / SB)
    assert out.status == 0, out.err
    assert "Observation SB+poonceonces Sometimes 1 3" in out.out


def test_first_include_directory_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lkmm = need_lkmm()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "linux-kernel.cfg").write_text("model linux-kernel.cat\nnot-a-key 1\n")
    monkeypatch.chdir(tmp_path)
    out = herd(capsys, "-I", broken, "-I", lkmm, "-conf", "linux-kernel.cfg", lkmm / SB)
    assert out.status == 2
    assert f"{broken / 'linux-kernel.cfg'}:2:1: unknown cfg key 'not-a-key'" in out.err
    out = herd(capsys, "-I", lkmm, "-I", broken, "-conf", "linux-kernel.cfg", lkmm / SB)
    assert out.status == 0, out.err


def test_current_directory_first_for_the_files_a_cfg_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    lkmm = need_lkmm()
    (tmp_path / "linux-kernel.cat").write_text('"broken"\nlet x = (\n')
    monkeypatch.chdir(tmp_path)
    out = herd(capsys, "-I", lkmm, "-conf", "linux-kernel.cfg", lkmm / SB)
    assert out.status == 2 and f"{tmp_path / 'linux-kernel.cat'}:2:10:" in out.err, out.err


def test_missing_cfg_says_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = herd(capsys, "-I", "nowhere", "-conf", "linux-kernel.cfg", "t.litmus")
    assert out.status == 2 and "Traceback" not in out.err
    assert "cannot find configuration file 'linux-kernel.cfg'; searched: ., nowhere" in out.err


@pytest.mark.parametrize("option", ["-macros", "-conf", "-model", "-bell", "litmus"])
def test_names_no_file_can_have(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch, option: str) -> None:
    """A name longer than the system allows (ENAMETOOLONG, where pathlib's is_file()
    raises) is a file not found, exit 2, for every file the command line names."""
    lkmm = need_lkmm()
    monkeypatch.chdir(tmp_path)
    long = "a" * 300 + ".x"
    args = ["-I", lkmm, "-conf", "linux-kernel.cfg"]
    args += [long] if option == "litmus" else [option, long, lkmm / SB]
    out = herd(capsys, *args)
    assert out.status == 2 and "Traceback" not in out.err, out.err
    assert long in out.err
