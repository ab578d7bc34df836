"""Running ``smpcheck`` in-process as a user would, and finding lines in model files."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smpcheck.cli.main import herd_main, main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@dataclass
class Outcome:
    """Exit status and what the command printed."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def smpcheck(*args: str | Path) -> Outcome:
    """``smpcheck ARGS...`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Outcome(code, out.getvalue(), err.getvalue())


def herd(*args: str | Path) -> Outcome:
    """``smpcheck-herd ARGS...`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = herd_main([str(a) for a in args])
    return Outcome(code, out.getvalue(), err.getvalue())


def check_json(path: str | Path, mm: str, *extra: str) -> dict[str, Any]:
    """``smpcheck check PATH --mm MM --json``: the report (exit status checked against it:
    no verdict only for an incomplete run)."""
    res = smpcheck("check", path, "--mm", mm, "--json", *extra)
    assert "Traceback" not in res.err, res.err
    data = res.json()
    if data.get("replay"):  # a replay shows its violation again, or fails: no check
        assert res.code == data["exit"] == 1 and data["reproduced"], res
        return data
    assert res.code == data["exit"] == {"safe": 0, "violation": 1, None: 3}[data["verdict"]]
    assert data["complete"] == (data["incomplete"] == []) != (data["verdict"] is None)
    return data


def line_of(path: str | Path, statement: str, nth: int = 1) -> int:
    """The line number of the ``nth`` line of ``path`` that contains ``statement``."""
    hits = [i for i, text in enumerate(Path(path).read_text().splitlines(), 1)
            if statement in text]
    assert len(hits) >= nth, f"{statement!r} occurs {len(hits)} times in {path}"
    return hits[nth - 1]


def write_model(tmp_path: Path, source: str, name: str = "model.py") -> Path:
    """A model file in ``tmp_path`` holding ``source``."""
    path = tmp_path / name
    path.write_text(source)
    return path
