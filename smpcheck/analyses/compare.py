"""One model checked under several memory models (``check --compare sc,tso,lkmm``):
a verdict per model, each with its own counterexample."""

from __future__ import annotations

import copy
from typing import Any

from smpcheck.analyses.shortest import shortest
from smpcheck.analyses.subjects import Verdict, model_verdict
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.model.model import Model
from smpcheck.results.result import EXIT_FOR, Status


def compare_models(model: Model, names: Any, mms: list[str], settings: Settings,
                   simplest: bool = False) -> list[Verdict]:
    """``model`` under each of ``mms`` (``simplest``: each model's cheapest
    counterexample, :mod:`.shortest`)."""
    out = []
    for mm in mms:
        s = copy.copy(settings)
        result = shortest(model, names, mm, s) if simplest else verify(model, names, mm, s)
        out.append(model_verdict(mm, model, result))
    return out


def exit_status(verdicts: list[Verdict]) -> int:
    """1 when some model fails, else 3 when some run was cut short, else 0."""
    statuses = [v.result.status for v in verdicts]
    for status in (Status.ERROR, Status.VIOLATION, Status.INCOMPLETE):
        if status in statuses:
            return EXIT_FOR[status]
    return EXIT_FOR[Status.SAFE]
