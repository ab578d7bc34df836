"""The JSON report (``--json``): the verdict, the numbers, and each violation's trace
with a replay token that ``--replay`` re-runs."""

from __future__ import annotations

import json
from typing import Any

from smpcheck.findings import Result, Violation
from smpcheck.graph import ExecutionGraph
from smpcheck.memory import is_poison
from smpcheck.model import Model
from smpcheck.models.base import MemoryModel
from smpcheck.report.table import rows_for, show


def result_dict(result: Result, model: Model, mm: MemoryModel,
                all_findings: bool) -> dict[str, Any]:
    shown = result.violations if all_findings else result.violations[:1]
    return {
        "model": model.name,
        "verdict": result.status.value,
        "memory_model": mm.name,
        "executions": result.executions,
        "blocked": result.blocked,
        "elapsed_s": round(result.elapsed_s, 4),
        "bound": result.bound,
        "incomplete": list(result.incomplete),
        "condition": result.condition,
        "positive": result.positive,
        "negative": result.negative,
        "violations": [violation_dict(v, mm) for v in shown],
        "warnings": [violation_dict(w, mm) for w in result.warnings],
    }


def violation_dict(v: Violation, mm: MemoryModel) -> dict[str, Any]:
    trace = [{"cpu": r.cpu, "line": r.line, "file": r.path, "text": r.text,
              "value": json_value(r.value), "kind": r.kind,
              "loc": r.loc, "note": r.note, "failing": r.mark} for r in rows_for(v, mm)]
    return {"kind": v.kind.value, "message": v.message, "cpu": v.cpu,
            "line": v.line, "file": v.src.path if v.src else None, "trace": trace,
            "replay": replay_token(v.graph) if v.graph is not None else None}


def json_value(value: Any) -> int | str | None:
    """A value read or written: a JSON number when it is an integer, else as shown."""
    if value is None:
        return None
    if is_poison(value):
        return str(value)
    if isinstance(value, int):  # bool too: as the table prints it, 0 or 1
        return int(value)
    return show(value)


def replay_token(g: ExecutionGraph) -> dict[str, Any]:
    """The choices that make an execution: events, reads-from, coherence order."""
    def name(eid: tuple[int, int]) -> str:
        return f"init:{g.locs.inits[eid[1]].loc}" if eid[0] < 0 else f"{eid[0]}:{eid[1]}"

    events = [[ev.tid, ev.idx, ev.kind, str(ev.loc) if ev.loc is not None else None]
              for ev in g.events()]
    rf = {name(r): name(w) for r, w in sorted(g.rf.items())}
    co = {str(loc): [name(w) for w in ws] for loc, ws in g.co.items() if ws}
    return {"events": events, "rf": rf, "co": co}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2)
