"""A pytest plugin that runs litmus tests and model files as test items.

Installed with smpcheck (entry point ``pytest11``), it does nothing until asked:
``pytest --smpcheck`` (or ``--smpcheck-mm MM[,MM...]``, or ``smpcheck = true`` in the
``[pytest]`` ini section) turns collection on.  A tree of litmus files kept as data
(a project's own ``tests/data``) is then not collected by accident.

When on, it collects:

* every ``*.litmus`` file: one item per memory model (``--smpcheck-mm``; default the
  file's own, lkmm for C tests and tso for X86), passing when the outcome is the one
  the file states: its `` * Result: Never|Sometimes|Always`` comment (herd's
  Observation, the kernel's convention) if it has one, else herd's ``Ok``;
* every ``*.py`` file with a module-level ``SMPCHECK_TEST = True`` (or a list of
  memory models, ``SMPCHECK_TEST = ["sc", "tso", "lkmm"]``): one item per memory model
  (``--smpcheck-mm`` overrides the list; default sc), passing when the check is
  complete and safe.

A failing item shows the CPU-column table (:func:`smpcheck.testing.assert_safe`); a
run cut short fails, saying which bound; a file smpcheck cannot read fails with its
file, line and message.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MARKER = "SMPCHECK_TEST"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smpcheck", "smpcheck: litmus tests and model files as tests")
    group.addoption("--smpcheck", action="store_true", default=False,
                    help="collect *.litmus files and model files marked SMPCHECK_TEST")
    group.addoption("--smpcheck-mm", metavar="MM[,MM...]", default=None,
                    help="memory models to check each file under (turns collection on)")
    parser.addini("smpcheck", type="bool", default=False,
                  help="collect *.litmus files and SMPCHECK_TEST model files")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("smpcheck") or config.getoption("smpcheck_mm")
                or config.getini("smpcheck"))


def _models(config: pytest.Config) -> list[str] | None:
    given = config.getoption("smpcheck_mm")
    if not given:
        return None
    return [m.strip() for m in given.split(",") if m.strip()]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if not _enabled(config):
        return None
    if file_path.suffix == ".litmus":
        return LitmusFile.from_parent(parent, path=file_path)
    if file_path.suffix == ".py" and marked(file_path) is not None:
        return ModelFile.from_parent(parent, path=file_path)
    return None


def marked(path: Path) -> list[str] | None:
    """The memory models a model file's ``SMPCHECK_TEST`` asks for (``True``: the
    default, sc), or None when the file is not marked.  Read from the syntax tree,
    without running the file."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return None
    if MARKER not in text:
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == MARKER):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            if value is True:
                return ["sc"]
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return list(value) or None
            return None
    return None


class LitmusFile(pytest.File):
    """A litmus file: one item per memory model."""

    def collect(self) -> Iterator[pytest.Item]:
        given = _models(self.config)
        chosen: list[str | None] = list(given) if given else [None]
        for mm in chosen:
            yield SmpcheckItem.from_parent(self, name=mm or "default", mm=mm)


class ModelFile(pytest.File):
    """A model file marked ``SMPCHECK_TEST``: one item per memory model."""

    def collect(self) -> Iterator[pytest.Item]:
        for mm in _models(self.config) or marked(self.path) or ["sc"]:
            yield SmpcheckItem.from_parent(self, name=mm, mm=mm)


class SmpcheckItem(pytest.Item):
    """One check of a file under one memory model."""

    def __init__(self, *, mm: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mm = mm

    def runtest(self) -> None:
        from smpcheck.errors import UsageError
        from smpcheck.testing import assert_safe

        try:
            assert_safe(self.path, mm=self.mm)
        except UsageError as exc:
            raise SmpcheckFailure(f"smpcheck: error: {exc}") from None
        except AssertionError as exc:
            raise SmpcheckFailure(str(exc)) from None

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, SmpcheckFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name} under {self.mm or 'its default model'}"


class SmpcheckFailure(AssertionError):
    """A failing item: its message is the whole report."""


__all__ = ["LitmusFile", "ModelFile", "SmpcheckItem", "marked"]
