"""Shared test helpers: where the shared test data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMPCHECK_SHARED", REPO.parent / "shared"))
LKMM = SHARED / "lkmm"
#: A mark for tests (hypothesis ones among them) that read the shared LKMM data.
with_lkmm = pytest.mark.skipif(
    not LKMM.is_dir(), reason=f"test data {LKMM} is absent (set SMPCHECK_SHARED to its parent)")


def need_lkmm() -> Path:
    """The kernel's LKMM data directory, or skip the test saying why."""
    if not LKMM.is_dir():
        pytest.skip(f"test data {LKMM} is absent (set SMPCHECK_SHARED to its parent)")
    return LKMM


def pytest_report_header() -> str:
    """Which core the tests run (smpcheck/_compiled.py); a stale one's notice is said
    here once, not again by each smpcheck the tests start (their stderr is checked)."""
    from smpcheck import _compiled

    os.environ["SMPCHECK_CORE_NOTED"] = "1"
    return f"smpcheck core: {_compiled.CORE}"
