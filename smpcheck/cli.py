"""The command line: ``smpcheck check|litmus|kvm|herd ...``.

Exit status: 0 complete and nothing found; 1 a violation; 2 bad input or an
error in the model; 3 incomplete (a bound or the timeout was hit, nothing
found); 4 an internal error of smpcheck.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from smpcheck.errors import (
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATION,
    UsageError,
)
from smpcheck.explorer import Settings
from smpcheck.findings import Result, Status
from smpcheck.text import printable_block

EXIT_FOR = {Status.SAFE: EXIT_OK, Status.VIOLATION: EXIT_VIOLATION,
            Status.INCOMPLETE: EXIT_INCOMPLETE, Status.ERROR: EXIT_USAGE}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.func(args)
        return code
    except UsageError as exc:
        print(printable_block(f"smpcheck: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("smpcheck: interrupted", file=sys.stderr)
        return EXIT_INCOMPLETE
    except BrokenPipeError:  # output piped into a command that stopped reading
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # pragma: no cover - a bug of ours
        traceback.print_exc()
        print("smpcheck internal bug, please report (with the model and the command)",
              file=sys.stderr)
        return EXIT_INTERNAL


def herd_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck-herd``: herd7's command line."""
    from smpcheck.herd.cli import herd_command

    return herd_command(list(sys.argv[1:] if argv is None else argv))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smpcheck", description="Check every execution of a "
                                "lockless kernel design under SC, x86-TSO or the LKMM.")
    sub = p.add_subparsers(title="commands")
    c = sub.add_parser("check", help="check a model file (Python)")
    c.add_argument("model", help="the model file, MODEL.py")
    _common(c, default_mm=None)
    c.add_argument("--replay", metavar="FILE", help="re-run the execution recorded in a "
                   "--json report instead of exploring")
    c.set_defaults(func=cmd_check)
    _extra_commands(sub)
    return p


def _common(p: argparse.ArgumentParser, default_mm: str | None) -> None:
    p.add_argument("--mm", default=default_mm, help="memory model: sc, tso or lkmm "
                   f"(default {default_mm or 'sc, or by file type, or the recorded one'})")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--all", action="store_true", help="report every distinct violation, "
                   "not only the first")
    p.add_argument("--max-executions", type=int, metavar="N", help="stop after N executions "
                   "(the verdict is then incomplete)")
    p.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--loop-bound", type=int, default=8, metavar="N",
                   help="iterations a loop that is not a spin-wait may run (default 8)")
    p.add_argument("--width", type=int, default=80, help="table width (default 80)")


def _extra_commands(sub: Any) -> None:
    """Subcommands that live in their own modules."""
    for module in ("smpcheck.litmus.cli", "smpcheck.kvm.cli", "smpcheck.herd.cli"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        mod.register(sub, _common)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(max_executions=args.max_executions, timeout=args.timeout,
                    loop_bound=args.loop_bound, all_violations=args.all)


def cmd_check(args: argparse.Namespace) -> int:
    from smpcheck.loader import load_model

    model, names = load_model(args.model)
    guide = None
    if args.replay:
        guide, recorded_mm = load_replay(args.replay)
        args.mm = args.mm or recorded_mm
    args.mm = args.mm or "sc"
    return run_and_report(model, names, args, guide)


def load_replay(path: str) -> tuple[Any, str]:
    from smpcheck.replay import Guide

    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the replay file: {exc}", path) from None
    found = [v for v in data.get("violations", []) if v.get("replay")]
    if not found:
        raise UsageError("the report holds no violation to replay", path)
    return Guide(found[0]["replay"], path), str(data.get("memory_model", "sc"))


def run_and_report(model: Any, names: Any, args: argparse.Namespace, guide: Any = None) -> int:
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.report.json_report import dumps, result_dict
    from smpcheck.verify import verify

    progress = live_progress() if sys.stderr.isatty() and not args.json else None
    try:
        result = verify(model, names, args.mm, settings_from(args), progress, guide)
    finally:
        if progress is not None:
            progress(None)
    mm = get_model(args.mm)
    if args.json:
        print(dumps(result_dict(result, model, mm, args.all)))
    else:
        print(render_result(result, model, mm, args.all, args.width))
    return EXIT_FOR[result.status]


def live_progress() -> Callable[[Result | None], None]:
    """Executions, rate and elapsed time on the terminal, refreshed a few times a second."""
    from rich.console import Console
    from rich.live import Live

    console = Console(stderr=True)
    live = Live(console=console, transient=True, refresh_per_second=4)
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
                    f"{rate:.0f}/s, {result.elapsed_s:.1f} s")

    return update


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
