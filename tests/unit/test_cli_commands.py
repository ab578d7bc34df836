"""The command line lists every command, and a command that cannot be imported
stops ``smpcheck`` loudly instead of vanishing from it."""

from __future__ import annotations

import argparse
import importlib
import sys

import pytest

import smpcheck.cli
from smpcheck.cli import main as cli_main


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_every_command_is_registered() -> None:
    assert _commands(cli_main.build_parser()) == ["check", "litmus", "kvm", "herd"]


def test_a_broken_command_is_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "smpcheck.cli.main")
    monkeypatch.setitem(sys.modules, "smpcheck.cli.kvm", None)  # import fails
    monkeypatch.delattr(smpcheck.cli, "kvm")
    with pytest.raises(ImportError):
        importlib.import_module("smpcheck.cli.main")
