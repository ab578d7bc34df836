"""smpcheck.testing.assert_safe and the pytest plugin (smpcheck.pytest_plugin)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck.testing import assert_litmus, assert_safe
from tests.conftest import need_lkmm
from tests.support.programs import as_model, nlocs_of, programs, sc_classes, tso_classes

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_assert_safe_fails_exactly_when_brute_force_reaches_the_state(data: st.DataObject) -> None:
    """A generated program with ``not_exists`` a final memory state: assert_safe raises
    exactly when an independent enumeration of every interleaving reaches that state."""
    prog = data.draw(programs(max_cpus=2, max_len=3))
    mm = data.draw(st.sampled_from(["sc", "tso"]))
    n = nlocs_of(prog)
    target = tuple(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    model, names = as_model(prog)
    model.not_exists = lambda fs: all(fs.mem(f"v{i}") == v for i, v in enumerate(target))
    model.__post_init__()
    _, finals = (sc_classes if mm == "sc" else tso_classes)(prog)
    reachable = target in {mem for _, mem in finals}
    try:
        assert_safe(model, mm=mm, names=names)
    except AssertionError as exc:
        assert reachable, str(exc)
        assert str(exc).startswith(f"random under {mm}: violation")
        has_access = any(ins[0] != "skip" for code in prog for ins in code)  # (a fence too)
        assert ("CPU 0" in str(exc)) == has_access
    else:
        assert not reachable


def test_a_violation_raises_with_the_cpu_column_table() -> None:
    assert_safe(EXAMPLES / "sb.py", mm="sc")
    with pytest.raises(AssertionError) as info:
        assert_safe(EXAMPLES / "sb.py", mm="tso")
    text = str(info.value)
    assert text.startswith("SB under tso: violation")
    assert "CPU 0 (P0)" in text and "CPU 1 (P1)" in text and "=>" in text


def test_an_incomplete_run_never_passes() -> None:
    with pytest.raises(AssertionError, match="no verdict") as info:
        assert_safe(EXAMPLES / "sb-mb.py", mm="tso", max_executions=1)
    assert "max_executions=" in str(info.value)


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(TypeError, match="max_execution"):
        assert_safe(EXAMPLES / "sb.py", max_execution=3)


def test_the_kernel_litmus_tests_show_their_stated_result() -> None:
    """Every kernel test states its LKMM outcome (`` * Result:``); herd7 agrees with
    each (tests/data); assert_safe passes on them under lkmm and, for each one whose
    outcome differs under SC, fails there."""
    tests = sorted((need_lkmm() / "litmus-tests").glob("*.litmus"))
    failed_under_sc = 0
    for path in tests:
        run = assert_litmus(path, "lkmm")
        assert run.test.expected is not None
        try:
            assert_litmus(path, "sc")
        except AssertionError as exc:
            failed_under_sc += 1
            assert "expected Result: " in str(exc)
    assert failed_under_sc > 0


def test_a_wrong_result_comment_fails_with_a_witness(tmp_path: Path) -> None:
    text = (need_lkmm() / "litmus-tests" / "SB+poonceonces.litmus").read_text()
    path = tmp_path / "SB-wrong.litmus"
    path.write_text(text.replace("(*", "(*\n * Result: Never\n", 1))
    with pytest.raises(AssertionError) as info:
        assert_safe(path)
    message = str(info.value)
    assert "expected Result: Never (the file's comment), got Sometimes" in message
    assert "reaching 0:r0=0; 1:r0=0;" in message and "CPU 1" in message


# ------------------------------------------------------------------- the plugin


def _pytest(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", *args, str(where)], capture_output=True,
                          text=True, cwd=where, timeout=120)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A kernel developer's directory: a litmus test, a marked model, an unmarked one."""
    lkmm = need_lkmm() / "litmus-tests"
    (tmp_path / "MP.litmus").write_text((lkmm / "MP+poonceonces.litmus").read_text())
    sb = (EXAMPLES / "sb.py").read_text()
    (tmp_path / "sbmodel.py").write_text(sb + '\nSMPCHECK_TEST = ["sc", "tso"]\n')
    (tmp_path / "helper.py").write_text(sb)
    return tmp_path


def test_the_plugin_is_off_unless_asked(suite: Path) -> None:
    done = _pytest(suite)
    assert "no tests ran" in done.stdout, done.stdout + done.stderr


def test_the_plugin_collects_litmus_files_and_marked_models(suite: Path) -> None:
    done = _pytest(suite, "--smpcheck", "-rA")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "PASSED MP.litmus::default" in out
    assert "PASSED sbmodel.py::sc" in out and "FAILED sbmodel.py::tso" in out
    assert "helper.py" not in out
    assert "=>  15: r0 = READ_ONCE(y)  -> 0" in out  # the table is the failure's message


def test_the_plugin_takes_memory_models(suite: Path) -> None:
    done = _pytest(suite, "--smpcheck-mm", "sc,lkmm", "-rA")
    out = done.stdout
    assert "FAILED MP.litmus::sc" in out and "PASSED MP.litmus::lkmm" in out
    assert "expected Result: Sometimes (the file's comment), got Never" in out
    assert "PASSED sbmodel.py::sc" in out and "FAILED sbmodel.py::lkmm" in out


def test_a_bad_file_fails_with_its_line(suite: Path) -> None:
    (suite / "bad.litmus").write_text("C bad\n{}\nP0(int *x) { WRITE_ONCE(*x, ; }\n")
    done = _pytest(suite, "--smpcheck", "-k", "bad")
    assert "FAILED bad.litmus::default" in done.stdout
    assert "bad.litmus:3" in done.stdout
