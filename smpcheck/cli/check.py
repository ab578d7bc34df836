"""``smpcheck check MODEL.py``: explore a model file and report (or ``--replay`` a
recorded counterexample); :func:`run_and_report` also serves ``smpcheck kvm check``."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smpcheck.cli.common import OPTIONS, add_common, fail, settings_from
from smpcheck.errors import EXIT_INCOMPLETE, EXIT_VIOLATION, UsageError
from smpcheck.results.result import Result, Status

if TYPE_CHECKING:
    from smpcheck.explore.replay_record import Record

__all__ = ["cmd_check", "register", "replay_and_report", "run_and_report"]


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand."""
    c = subparsers.add_parser("check", help="check a model file (Python or C)")
    c.add_argument("model", help="the model file, MODEL.py or MODEL.c")
    c.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="a C model's macro, as cc takes it, or a switch a Python model reads "
                   "with smpcheck.switch() (repeatable; a bare NAME is 1)")
    add_common(c, default_mm=None)
    c.add_argument("--variant", action="append", metavar="NAME=VALUE[,NAME=VALUE]",
                   help="check once per setting of the switches (repeatable), as kvm matrix")
    c.add_argument("--replay", metavar="FILE", help="re-run the execution recorded in a "
                   "--json report instead of exploring")
    c.set_defaults(func=cmd_check)
    from smpcheck.cli.barriers import add_check_options

    add_check_options(c)


def cmd_check(args: argparse.Namespace) -> int:
    from smpcheck.c import load_any

    if args.replay:
        return replay_and_report(args)
    if args.variant:
        return check_variants(args)
    from smpcheck._rt.runtime import Stop
    from smpcheck._rt.watchdog import Watchdog

    try:  # (--timeout bounds the model file's own module-level code too)
        with Watchdog(args.timeout, stall=math.inf):
            model, names = load_any(args.model, args.defines)
    except Stop:
        return fail(f"stopped after {args.timeout:g} s (--timeout) while the model file's "
                    "module-level code ran: no verdict", EXIT_INCOMPLETE, args.json,
                    args.model)
    if args.compare:
        from smpcheck.cli.barriers import check_compare

        return check_compare(model, names, args)
    args.defaulted_mm = args.mm is None
    args.mm = args.mm or "sc"
    return run_and_report(model, names, args)


def check_variants(args: argparse.Namespace) -> int:
    """``check --variant``: the model once per setting, a line each as ``kvm matrix``
    prints them; exit 1 if a variant has a violation, else 3 if one was cut short."""
    from smpcheck.c import FileDesign
    from smpcheck.cli.cells import cell_line, run_cell, variant_label
    from smpcheck.model.switches import parse_define, parse_variant

    if args.html:
        raise UsageError("--html draws one run: give the setting with -D instead of --variant")
    design, cells = FileDesign(args.model), []
    for text in args.variant:
        variant = {**parse_define(args.defines), **parse_variant(text)}
        cells.append(run_cell(design, os.path.splitext(os.path.basename(args.model))[0],
                              variant, args.mm or "sc", settings_from(args)))
        if not args.json:
            print(f"{args.model}, {variant_label(variant)}:\n" + cell_line(cells[-1]))
    if args.json:
        from smpcheck.report.json_report import dumps

        print(dumps({"variants": cells}))
    verdicts = {c["verdict"] for c in cells}
    return (EXIT_VIOLATION if "violation" in verdicts else
            EXIT_INCOMPLETE if None in verdicts else 0)


def load_replay(path: str) -> Record:
    """The replay record in ``path`` (a ``--json`` report); a usage error if it is none."""
    from smpcheck.explore.replay_record import load_record

    return load_record(path)


def replay_and_report(args: argparse.Namespace) -> int:
    """``check --replay FILE``: the recorded violation shown again (exit 1), or a usage
    error saying why the record does not fit the model or does not reproduce (exit 2).
    A replay runs one recorded execution: it is never a verdict on the model."""
    from smpcheck.c import load_any
    from smpcheck.explore.replay_record import fingerprint
    from smpcheck.explore.reproduce import reproduce
    from smpcheck.models import get_model
    from smpcheck.report.json_report import dumps, replay_dict
    from smpcheck.report.text import render_violation

    record = load_replay(args.replay)
    model, names = load_any(args.model, args.defines)
    mm = get_model(args.mm or record.fingerprint.memory_model)
    settings = settings_from(args)
    now = fingerprint(model, mm.name, settings)
    if now is None:  # (load_model gives every model its file)
        raise UsageError("a replay needs a model file", args.model)
    record.check(now)
    v = reproduce(model, names, mm, settings, record)
    if args.html:
        from smpcheck.report.html import violation_section, write_page

        write_page(args.html, f"smpcheck: {model.name} (replay)", [violation_section(
            v, model, mm, f"violation (replay of {args.replay})")])
    if args.json:
        print(dumps(replay_dict(v, model, mm, now, args.replay)))
    else:
        print(f"{model.name} under {mm.name}: violation (replay of the counterexample "
              f"recorded in {args.replay})\n\n{render_violation(v, model, mm, args.width)}\n\n"
              "The recorded execution ran again and shows this violation again. A replay\n"
              "runs that one execution only (run without --replay to check the model).")
    return EXIT_VIOLATION


def run_and_report(model: Any, names: Any, args: argparse.Namespace) -> int:
    from smpcheck.explore.verify import verify
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.report.html import check_writable
    from smpcheck.report.json_report import dumps, result_dict

    check_writable(getattr(args, "html", None))
    progress = live_progress() if sys.stderr.isatty() and not args.json else None
    try:
        if getattr(args, "shortest", False):
            from smpcheck.analyses.shortest import shortest

            result = shortest(model, names, args.mm, settings_from(args), progress)
        else:
            result = verify(model, names, args.mm, settings_from(args), progress)
    finally:
        if progress is not None:
            progress(None)
    mm = get_model(args.mm)
    if args.json:
        from smpcheck.explore.replay_record import fingerprint

        print(dumps(result_dict(result, model, mm, args.all, OPTIONS,
                                fingerprint(model, mm.name, settings_from(args)))))
    else:
        print(render_result(result, model, mm, args.all, args.width, options=OPTIONS))
        if getattr(args, "shortest", False):
            from smpcheck.cli.barriers import shortest_note

            print(shortest_note(result, mm))
        if getattr(args, "defaulted_mm", False) and result.verdict == Status.SAFE:
            print("safe under sc (the default) only: weak memory was not checked "
                  "(--compare sc,tso,lkmm)")
    if getattr(args, "html", None):
        from smpcheck.report.html import result_sections, write_page

        write_page(args.html, f"smpcheck: {model.name}", result_sections(
            result, model, mm, OPTIONS, args.all))
    return result.exit_status


def live_progress() -> Callable[[Result | None], None]:
    """Executions, rate and elapsed time on the terminal, refreshed a few times a second
    (by the run's own calls: no refreshing thread, so that -j may fork its workers)."""
    from rich.console import Console
    from rich.live import Live

    console = Console(stderr=True)
    live = Live(console=console, transient=True, auto_refresh=False)
    state = {"last": 0.0, "started": False}

    def update(result: Result | None) -> None:
        if result is None:
            if state["started"]:
                live.stop()
            return
        now = time.monotonic()
        if now - state["last"] < 0.25:
            return
        state["last"] = now
        if not state["started"]:
            live.start()
            state["started"] = True
        rate = result.executions / result.elapsed_s if result.elapsed_s else 0
        live.update(f"[bold]{result.executions}[/] executions, {result.blocked} blocked, "
                    f"{rate:.0f}/s, {result.elapsed_s:.1f} s", refresh=True)

    return update
