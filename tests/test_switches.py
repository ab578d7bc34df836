"""A user's model switches (smpcheck.switch, check -D and --variant) and --version."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpcheck.c import FileDesign as ModelFile
from smpcheck.errors import UsageError
from tests.support.cli import smpcheck

SB = '''
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, smp_mb, switch

FENCE = switch("FENCE", "none", choices=("none", "smp_mb"))
N = switch("N", 0)
ON = switch("ON", False)
x = Var(0)
y = Var(0)

def P0():
    WRITE_ONCE(x, 1)
    if FENCE == "smp_mb":
        smp_mb()
    return {"r0": READ_ONCE(y)}

def P1():
    WRITE_ONCE(y, 1)
    if FENCE == "smp_mb":
        smp_mb()
    return {"r0": READ_ONCE(x)}

MODEL = Model(f"SB {FENCE} {N} {ON}", [P0, P1], not_exists="0:r0=0 /\\\\ 1:r0=0")
'''


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("switches") / "sb_switch.py"
    path.write_text(SB)
    return path


@settings(max_examples=40, deadline=None)
@given(st.integers(-(2**40), 2**40), st.sampled_from(["{:d}", "{:#x}", "{:#o}"]),
       st.sampled_from([("1", True), ("true", True), ("Y", True), ("0", False),
                        ("off", False)]))
def test_values_take_the_defaults_type(model_file: Path, n: int, form: str,
                                       flag: tuple[str, bool]) -> None:
    model, _ = ModelFile(str(model_file)).build(None, {"N": form.format(n), "ON": flag[0]})
    assert model.name == f"SB none {n} {flag[1]}"


def test_defaults_without_a_setting(model_file: Path) -> None:
    model, _ = ModelFile(str(model_file)).build(None, {})
    assert model.name == "SB none 0 False"


@pytest.mark.parametrize(("given", "message", "line"), [
    ({"FENCE": "mb"}, "switch FENCE takes none | smp_mb, not 'mb'", 4),
    ({"N": "two"}, "switch N takes a whole number, not 'two'", 5),
    ({"ON": "maybe"}, "switch ON is true or false (1/0), not 'maybe'", 6),
    ({"FENCES": "smp_mb"}, "-D FENCES: the model reads no switch 'FENCES' (switches it "
     "reads: FENCE, N, ON)", None),
])
def test_bad_settings_name_the_model(model_file: Path, given: dict[str, str], message: str,
                                     line: int | None) -> None:
    with pytest.raises(UsageError) as info:
        ModelFile(str(model_file)).build(None, given)
    assert info.value.message == message
    assert (info.value.path, info.value.line) == (str(model_file), line)


def test_a_switch_read_by_a_cpu_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "late.py"
    path.write_text(SB.replace('    return {"r0": READ_ONCE(y)}',
                               '    return {"r0": READ_ONCE(y) + switch("N", 0)}'))
    res = smpcheck("check", path)
    assert res.code == 2
    assert "switch N is read in a CPU function" in res.err and "late.py:14" in res.err


def test_define_sets_the_switch(model_file: Path) -> None:
    assert smpcheck("check", model_file, "--mm", "tso").code == 1
    res = smpcheck("check", model_file, "--mm", "tso", "-D", "FENCE=smp_mb")
    assert res.code == 0 and res.out.startswith("SB smp_mb 0 False under tso: safe")
    bare = smpcheck("check", model_file, "-D", "FENCE")  # (1, as cc takes it)
    assert bare.code == 2 and "switch FENCE takes none | smp_mb, not '1'" in bare.err
    on = smpcheck("check", model_file, "--mm", "tso", "-D", "ON", "-D", "FENCE=smp_mb")
    assert on.code == 0 and on.out.startswith("SB smp_mb 0 True under tso: safe")
    bad = smpcheck("check", model_file, "-D", "1FENCE=smp_mb")
    assert bad.code == 2 and "-D takes NAME or NAME=VALUE, not '1FENCE=smp_mb'" in bad.err


def test_variants_sweep(model_file: Path) -> None:
    res = smpcheck("check", model_file, "--mm", "tso", "-D", "N=3", "--variant",
                   "FENCE=none", "--variant", "FENCE=smp_mb,ON=1")
    assert res.code == 1
    lines = res.out.splitlines()
    assert lines[0] == f"{model_file}, N=3 FENCE=none:"
    assert lines[1].split()[:3] == ["sb_switch", "tso", "violation"]
    assert lines[3] == f"{model_file}, N=3 FENCE=smp_mb ON=1:"
    assert lines[4].split()[:3] == ["sb_switch", "tso", "safe"]
    data = smpcheck("check", model_file, "--mm", "tso", "--json", "--variant", "FENCE=smp_mb")
    assert data.code == 0
    [cell] = data.json()["variants"]
    assert (cell["variant"], cell["verdict"], cell["complete"]) == (
        {"FENCE": "smp_mb"}, "safe", True)


@pytest.mark.parametrize("args", [
    ["-D", "FENCE=smp_mb", "-D", "FENCE=none"], ["--variant", "FENCE=none,FENCE=smp_mb"],
    ["-D", "N=1", "-D", "N=2"]])
def test_a_name_given_twice_is_refused(model_file: Path, args: list[str]) -> None:
    """Two values for one switch: which was meant is unknown, so no verdict (the last
    one won, and could have answered for another design)."""
    res = smpcheck("check", model_file, "--mm", "tso", *args)
    assert res.code == 2 and "twice" in res.err and res.out == "", res
    same = smpcheck("check", model_file, "--mm", "tso", "-D", "N=1", "-D", "N=1")
    assert same.code == 1, same  # (the same value twice is one setting)


def test_version() -> None:
    res = smpcheck("--version")
    assert res.code == 0 and res.out.startswith(f"smpcheck {version('smpcheck')} (")
    assert res.out.endswith((" (compiled core)\n", " (pure Python)\n",
                             " (pure Python: the compiled core is stale)\n"))
