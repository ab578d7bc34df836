"""``smpcheck litmus FILE... [--mm lkmm|tso|sc] [--compare sc,tso,lkmm] [--table]``.

Prints herd7's output for each file (:mod:`smpcheck.report.herd`); the memory model
defaults to the LKMM for C tests and x86-TSO for X86 tests.  ``--compare``
prints the final states each model allows side by side and, for each state
that some model forbids, the CPU-column table of an execution reaching it
under the first model that allows it.  ``--table`` adds the table of an
execution satisfying the condition's proposition.

A run cut short by a bound (``--max-executions``, ``--timeout``, ``--loop-bound``,
``--max-events``) has no verdict: its block says what cut it and how to lift
it (:func:`~smpcheck.report.herd.incomplete_text`), ``--compare`` marks
its column, and the exit status is 3.  Otherwise the exit status is 2 when a
file is bad (the others are still checked), else 0.  ``--json`` prints
``{"runs": [...], "errors": [...], "complete": ..., "exit": ...}``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from smpcheck.cli.common import OPTIONS, add_common, settings_from
from smpcheck.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, UsageError
from smpcheck.text import printable, printable_block

if TYPE_CHECKING:  # (imported where used: ``smpcheck --help`` registers this command)
    from smpcheck.litmus.run import LitmusRun, State
    from smpcheck.report.limits import Options


def register(subparsers: Any) -> None:
    """Add the ``litmus`` subcommand."""
    p = subparsers.add_parser("litmus", help="check litmus tests (C, X86, X86_64) and print "
                              "herd7's output")
    p.add_argument("files", nargs="+", metavar="FILE", help="litmus files")
    add_common(p, default_mm=None)
    p.add_argument("--compare", metavar="MM,MM,...", help="compare the final states the "
                   "given memory models allow, e.g. sc,tso,lkmm")
    p.add_argument("--table", action="store_true", help="also print the CPU-column table of "
                   "an execution satisfying the condition")
    p.set_defaults(func=cmd_litmus)


def cmd_litmus(args: argparse.Namespace) -> int:
    """Check each file: exit 3 if a run was cut short, else 2 if a file could not be
    checked, else 0."""
    from smpcheck.explore.by_file import MAP_START_S, default_jobs, map_ordered

    models = _models(args)
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    from smpcheck.report.progress import Bar

    if args.html is not None:  # (the HTML report's module, imported only for it)
        from smpcheck.report.html import check_writable

        check_writable(args.html)
    done: list[LitmusRun] = []
    # (split by file; the HTML page is drawn from the runs, which stay in this process)
    jobs = (args.jobs or default_jobs()) if len(args.files) > 1 and not args.html else 1
    each = argparse.Namespace(**{**vars(args), "jobs": 1}) if jobs > 1 else args
    start_after = 0.0 if args.jobs else MAP_START_S  # (-j given: split from the start)
    results = map_ordered(_check_file, [(path, each, models) for path in args.files], jobs,
                          start_after)
    with Bar(len(args.files), "litmus", None if len(args.files) > 1 else False) as bar:
        for path, (out, err, file_status, file_reports, file_errors, runs) in zip(
                args.files, results, strict=True):
            bar.show(path)
            sys.stdout.write(out)
            sys.stderr.write(err)
            status = max(status, file_status)
            reports.extend(file_reports)
            errors.extend(file_errors)
            done.extend(runs)
            bar.advance()
    if args.html:
        from smpcheck.report.html import litmus_sections, write_page

        write_page(args.html, "smpcheck litmus", litmus_sections(done, OPTIONS))
    if args.json:
        print(json.dumps({"runs": reports, "errors": errors,
                          "complete": all(r["complete"] for r in reports), "exit": status},
                         indent=2))
    return status


FileOutcome = tuple[str, str, int, list[dict[str, Any]], list[dict[str, Any]], list["LitmusRun"]]


def _check_file(task: tuple[str, argparse.Namespace, list[str]]) -> FileOutcome:
    """One file's output, messages, exit status, JSON runs and errors, and its runs when
    an HTML page is asked for."""
    from smpcheck.litmus.run import load_litmus, run_litmus
    from smpcheck.report.herd import herd_text

    path, args, models = task
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            test, text = load_litmus(path)
            # (an execution per final state only for what draws or judges one)
            keep = bool(models or args.table or args.html)
            runs = [run_litmus(test, mm, settings_from(args), text, keep_witnesses=keep)
                    for mm in (models or [args.mm])]
        except UsageError as exc:
            print(printable_block(f"smpcheck: error: {exc}"), file=sys.stderr)
            errors.append({"message": exc.message, "file": exc.path, "line": exc.line,
                           "column": exc.column})
            return out.getvalue(), err.getvalue(), EXIT_USAGE, reports, errors, []
        for run in runs:
            _warn(run)
            if not run.result.complete:
                status = EXIT_INCOMPLETE
        if args.json:
            reports.extend(run_dict(run) for run in runs)
        elif models:
            print(compare_text(runs, args.width, OPTIONS) + "\n")
        else:
            print(herd_text(runs[0], OPTIONS) + "\n")
            if args.table:
                print(witness_text(runs[0], args.width) + "\n")
    return out.getvalue(), err.getvalue(), status, reports, errors, runs if args.html else []


def _models(args: argparse.Namespace) -> list[str]:
    from smpcheck.models import model_names

    known = model_names()
    chosen = [m.strip() for m in args.compare.split(",") if m.strip()] if args.compare else []
    for mm in chosen + ([args.mm] if args.mm else []):
        if mm not in known:
            raise UsageError(f"unknown memory model {mm!r} (known: {', '.join(known)})")
    if args.compare and not chosen:
        raise UsageError("--compare needs memory models, e.g. --compare sc,tso,lkmm")
    return chosen


def _warn(run: LitmusRun) -> None:
    name = printable(run.test.name)
    for finding in run.findings:
        print(printable_block(f"smpcheck: warning: {name} under {run.mm}: {finding}"),
              file=sys.stderr)


def run_dict(run: LitmusRun) -> dict[str, Any]:
    """A run as JSON: verdict (null, with ``complete`` false and the reasons in
    ``incomplete``, for a run cut short), counts, states, flags."""
    from smpcheck.report.limits import incomplete_dicts

    r = run.result
    return {"test": run.test.name, "file": run.test.path, "memory_model": run.mm,
            "verdict": run.verdict, "ok": run.ok, "complete": r.complete,
            "positive": run.positive, "negative": run.negative,
            "states": [run.show_state(s) for s in run.sorted_states()],
            "flags": run.flags, "findings": run.findings, "executions": r.executions,
            "blocked": r.blocked, "elapsed_s": round(r.elapsed_s, 4),
            "incomplete": incomplete_dicts(r, OPTIONS)}


# ------------------------------------------------------------------- tables


def execution_table(run: LitmusRun, state: State, width: int) -> str:
    """The CPU-column table of the kept execution reaching ``state``."""
    from smpcheck.models import get_model
    from smpcheck.report.table import render_table, rows_for
    from smpcheck.results.findings import Kind, Violation

    v = Violation(Kind.CONDITION, "", None, None, run.witnesses[state])
    return render_table(rows_for(v, get_model(run.mm)), run.model.cpu_names, width)


def witness_text(run: LitmusRun, width: int = 80) -> str:
    """A table of an execution satisfying the condition's proposition, if there is one."""
    from smpcheck.litmus.translate import render_prop

    prop = render_prop(run.test.condition.prop)
    for state in run.sorted_states():
        if state in run.witnesses and run.satisfies(state):
            return printable_block(f"An execution under {run.mm} where {prop} holds "
                                   f"({run.show_state(state)}):\n\n"
                                   + execution_table(run, state, width))
    if not run.result.complete:
        return (f"No execution visited under {run.mm} satisfies {prop}; the run was cut "
                "short, so one may exist.")
    return printable_block(f"No execution under {run.mm} satisfies {prop}.")


def compare_text(runs: list[LitmusRun], width: int, options: Options) -> str:
    """The states each model allows, side by side, then witnesses of the differences.
    A run cut short has no verdict, and a state it did not reach is not known to be
    forbidden (``?``); ``options`` names the option that lifts each cut."""
    from smpcheck.litmus.run import state_order
    from smpcheck.litmus.translate import render_prop
    from smpcheck.report.limits import incomplete_lines

    test = runs[0].test
    states = sorted({s for run in runs for s in run.states}, key=state_order)
    first = next((run for run in runs if run.states), runs[0])
    shown = {s: first.show_state(s) for s in states}
    left = max([len("final state"), *(len(t) for t in shown.values())])
    verdicts = [run.verdict or "incomplete" for run in runs]
    cols = [max(len(run.mm), len(v)) for run, v in zip(runs, verdicts, strict=True)]

    def row(mark: str, label: str, cells: list[str]) -> str:
        return (f"{mark} {label.ljust(left)}  "
                + "  ".join(c.rjust(w) for c, w in zip(cells, cols, strict=True))).rstrip()

    def cell(run: LitmusRun, s: State) -> str:
        return str(run.states[s]) if s in run.states else "-" if run.result.complete else "?"

    lines = [f"{printable(test.name)}: {test.condition.quantifier} "
             f"({render_prop(test.condition.prop)})",
             "", row(" ", "final state", [run.mm for run in runs])]
    for s in states:
        holder = next(run for run in runs if s in run.states)
        mark = "*" if holder.satisfies(s) else " "
        lines.append(row(mark, shown[s], [cell(run, s) for run in runs]))
    lines.append(row(" ", "executions", [str(run.result.executions) for run in runs]))
    lines.append(row(" ", "verdict", verdicts))
    cut = [run for run in runs if not run.result.complete]
    lines.append("(*: the proposition holds; a number: executions reaching the state; "
                 "-: not allowed" + ("; ?: not reached before the run was cut short)" if cut
                                     else ")"))
    for run in cut:
        lines += [f"{run.mm}: incomplete, no verdict"]
        lines += incomplete_lines(run.result, options, "  ")
    for s in states:
        absent = [run.mm for run in runs if s not in run.states and run.result.complete]
        if absent:
            holder = next(run for run in runs if s in run.states)
            lines += ["", f"{shown[s]} is allowed by {holder.mm}, not by {', '.join(absent)}:",
                      "", execution_table(holder, s, width)]
    return printable_block("\n".join(lines))


__all__ = ["cmd_litmus", "compare_text", "register", "run_dict", "witness_text"]
