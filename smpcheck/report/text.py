"""The text report: verdict, findings with their tables, and the numbers explored."""

from __future__ import annotations

import textwrap

from smpcheck.model.model import Model
from smpcheck.models.base import MemoryModel
from smpcheck.report.kasan import kasan_lines
from smpcheck.report.limits import Options, incomplete_lines
from smpcheck.report.table import render_table, rows_for
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result, Status
from smpcheck.text import printable, printable_block


def render_result(result: Result, model: Model, mm: MemoryModel, all_findings: bool = False,
                  width: int = 80, *, options: Options) -> str:
    """The whole report for one check; ``options`` names the command's option for each
    limit, for the advice on a run cut short."""
    out = [f"{printable(model.name)} under {mm.name}: {verdict_text(result)}"]
    shown = result.violations if all_findings else result.violations[:1]
    for v in shown:
        out.append("")
        out.append(render_violation(v, model, mm, width))
    if result.warnings:
        out.append("")
        for w in result.warnings:
            out.append(f"warning: {w.message} at {w.src}")
    if result.condition and not result.violations:
        explored = "" if result.complete else " explored"
        out.append(textwrap.fill(f"condition {result.condition}: {result.positive} of "
                                 f"{result.positive + result.negative} executions{explored} "
                                 "satisfy it", width, subsequent_indent="  "))
    out.append("")
    out.append(summary_line(result))
    out.extend(textwrap.fill(line, width, subsequent_indent="  ", break_long_words=False,
                             break_on_hyphens=False)
               for line in incomplete_lines(result, options))
    if result.verdict == Status.SAFE:
        out.append("every execution of this bounded configuration was checked"
                   + (f":\n  {result.bound}" if result.bound else ""))
    elif result.stopped_early:
        out.append("stopped at the first violation (--all to keep exploring)")
    return printable_block("\n".join(out))


def verdict_text(result: Result) -> str:
    """The verdict as the report's first line states it: none for an incomplete run."""
    verdict = result.verdict
    return "incomplete, no verdict" if verdict is None else verdict.value


def render_violation(v: Violation, model: Model, mm: MemoryModel, width: int = 80) -> str:
    where = f" ({v.src})" if v.src and v.src.line else ""
    head = textwrap.fill(f"{v.kind.value}: {v.message}{where}", width, subsequent_indent="  ",
                         break_long_words=False, break_on_hyphens=False)
    rows = rows_for(v, mm)
    kasan = kasan_lines(v, model.cpu_names, width, [r.event for r in rows])
    if not rows:
        return printable_block("\n".join([head, *kasan]))
    table = render_table(rows, model.cpu_names, width)
    return printable_block("\n\n".join([head, table, *(["\n".join(kasan)] if kasan else [])]))


def summary_line(result: Result) -> str:
    rate = result.executions / result.elapsed_s if result.elapsed_s > 0 else 0.0
    runs = "execution" if result.executions == 1 else "executions"
    return (f"{result.executions} {runs} explored, {result.blocked} blocked, "
            f"{result.elapsed_s:.2f} s ({rate:.0f} executions/s)")
