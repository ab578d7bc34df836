"""The report of a sweep: its bound and counts, each distinct finding with its smallest
scenario and table, and the scenarios cut short; as text or JSON."""

from __future__ import annotations

import textwrap
from typing import Any

from smpcheck.analyses.sweep import SweepResult
from smpcheck.text import printable_block


def render_sweep(res: SweepResult, width: int = 80) -> str:
    """The text report."""
    verdict = res.verdict or "incomplete, no verdict"
    out = [f"{res.name} sweep under {res.mm}: {verdict}", ""]
    out += [textwrap.fill(line, width, subsequent_indent="  ") for line in bound_lines(res)]
    for n, f in enumerate(res.findings, 1):
        s = f.smallest
        out += ["", f"finding {n} of {len(res.findings)}, in {f.scenarios} "
                f"scenario{'s' if f.scenarios != 1 else ''}; the smallest:",
                textwrap.fill(scenario_text(s["scenario"]), width, initial_indent="  ",
                              subsequent_indent="    "), "", f.violation["text"]]
    if res.incomplete:
        out += ["", f"{len(res.incomplete)} scenario{'s' if len(res.incomplete) != 1 else ''}"
                " cut short (no verdict for them):"]
        for s in res.incomplete[:10]:
            out.append(textwrap.fill(scenario_text(s["scenario"]), width, initial_indent="  ",
                                     subsequent_indent="    "))
            for cut in s["incomplete"]:
                out.append(textwrap.fill(cut["message"], width, initial_indent="    ",
                                         subsequent_indent="      "))
        if len(res.incomplete) > 10:
            out.append(f"  ... and {len(res.incomplete) - 10} more (--json lists them all)")
    out += ["", textwrap.fill(closing_line(res), width, subsequent_indent="  ")]
    return printable_block("\n".join(out))


def bound_lines(res: SweepResult) -> list[str]:
    p = res.plan
    dups = "".join(f"; {a} is {b}" for a, b in p.duplicate_states)
    return [f"bound: {res.cpus} CPUs, at most {res.max_ops} operation"
            f"{'s' if res.max_ops != 1 else ''} each; "
            f"{len(p.states)} initial state{'s' if len(p.states) != 1 else ''} "
            f"({len(p.duplicate_states) or 'no'} duplicate"
            f"{'s' if len(p.duplicate_states) != 1 else ''}{dups})",
            f"scenarios: {len(p.scenarios)} checked ({p.before_symmetry} before removing "
            "CPU permutations), "
            f"{len(p.scenarios) - len(res.incomplete)} complete, {len(res.incomplete)} "
            f"incomplete; {res.executions} executions"]


def closing_line(res: SweepResult) -> str:
    time_ = (f"{res.seconds:.2f} s, {res.cpu_seconds:.2f} s of CPU, {res.jobs} worker"
             f"{'s' if res.jobs != 1 else ''}")
    if res.verdict == "safe":
        return f"every execution of every scenario in the bound was checked ({time_})"
    if res.verdict is None:
        return f"nothing found, but not every scenario was checked: no verdict ({time_})"
    return f"{len(res.findings)} distinct finding{'s' if len(res.findings) != 1 else ''} " \
           f"({time_})"


def scenario_text(s: dict[str, Any]) -> str:
    cpus = "; ".join(f"CPU {i}: {', '.join(seq) or '-'}" for i, seq in enumerate(s["cpus"]))
    return f"initial state {s['initial_state']}; {cpus}"


def sweep_dict(res: SweepResult) -> dict[str, Any]:
    """The JSON report: one object per finding with its smallest scenario and its
    violation (trace included), the scenarios cut short, the counts, the exit status."""
    p = res.plan
    return {
        "sweep": res.name, "memory_model": res.mm,
        "bound": {"cpus": res.cpus, "max_ops": res.max_ops},
        "initial_states": [name for i, name in enumerate(p.states) if i in p.calls],
        "duplicate_states": [{"state": a, "same_as": b} for a, b in p.duplicate_states],
        "scenarios": len(p.scenarios), "before_symmetry": p.before_symmetry,
        "executions": res.executions, "elapsed_s": round(res.seconds, 3),
        "cpu_s": round(res.cpu_seconds, 3), "jobs": res.jobs,
        "verdict": res.verdict, "complete": res.complete,
        "findings": [{"kind": f.violation["kind"], "message": f.violation["message"],
                      "file": f.violation["file"], "line": f.violation["line"],
                      "scenario": f.smallest["scenario"], "scenarios": f.scenarios,
                      "violations": [f.violation["json"]]} for f in res.findings],
        "incomplete": [{"scenario": s["scenario"], "incomplete": s["incomplete"]}
                       for s in res.incomplete],
        "exit": res.exit_status,
    }


def sweep_command(source: Any, mm: str, max_ops: int, settings: Any, jobs: int,
                  as_json: bool, width: int, options: Any) -> int:
    """``smpcheck sweep`` / ``smpcheck kvm sweep``: run, print, the exit status."""
    from smpcheck.analyses.sweep import sweep
    from smpcheck.report.json_report import dumps

    res = sweep(source, mm, max_ops, settings, jobs, options, width)
    print(dumps(sweep_dict(res)) if as_json else render_sweep(res, width))
    return res.exit_status
