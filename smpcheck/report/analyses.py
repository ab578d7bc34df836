"""Text and JSON for the analyses: load-bearing sites (``barriers``), the fewest
fences (``barriers --fix``) and one check under several memory models
(``check --compare``)."""

from __future__ import annotations

import textwrap
from typing import Any

from smpcheck._rt.sites import DROPPED
from smpcheck.analyses.barriers import BASELINE_CUT, Baseline, SiteAnswer, answers_by_site
from smpcheck.analyses.fix import FixResult
from smpcheck.analyses.subjects import Verdict
from smpcheck.graph.events import shown_path
from smpcheck.models import get_model
from smpcheck.report.limits import Options, incomplete_lines
from smpcheck.report.text import render_violation
from smpcheck.text import printable, printable_block

_SHORT = {True: "yes", False: "no", None: "unknown"}


def verdict_word(v: Verdict) -> str:
    """A check's verdict in one word: holds, fails, incomplete; a litmus test's
    Observation (with its flags)."""
    run = v.extra.get("run")
    if run is not None:
        word = run.verdict or "incomplete"
        return word + "".join(f", flag {f}" for f in run.flags) if run.verdict else word
    return {True: "holds", False: "fails", None: "incomplete"}[v.holds]


def barriers_text(name: str, bases: list[Baseline], answers: list[SiteAnswer],
                  width: int = 80, tables: bool = True, options: Options | None = None
                  ) -> str:
    """The table of sites x memory models, then the counterexample each prevents
    (``tables``: with its CPU-column table; ``options`` name the option that lifts
    each bound a check hit)."""
    options = options or {}
    mms = [b.mm for b in bases]
    lines = [f"{printable(name)}: " + ", ".join(
        f"{b.mm} {verdict_word(b.verdict)}" for b in bases)]
    for b in bases:
        if not b.verdict.complete:
            lines.append(f"  under {b.mm} the design's own check was cut short: every site "
                         "is unknown there")
            lines += [textwrap.fill(line, width, subsequent_indent="      ",
                                    break_long_words=False, break_on_hyphens=False)
                      for line in incomplete_lines(b.verdict.result, options, "    ")]
        elif b.verdict.holds is False and "run" not in b.verdict.extra:
            lines.append(textwrap.fill(
                f"under {b.mm} the design already fails ({b.verdict.finding}); a site is "
                "load-bearing there when weakening it adds a finding", width,
                initial_indent="  ", subsequent_indent="    ", break_long_words=False,
                break_on_hyphens=False))
    groups = list(answers_by_site(answers))
    if not groups:
        return printable_block("\n".join([*lines, "", "no ordering sites reached"]))
    label = {site: str(site) for site, _ in groups}
    left = max(len("site"), *(len(t) for t in label.values()))
    mid = max(len("weakened to"), *(len(a[0].weakened_to) for _, a in groups))
    cols = [max(len(mm), len("unknown")) for mm in mms]
    lines += ["", "  ".join(["site".ljust(left), "weakened to".ljust(mid),
                             *(mm.ljust(w) for mm, w in zip(mms, cols, strict=True))]).rstrip()]
    for site, group in groups:
        by_mm = {a.mm: a for a in group}
        cells = [_SHORT[by_mm[mm].load_bearing] if mm in by_mm else "-" for mm in mms]
        lines.append("  ".join([label[site].ljust(left), group[0].weakened_to.ljust(mid),
                                *(c.ljust(w) for c, w in zip(cells, cols, strict=True))]
                               ).rstrip())
    lines.append("(yes: load-bearing, weakened it lets the finding below happen; no:\n"
                 " weakened, the design shows nothing new; unknown: a check was cut short)")
    shown: set[str] = set()  # (the tables shown already; all of them: no tables)
    for site, group in groups:
        lines += _site_details(label[site], group, width, shown, tables)
    return printable_block("\n".join(lines))


def _site_details(label: str, group: list[SiteAnswer], width: int,
                  tables: set[str], with_tables: bool) -> list[str]:
    """What each load-bearing site prevents, with the first of its counterexamples
    whose table no earlier site showed."""
    out: list[str] = []
    shown = False
    for a in group:
        if a.load_bearing is None and a.finding != BASELINE_CUT:
            out += ["", _fill(f"{label} under {a.mm}: unknown (incomplete): {a.finding}",
                              width)]
        elif a.load_bearing:
            how = "without it" if a.weakened_to == DROPPED else f"as {a.weakened_to}"
            out += ["", _fill(f"{label} is load-bearing under {a.mm}: {how}, {a.finding}",
                              width)]
            v = a.verdict
            if with_tables and not shown and v is not None and v.violation is not None:
                table = render_violation(v.violation, v.model, get_model(a.mm), width)
                if table not in tables:
                    tables.add(table)
                    out += ["", table]
                    shown = True
    return out


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fill(text: str, width: int) -> str:
    return textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


def barriers_json(answers: list[SiteAnswer]) -> list[dict[str, Any]]:
    """One object per site and memory model."""
    out = []
    for a in answers:
        v = a.verdict
        out.append({"file": shown_path(a.site.path), "line": a.site.line,
                    "primitive": a.site.primitive, "weakened_to": a.weakened_to,
                    "mm": a.mm, "load_bearing": a.load_bearing,
                    **({"cpu": a.site.cpu} if a.site.cpu >= 0 else {}),
                    "answer": a.answer, "finding": a.finding, "switch": a.switch,
                    "complete": None if v is None else v.complete,
                    "executions": None if v is None else v.result.executions})
    return out


def fix_text(name: str, mms: list[str], fix: FixResult) -> str:
    """The changes that make the design hold, or why none was found."""
    where = ", ".join(mms)
    if fix.already_holds:
        return printable_block(f"{printable(name)} holds under {where}: nothing to fix")
    tried = (f"({_n(fix.checks, 'full check')}, {_n(fix.pruned, 'set')} ruled out on "
             f"{_n(len(fix.counterexamples), 'counterexample')})")
    if fix.changes is None:
        return printable_block(_fill(f"{printable(name)}: no fix found under {where}: "
                                     f"{fix.reason} {tried}", 80))
    lines = [_fill(f"{printable(name)} holds under {where} with "
                   f"{_n(len(fix.changes), 'change')} {tried}; no fewer changes make it "
                   "hold:", 80)]
    for c in fix.changes:
        lines.append(textwrap.fill(c.describe(fix.texts.get(c.site, "")), 80,
                                   initial_indent="  ", subsequent_indent="      ",
                                   break_long_words=False, break_on_hyphens=False))
    checked = ", ".join(f"{v.mm} {_n(v.result.executions, 'execution')}"
                        for v in fix.verdicts)
    if checked:
        lines.append(f"(the changed design checked in full: {checked}, nothing found)")
    return printable_block("\n".join(lines))


def fix_json(mms: list[str], fix: FixResult) -> dict[str, Any]:
    return {"mm": mms, "already_holds": fix.already_holds, "complete": fix.complete,
            "fixed": fix.changes is not None,
            "changes": None if fix.changes is None else [
                {"file": shown_path(c.site.path), "line": c.site.line,
                 "primitive": c.site.primitive, "change": c.kind,
                 "text": fix.texts.get(c.site, "")} for c in fix.changes],
            "checks": fix.checks, "pruned": fix.pruned, "reason": fix.reason}


def compare_models_text(name: str, verdicts: list[Verdict], width: int,
                        options: Options) -> str:
    """One check under several memory models: a verdict per model, then the first
    finding of each model that fails, as a table (``check --compare``)."""
    mms = [v.mm for v in verdicts]
    words = [v.result.verdict.value if v.result.verdict else "incomplete" for v in verdicts]
    cols = [max(len(m), len(w)) for m, w in zip(mms, words, strict=True)]
    left = len("executions")

    def row(label: str, cells: list[str]) -> str:
        return (f"  {label.ljust(left)}  "
                + "  ".join(c.rjust(w) for c, w in zip(cells, cols, strict=True))).rstrip()

    lines = [f"{printable(name)}: " + ", ".join(f"{m} {w}" for m, w in zip(mms, words,
                                                                          strict=True)), "",
             row("", mms), row("verdict", words),
             row("executions", [str(v.result.executions) for v in verdicts])]
    for v in verdicts:
        if not v.complete and not v.result.violations:
            lines += ["", f"{v.mm}: incomplete, no verdict"]
            lines += incomplete_lines(v.result, options, "  ")
    for v in verdicts:
        if v.violation is not None:
            lines += ["", f"under {v.mm}:",
                      render_violation(v.violation, v.model, get_model(v.mm), width)]
    return printable_block("\n".join(lines))
