"""The built-in LKMM (smpcheck/models/lkmm.py) against the kernel's own model files.

The same explorer runs each test twice: under ``--mm lkmm`` with smpcheck's
kernel API, and under linux-kernel.cfg's cat files interpreted by
smpcheck.cat with linux-kernel.def's macros (herd mode).  Verdict,
positive / negative counts, final states and flags must agree, on the
kernel's 35 tests and on random programs over kernel primitives
(tests/herd/litmus_gen.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings

from smpcheck.cat import load_config_model, read_defs
from smpcheck.errors import UsageError
from smpcheck.herd.catmm import CatMemoryModel
from smpcheck.herd.defmacros import def_macros
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import LitmusRun, run_litmus
from tests.conftest import LKMM, need_lkmm
from tests.herd.litmus_gen import litmus_tests

# The built-in LKMM run crashes here (explorer: a revisit keeps a lock's write
# past the read it belongs to; see tests/litmus/test_herd_agreement.py).  The
# same crash ("list index out of range" in spin_lock) hits generated programs
# with two lock sections; those examples are rejected, the others compared.
BUILTIN_BROKEN = {"MP+porevlocks"}


@pytest.fixture(scope="module")
def herd_mode() -> tuple[CatMemoryModel, dict[str, Any]]:
    root = need_lkmm()
    cat = CatMemoryModel(load_config_model(root / "linux-kernel.cfg"), "linux-kernel.cat")
    return cat, def_macros(read_defs(root / "linux-kernel.def"))


def _summary(run: LitmusRun) -> tuple[Any, ...]:
    return (run.verdict, run.positive, run.negative, dict(run.states), run.flags,
            run.result.incomplete)


def _both(text: str, path: str, mode: tuple[CatMemoryModel, dict[str, Any]],
          skip_crash: bool = False) -> None:
    cat, macros = mode
    test = parse_litmus(text, path)
    try:
        interpreted = run_litmus(test, cat, None, text, macros)
        builtin = run_litmus(test, "lkmm", None, text)
    except (UsageError, ValueError, IndexError) as exc:
        if not (skip_crash and _explorer_crash(exc)):
            raise
        note(f"explorer crashed: {exc!r}")
        assume(False)  # an explorer bug (see BUILTIN_BROKEN), not a model disagreement
    assert _summary(builtin) == _summary(interpreted), text


def _explorer_crash(exc: Exception) -> bool:
    """The explorer's known crashes on lock programs (IndexError / ValueError inside it)."""
    return isinstance(exc, ValueError | IndexError) or "list index out of range" in str(exc)


def _kernel_files() -> list[Any]:
    files = sorted((LKMM / "litmus-tests").glob("*.litmus"))
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(
        reason="built-in LKMM run crashes (explorer bug)", strict=True)]
        if p.stem in BUILTIN_BROKEN else []) for p in files] or \
        [pytest.param(None, marks=pytest.mark.skip("shared litmus data absent"))]


@pytest.mark.parametrize("path", _kernel_files())
def test_kernel_tests_agree(path: Path, herd_mode: tuple[CatMemoryModel, dict[str, Any]]) -> None:
    _both(path.read_text(), str(path), herd_mode)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(text=litmus_tests())
def test_random_programs_agree(herd_mode: tuple[CatMemoryModel, dict[str, Any]],
                               text: str) -> None:
    _both(text, "generated.litmus", herd_mode, skip_crash=True)
