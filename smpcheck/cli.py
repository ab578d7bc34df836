"""The command line: ``smpcheck check|litmus|kvm|herd ...``.

Exit status: 0 complete and nothing found; 1 a violation; 2 bad input or an
error in the model; 3 incomplete (a bound or the timeout was hit, nothing
found); 4 an internal error of smpcheck.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from smpcheck.replay_record import Record

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
        print(f"smpcheck: error: {exc}", file=sys.stderr)
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

    if args.replay:
        return replay_and_report(args)
    model, names = load_model(args.model)
    args.mm = args.mm or "sc"
    return run_and_report(model, names, args)


def load_replay(path: str) -> Record:
    """The replay record in ``path`` (a ``--json`` report); a usage error if it is none."""
    from smpcheck.replay_record import load_record

    return load_record(path)


def replay_and_report(args: argparse.Namespace) -> int:
    """``check --replay FILE``: the recorded violation shown again (exit 1), or a usage
    error saying why the record does not fit the model or does not reproduce (exit 2).
    A replay runs one recorded execution: it is never a verdict on the model."""
    from smpcheck.loader import load_model
    from smpcheck.models import get_model
    from smpcheck.replay import reproduce
    from smpcheck.replay_record import fingerprint
    from smpcheck.report.json_report import dumps, replay_dict
    from smpcheck.report.text import render_violation

    record = load_replay(args.replay)
    model, names = load_model(args.model)
    mm = get_model(args.mm or record.fingerprint.memory_model)
    settings = settings_from(args)
    now = fingerprint(model, mm.name, settings)
    if now is None:  # (load_model gives every model its file)
        raise UsageError("a replay needs a model file", args.model)
    record.check(now)
    v = reproduce(model, names, mm, settings, record)
    if args.json:
        print(dumps(replay_dict(v, model, mm, now, args.replay)))
    else:
        print(f"{model.name} under {mm.name}: violation (replay of the counterexample "
              f"recorded in {args.replay})\n\n{render_violation(v, model, mm, args.width)}\n\n"
              "The recorded execution ran again and shows this violation again. A replay\n"
              "runs that one execution only (run without --replay to check the model).")
    return EXIT_VIOLATION


def run_and_report(model: Any, names: Any, args: argparse.Namespace) -> int:
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.report.json_report import dumps, result_dict
    from smpcheck.verify import verify

    progress = live_progress() if sys.stderr.isatty() and not args.json else None
    try:
        result = verify(model, names, args.mm, settings_from(args), progress)
    finally:
        if progress is not None:
            progress(None)
    mm = get_model(args.mm)
    if args.json:
        from smpcheck.replay_record import fingerprint

        print(dumps(result_dict(result, model, mm, args.all,
                                fingerprint(model, mm.name, settings_from(args)))))
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
