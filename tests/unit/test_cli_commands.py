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
    assert _commands(cli_main.build_parser()) == [
        "check", "litmus", "kvm", "herd", "barriers", "sweep"]


def test_a_broken_command_is_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "smpcheck.cli.main")
    monkeypatch.setitem(sys.modules, "smpcheck.cli.kvm", None)  # import fails
    monkeypatch.delattr(smpcheck.cli, "kvm")
    with pytest.raises(ImportError):
        importlib.import_module("smpcheck.cli.main").main(["--help"])


def test_herd_imports_no_other_command() -> None:
    """``smpcheck-herd`` imports the ``herd`` command alone, and no argparse (its start-up
    is part of the time it takes on the kernel's tests)."""
    import subprocess

    code = ("import sys\nfrom smpcheck.cli.main import herd_main\nherd_main(['-version'])\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('smpcheck.cli.')\n"
            "                      or m == 'argparse')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.splitlines()[-1].split()
    assert loaded == ["smpcheck.cli.herd", "smpcheck.cli.main", "smpcheck.cli.pipes"]


def test_help_loads_no_engine() -> None:
    """``smpcheck --help`` registers every command without importing what runs a check
    (issue 13's start-up goal: a command imports the engine where it is used)."""
    import subprocess

    code = ("import sys\nfrom smpcheck.cli.main import build_parser\nbuild_parser()\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('smpcheck.'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    engine = ("smpcheck.explore", "smpcheck._rt", "smpcheck.analyses", "smpcheck.models",
              "smpcheck.kernel", "smpcheck.cat", "smpcheck.litmus")
    assert [m for m in loaded if m.startswith(engine)] == []
