"""smpcheck-herd's options, bad input, and the ring generator of bench/herd_rings.py."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpcheck.cli.main import main
from tests.conftest import need_lkmm
from tests.support.herd import herd

SB = "litmus-tests/SB+poonceonces.litmus"


def test_show_writes_dot_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = need_lkmm()
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-show", "prop", "-o", tmp_path,
               root / SB)
    assert out.status == 0
    dot = (tmp_path / "SB+poonceonces.dot").read_text()
    # one execution satisfies the proposition: both reads read the initial values
    assert dot.count("digraph") == 1 and "label=fr" in dot and "(init)" in dot


def test_gv_without_graphviz_prints_dot_after_the_block(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    root = need_lkmm()
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot, no viewer
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-gv", root / SB)
    assert out.out.index("Observation") < out.out.index("digraph")
    assert "-gv needs Graphviz's dot" in out.err


def test_gv_renders_with_dot_and_opens_a_viewer(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """A stand-in dot copies its input to the -o file; the viewer copies what it is
    given to a place the test reads."""
    root = need_lkmm()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.dot"
    _script(bin_dir / "dot", 'while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\n'
                             'cat > "$out"\n')
    _script(bin_dir / "viewer", f'cp "$1" {seen}.part && mv {seen}.part {seen}\n')
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("SMPCHECK_VIEWER", str(bin_dir / "viewer"))
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-gv", root / SB)
    assert out.status == 0 and "digraph" not in out.out and not out.err
    for _ in range(100):
        if seen.exists():
            break
        time.sleep(0.05)
    assert seen.read_text().count("digraph") == 1


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_speedcheck_stops_at_the_first_witness(capsys: pytest.CaptureFixture[str]) -> None:
    root = need_lkmm()
    full = herd(capsys, "-conf", root / "linux-kernel.cfg", root / SB)
    fast = herd(capsys, "-conf", root / "linux-kernel.cfg", "-speedcheck", "fast", root / SB)
    assert "Ok" in fast.out and "Positive: 1 Negative: 3" in full.out
    assert "Positive: 1 Negative: 3" not in fast.out


def test_subcommand_and_directory(capsys: pytest.CaptureFixture[str]) -> None:
    root = need_lkmm()
    status = main(["herd", "-conf", str(root / "linux-kernel.cfg"), str(root / SB)])
    assert status == 0 and "Observation SB+poonceonces Sometimes 1 3" in capsys.readouterr().out


@pytest.mark.parametrize("text, where", [
    ("let a = po @@ rf\n", ":1:12:"),
    ("let a = po | nosuch\nacyclic a\n", ":1:14: undefined name nosuch"),
    ("let a = po | (a ; a)\nacyclic a\n", ":1:15: undefined name a: a let"),
    ('include "missing.cat"\n', ':1:1: cannot find include file "missing.cat"'),
])
def test_bad_cat_files_name_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          text: str, where: str) -> None:
    root = need_lkmm()
    cat = tmp_path / "bad.cat"
    cat.write_text(text)
    out = herd(capsys, "-model", cat, root / "x86/herdtools7/catalogue/x86/tests/SB.litmus")
    assert out.status == 2 and f"{cat}{where}" in out.err
    assert "Traceback" not in out.err


def test_bad_cfg_def_and_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = need_lkmm()
    cfg = tmp_path / "a.cfg"
    cfg.write_text("macros linux-kernel.def\nmodel nothere.cat\n")
    out = herd(capsys, "-conf", cfg, root / SB)
    assert out.status == 2 and f"{cfg}:2: cannot find model 'nothere.cat'" in out.err
    cfg.write_text("bogus 1\n")
    assert f"{cfg}:1:1: unknown cfg key 'bogus'" in herd(capsys, "-conf", cfg, root / SB).err
    bad_def = tmp_path / "bad.def"
    bad_def.write_text("READ_ONCE(X) __load{ONCE}(X)\nWRITE_ONCE(X,V) { __frob(X,V); }\n")
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-macros", bad_def, root / SB)
    assert out.status == 2 and f"{bad_def}:2: macro WRITE_ONCE: unknown primitive" in out.err
    out = herd(capsys, "-frob", root / SB)
    assert out.status == 2 and "unknown option '-frob'" in out.err
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", tmp_path / "none.litmus")
    assert out.status == 2 and "none.litmus: cannot read litmus file" in out.err


def test_a_def_file_is_the_source_of_macros(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """With a def file lacking smp_mb, a test calling it is rejected; with WRITE_ONCE
    defined as a release store, SB's counts follow the def, not smpcheck's API."""
    root = need_lkmm()
    small = tmp_path / "small.def"
    small.write_text("READ_ONCE(X) __load{ONCE}(X)\nWRITE_ONCE(X,V) { __store{ONCE}(X,V); }\n")
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-macros", small,
               root / "litmus-tests/SB+fencembonceonces.litmus")
    assert out.status == 2 and "unknown function or macro 'smp_mb' (not in small.def)" in out.err
    out = herd(capsys, "-conf", root / "linux-kernel.cfg", "-macros", small, root / SB)
    assert "Observation SB+poonceonces Sometimes 1 3" in out.out


def test_ring_generator_smoke(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "herd_rings", Path(__file__).resolve().parents[2] / "bench" / "herd_rings.py")
    assert spec is not None and spec.loader is not None
    rings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rings)
    files = rings.write_rings(tmp_path, [6])
    assert [(k, n) for k, n, _ in files] == [("rcu", 6), ("mp", 6)]
    text = files[0][2].read_text()
    assert text.count("synchronize_rcu();") == 3 and text.count("rcu_read_lock();") == 3


# Paths as a user may write them: parts among these, joined by "/" (posix).
_PATHS = st.lists(st.sampled_from(["", ".", "..", "a", "b.litmus", ".c", "d.", "e.f.g"]),
                  min_size=1, max_size=5).map("/".join)


@given(_PATHS)
def test_files_and_stems_are_named_as_pathlib_names_them(path: str) -> None:
    """smpcheck-herd names a litmus file and a test without a name as pathlib did (it no
    longer imports pathlib for a name written plainly)."""
    from pathlib import PurePosixPath

    from smpcheck.herd.config import litmus_files
    from smpcheck.litmus.parse_common import stem

    assert stem(path) == PurePosixPath(path).stem
    if not os.path.isdir(path):
        assert litmus_files([path]) == [str(PurePosixPath(path))]


def test_the_herd_path_imports_nothing_it_does_without() -> None:
    """smpcheck-herd on a kernel test loads none of what it does without: pathlib,
    inspect (a compiled CPU function has no ``__code__`` and went through it: translate_c
    stays interpreted), dataclasses, ast, the kernel modules no macro calls."""
    import subprocess
    import sys

    root = need_lkmm()
    code = ("import sys, io, contextlib\nfrom smpcheck.cli.herd import herd_command\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    herd_command(['-j', '1', '-conf', 'linux-kernel.cfg', {SB!r}])\n"
            "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, cwd=root).stdout.split())
    assert "smpcheck.models.cat" in loaded
    unwanted = {"pathlib", "inspect", "dataclasses", "ast", "smpcheck.kernel.mutex"}
    assert loaded & unwanted == set()


@pytest.mark.parametrize("command", ["herd", "litmus"])
def test_a_file_that_fails_to_translate_leaves_the_others_checked(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A test the translator refuses (an xor on a pointer) is that file's error: the
    files after it are still checked, and the exit status says one was bad."""
    root = need_lkmm()
    bad = Path(__file__).parents[1] / "data" / "herd7" / "cases" / "atomic-xor-on-pointer.litmus"
    good = root / "litmus-tests" / "MP+pooncerelease+poacquireonce.litmus"
    if command == "herd":
        res = herd(capsys, "-I", str(root), "-conf", "linux-kernel.cfg", str(bad), str(good))
        status, out, err = res.status, res.out, res.err
    else:
        status = main(["litmus", str(bad), str(good)])
        captured = capsys.readouterr()
        out, err = captured.out, captured.err
    assert status == 2 and f"{bad}:16:" in err
    assert "Observation MP+pooncerelease+poacquireonce Never" in out
