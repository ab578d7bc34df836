"""Run a small model written in a test and read what it found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smpcheck import Kind, Settings, verify
from smpcheck._rt.loader import load_model
from smpcheck.results.result import Result

MMS = ("sc", "tso", "lkmm")


def check(tmp_path: Path, source: str, mm: str, **settings: Any) -> Result:
    """Check the model ``source`` (a file's text) under ``mm``."""
    path = tmp_path / "model.py"
    path.write_text("from smpcheck import *\n" + source)
    model, names = load_model(str(path))
    return verify(model, names, mm, Settings(**settings))


def kinds(result: Result) -> set[Kind]:
    return {v.kind for v in result.violations}


def outcomes(result: Result) -> set[tuple[tuple[str, Any], ...]]:
    """Every final state's registers, as sorted ``(CPU:register, value)`` pairs."""
    out = set()
    for regs, _memory in result.outcomes:
        out.add(tuple(sorted((f"{cpu}:{name}", value) for cpu, part in enumerate(regs)
                             for name, value in part)))
    return out
