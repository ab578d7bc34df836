"""The shared litmus data, read in place from <repo>/../shared/lkmm (never copied).

Set SMPCHECK_SHARED to the directory that holds ``lkmm/`` to read it from
elsewhere.  Without the data, the tests that need it are skipped and say why.
Tests ask for ``kernel_litmus`` / ``x86_litmus`` (one case per file) or for
the ``lkmm`` directory.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def lkmm_dir() -> Path:
    """Where the shared lkmm data should be."""
    shared = os.environ.get("SMPCHECK_SHARED") or str(REPO / ".." / "shared")
    return Path(shared).resolve() / "lkmm"


def _missing() -> str:
    return (f"shared litmus data not found at {lkmm_dir()} "
            "(set SMPCHECK_SHARED to the directory holding lkmm/)")


def kernel_litmus_files() -> list[Path]:
    """The kernel's C litmus tests (empty without the data)."""
    return sorted((lkmm_dir() / "litmus-tests").glob("*.litmus"))


def x86_rows() -> list[dict[str, str]]:
    """The rows of x86-results.csv: test, file (relative to lkmm/x86), arch, ..."""
    table = lkmm_dir() / "x86" / "x86-results.csv"
    if not table.is_file():
        return []
    with table.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _cases(name: str) -> dict[str, Path]:
    if name == "kernel_litmus":
        return {path.name: path for path in kernel_litmus_files()}
    return {row["file"]: lkmm_dir() / "x86" / row["file"] for row in x86_rows()}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in ("kernel_litmus", "x86_litmus"):
        if name not in metafunc.fixturenames:
            continue
        cases = _cases(name)
        if cases:
            metafunc.parametrize(name, list(cases.values()), ids=list(cases))
        else:
            metafunc.parametrize(name, [pytest.param(None, marks=pytest.mark.skip(_missing()))])


@pytest.fixture(scope="session")
def lkmm() -> Path:
    """The shared lkmm directory, or a skip saying where it was looked for."""
    path = lkmm_dir()
    if not path.is_dir():
        pytest.skip(_missing())
    return path


@pytest.fixture(scope="session")
def shared_litmus_texts() -> list[str]:
    """The text of every shared kernel and x86 test (empty without the data)."""
    paths = [*_cases("kernel_litmus").values(), *_cases("x86_litmus").values()]
    return [path.read_text() for path in paths]
