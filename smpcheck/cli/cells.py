"""One verdict of a design: a scenario, a setting of its switches (a variant) and a
memory model, as ``kvm matrix`` and ``check --variant`` run and print it."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Mapping
from typing import Any

from smpcheck.cli.common import OPTIONS

__all__ = ["cell_line", "run_cell", "variant_label"]


def variant_label(variant: Mapping[str, str]) -> str:
    """A variant as the matrix heads it: its settings, or the defaults."""
    return " ".join(f"{k}={v}" for k, v in variant.items()) or "as shipped (defaults)"


def run_cell(design: Any, scenario: str, variant: Mapping[str, str], mm: str,
             settings: Any) -> dict[str, Any]:
    """One verdict: the scenario with the variant's switches under ``mm`` (``verdict``
    null and ``incomplete`` the reasons when a bound cut it short)."""
    from smpcheck.explore.verify import verify
    from smpcheck.report.limits import incomplete_dicts

    model, names = design.build(scenario, variant)
    start = time.monotonic()
    result = verify(model, names, mm, settings)
    first = result.violations[0] if result.violations else None
    verdict = result.verdict
    return {"model": design.name, "scenario": scenario, "variant": dict(variant), "mm": mm,
            "verdict": None if verdict is None else verdict.value,
            "complete": result.complete, "executions": result.executions,
            "blocked": result.blocked, "seconds": round(time.monotonic() - start, 2),
            "finding": f"{first.kind}: {first.message}" if first else "",
            "incomplete": incomplete_dicts(result, OPTIONS)}


def cell_line(cell: Mapping[str, Any]) -> str:
    """A matrix row; the finding, if any, and what cut the cell short on the next lines."""
    verdict = cell["verdict"] or "incomplete"
    line = (f"  {cell['scenario']:11} {cell['mm']:5} {verdict:10} "
            f"{cell['executions']:>6} ex {cell['seconds']:>6.2f} s")
    if cell["finding"]:
        line += "\n      " + textwrap.shorten(cell["finding"], 72, placeholder=" \u2026")
    for cut in cell["incomplete"]:
        line += "\n      incomplete: " + cut["message"]
    return line
