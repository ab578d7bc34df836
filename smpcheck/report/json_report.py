"""The JSON report (``--json``): the verdict, the numbers, and each violation's trace
with a replay record that ``--replay`` re-runs; and the report of such a replay."""

from __future__ import annotations

import json
from typing import Any

from smpcheck.errors import EXIT_VIOLATION
from smpcheck.explore.replay_record import Fingerprint, token_of
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.model import Model
from smpcheck.model.objects import is_poison
from smpcheck.models.base import MemoryModel
from smpcheck.report.limits import Options, incomplete_dicts
from smpcheck.report.table import rows_for, show
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result


def result_dict(result: Result, model: Model, mm: MemoryModel, all_findings: bool,
                options: Options, fingerprint: Fingerprint | None = None) -> dict[str, Any]:
    """The report of one check.  ``complete`` is false when a bound cut the run short
    (``incomplete`` says which and how to lift it, naming the command's ``options``);
    ``verdict`` is then null unless a violation was found (it is real all the same).
    ``stopped_early``: the run stopped at its first violation.  ``exit``: the exit
    status.  Each violation's replay record carries ``fingerprint``."""
    shown = result.violations if all_findings else result.violations[:1]
    verdict = result.verdict
    return {
        "model": model.name,
        "verdict": None if verdict is None else verdict.value,
        "complete": result.complete,
        "stopped_early": result.stopped_early,
        "memory_model": mm.name,
        "executions": result.executions,
        "blocked": result.blocked,
        "elapsed_s": round(result.elapsed_s, 4),
        "bound": result.bound,
        "incomplete": incomplete_dicts(result, options),
        "condition": result.condition,
        "positive": result.positive,
        "negative": result.negative,
        "violations": [violation_dict(v, mm, fingerprint) for v in shown],
        "warnings": [violation_dict(w, mm, fingerprint) for w in result.warnings],
        "exit": result.exit_status,
    }


def replay_dict(v: Violation, model: Model, mm: MemoryModel, fingerprint: Fingerprint,
                record_path: str) -> dict[str, Any]:
    """The report of a replay that showed the recorded violation again: no verdict on
    the model, no numbers of a check, only that violation (with a fresh record)."""
    return {"model": model.name, "replay": True, "replay_file": record_path,
            "reproduced": True, "verdict": "violation", "memory_model": mm.name,
            "violations": [violation_dict(v, mm, fingerprint)], "exit": EXIT_VIOLATION}


def violation_dict(v: Violation, mm: MemoryModel,
                   fingerprint: Fingerprint | None = None) -> dict[str, Any]:
    trace = [{"cpu": r.cpu, "line": r.line, "file": r.path, "text": r.text,
              "value": json_value(r.value), "kind": r.kind,
              "loc": r.loc, "note": r.note, "failing": r.mark} for r in rows_for(v, mm)]
    return {"kind": v.kind.value, "message": v.message, "cpu": v.cpu,
            "line": v.line, "file": v.src.path if v.src else None, "trace": trace,
            "replay": replay_token(v.graph, fingerprint) if v.graph is not None else None}


def json_value(value: Any) -> int | str | None:
    """A value read or written: a JSON number when it is an integer, else as shown."""
    if value is None:
        return None
    if is_poison(value):
        return str(value)
    if isinstance(value, int):  # bool too: as the table prints it, 0 or 1
        return int(value)
    return show(value)


def replay_token(g: ExecutionGraph, fingerprint: Fingerprint | None) -> dict[str, Any]:
    """The choices that make an execution, and what they were taken from."""
    token = token_of(g)
    token["fingerprint"] = fingerprint.to_json() if fingerprint is not None else None
    return token


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2)


def error_dict(message: str, code: int, path: str | None = None, line: int | None = None,
               column: int | None = None) -> dict[str, Any]:
    """The document ``--json`` prints when no report could be made (bad input, an
    interrupt, an internal error): what went wrong, where, and the exit status."""
    return {"error": {"message": message, "file": path, "line": line, "column": column},
            "complete": False, "exit": code}
