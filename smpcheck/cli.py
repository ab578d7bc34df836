"""The command line: ``smpcheck check|litmus|kvm|herd ...``.

Exit status: 0 complete and nothing found; 1 a violation; 2 bad input (a bad
option value too) or an error in the model; 3 incomplete: a bound or the timeout
was hit and nothing found, so no verdict (or the run was interrupted); 4 an
internal error of smpcheck.  Under ``--json`` every exit prints one JSON
document: the report, or ``{"error": {...}, "exit": N}`` when there is none.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from smpcheck.errors import (
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_USAGE,
    EXIT_VIOLATION,
    UsageError,
)
from smpcheck.explore.explorer import Settings
from smpcheck.results.result import EXIT_FOR, Limit, Result
from smpcheck.text import printable_block

if TYPE_CHECKING:
    from smpcheck.explore.replay_record import Record

__all__ = ["EXIT_FOR", "OPTIONS", "build_parser", "herd_main", "main", "settings_from"]

#: The option that sets each limit: the advice on a run cut short names these.
OPTIONS = {Limit.MAX_EXECUTIONS: "--max-executions", Limit.TIMEOUT: "--timeout",
           Limit.LOOP_BOUND: "--loop-bound", Limit.MAX_EVENTS: "--max-events"}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    with pipe_safe_stdout():
        return _main(args_list)


def _main(argv: list[str]) -> int:
    parser = build_parser()
    wants_json = _asks_json(argv)
    try:
        args = parser.parse_args(argv)
    except BadArguments as exc:
        print(exc.usage, end="", file=sys.stderr)
        return fail(exc.message, EXIT_USAGE, wants_json, prog=exc.prog)
    if args.version:
        from smpcheck.explore.replay_record import smpcheck_version

        print(f"smpcheck {smpcheck_version()}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return fail("no command given", EXIT_USAGE, wants_json) if wants_json else EXIT_USAGE
    wants_json = bool(getattr(args, "json", False))
    try:
        code: int = args.func(args)
        return code
    except UsageError as exc:
        return fail(exc.message, EXIT_USAGE, wants_json, exc.path, exc.line, exc.column)
    except KeyboardInterrupt:
        return fail("interrupted: no verdict", EXIT_INCOMPLETE, wants_json)
    except Exception as exc:  # pragma: no cover - a bug of ours
        traceback.print_exc()
        return fail("smpcheck internal bug, please report (with the model and the command): "
                    f"{type(exc).__name__}: {exc}", EXIT_INTERNAL, wants_json)


def fail(message: str, code: int, wants_json: bool, path: str | None = None,
         line: int | None = None, column: int | None = None, prog: str = "smpcheck") -> int:
    """Say why the command stops without a report (on stderr, and as a JSON document
    on stdout under ``--json``); ``code``, the exit status."""
    label = "error" if code != EXIT_INCOMPLETE else "stopped"
    shown = UsageError(message, path, line, column)  # (prints as path:line:column: message)
    print(printable_block(f"{prog}: {label}: {shown}"), file=sys.stderr)
    if wants_json:
        from smpcheck.report.json_report import dumps, error_dict

        print(dumps(error_dict(message, code, path, line, column)))
    return code


def _asks_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON, before it is known to parse (``--json``
    or an abbreviation argparse accepts; ``herd`` passes its arguments to herd7's
    parser, which has no such option)."""
    return argv[:1] != ["herd"] and any(len(a) > 3 and "--json".startswith(a) for a in argv)


def herd_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck-herd``: herd7's command line."""
    from smpcheck.herd.cli import herd_command

    with pipe_safe_stdout():
        return herd_command(list(sys.argv[1:] if argv is None else argv))


class BadArguments(Exception):
    """argparse found the command line wrong (raised instead of exiting, so that
    ``--json`` gets its document)."""

    def __init__(self, message: str, usage: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.prog = prog


class Parser(argparse.ArgumentParser):
    """argparse's parser, raising :class:`BadArguments` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise BadArguments(message, self.format_usage(), self.prog)


class _PipeSafe(io.TextIOBase):
    """Standard output that a reader who stopped reading (``| head``) does not break:
    the rest of the output is dropped and the command goes on to its real exit status."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        """From now on, drop the output; point the descriptor at /dev/null, so that
        what the stream still holds does not fail again when Python exits."""
        self.broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)

    def isatty(self) -> bool:
        return not self.broken and self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


@contextlib.contextmanager
def pipe_safe_stdout() -> Iterator[None]:
    """Run with :class:`_PipeSafe` as ``sys.stdout`` (restored after)."""
    saved = sys.stdout
    sys.stdout = _PipeSafe(saved)
    try:
        yield
    finally:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stdout = saved


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="smpcheck", description="Check every execution of a "
               "lockless kernel design under SC, x86-TSO or the LKMM.")
    p.add_argument("--version", action="store_true", help="print smpcheck's version")
    sub = p.add_subparsers(title="commands")
    c = sub.add_parser("check", help="check a model file (Python)")
    c.add_argument("model", help="the model file, MODEL.py")
    _common(c, default_mm=None)
    c.add_argument("-D", dest="define", action="append", default=[], metavar="NAME=VALUE",
                   help="set a switch the model reads with smpcheck.switch() (repeatable)")
    c.add_argument("--variant", action="append", metavar="NAME=VALUE[,NAME=VALUE]",
                   help="check once per setting of the switches (repeatable), as kvm matrix")
    c.add_argument("--replay", metavar="FILE", help="re-run the execution recorded in a "
                   "--json report instead of exploring")
    c.set_defaults(func=cmd_check)
    _extra_commands(sub)
    return p


def positive_int(text: str) -> int:
    """An option's value that must be a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"takes a number of at least 1, not {text!r}")
    return value


MAX_WIDTH = 10_000  # each line of a table is laid out at full width before it is trimmed


def columns(text: str) -> int:
    """``--width``: a number of columns, 1 to :data:`MAX_WIDTH`."""
    value = positive_int(text)
    if value > MAX_WIDTH:
        raise argparse.ArgumentTypeError(f"takes at most {MAX_WIDTH} columns, not {text!r}")
    return value


def seconds(text: str) -> float:
    """An option's value that must be a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"takes a finite number of seconds above 0, not "
                                         f"{text!r} (leave it out for no time limit)")
    return value


def add_bounds(p: argparse.ArgumentParser, timeout: float | None = None,
               max_executions: bool = True) -> None:
    """The options that set the limits of :data:`OPTIONS` (and :class:`Settings`'s)."""
    if max_executions:
        p.add_argument("--max-executions", type=positive_int, metavar="N", help="stop after "
                       "N executions (the run is then incomplete: no verdict)")
    p.add_argument("--timeout", type=seconds, default=timeout, metavar="S",
                   help="stop after S seconds (the run is then incomplete: no verdict)"
                   + (f"; default {timeout:g}" if timeout is not None else ""))
    p.add_argument("--loop-bound", type=positive_int, default=Settings.loop_bound,
                   metavar="N", help="iterations a loop that is not a spin-wait may run "
                   f"(default {Settings.loop_bound})")
    # The event bound is a real bound of every run (a CPU that issues more events stops
    # there, and the run is incomplete), so the advice on hitting it names an option
    # that raises it rather than one no command has.
    p.add_argument("--max-events", type=positive_int, default=Settings.max_events,
                   metavar="N", help="events one CPU may issue in an execution "
                   f"(default {Settings.max_events})")


def _common(p: argparse.ArgumentParser, default_mm: str | None) -> None:
    p.add_argument("--mm", default=default_mm, help="memory model: sc, tso or lkmm "
                   f"(default {default_mm or 'sc, or by file type, or the recorded one'})")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--all", action="store_true", help="report every distinct violation, "
                   "not only the first")
    add_bounds(p)
    p.add_argument("--width", type=columns, default=80,
                   help="table width in columns (default 80)")
    p.add_argument("--html", metavar="FILE", help="also write the report as one "
                   "self-contained HTML page (lanes, rf/co/fr arrows)")


def _extra_commands(sub: Any) -> None:
    """Subcommands that live in their own modules."""
    for module in ("smpcheck.litmus.cli", "smpcheck.kvm.cli", "smpcheck.herd.cli"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        mod.register(sub, _common)


def settings_from(args: argparse.Namespace) -> Settings:
    """The exploration's settings from the options of :func:`add_bounds` and ``--all``."""
    return Settings(max_executions=getattr(args, "max_executions", None),
                    timeout=args.timeout, loop_bound=args.loop_bound,
                    max_events=args.max_events, all_violations=getattr(args, "all", False))


def cmd_check(args: argparse.Namespace) -> int:
    from smpcheck._rt.loader import load_model
    from smpcheck.model.switches import parse_define, switches_set

    if args.replay:
        return replay_and_report(args)
    if args.variant:
        return check_variants(args)
    from smpcheck._rt.runtime import Stop
    from smpcheck._rt.watchdog import Watchdog

    try:  # (--timeout bounds the model file's own module-level code too)
        with Watchdog(args.timeout, stall=math.inf), \
                switches_set(parse_define(args.define), args.model):
            model, names = load_model(args.model)
    except Stop:
        return fail(f"stopped after {args.timeout:g} s (--timeout) while the model file's "
                    "module-level code ran: no verdict", EXIT_INCOMPLETE, args.json,
                    args.model)
    args.mm = args.mm or "sc"
    return run_and_report(model, names, args)


def check_variants(args: argparse.Namespace) -> int:
    """``check --variant``: the model once per setting, a line each as ``kvm matrix``
    prints them; exit 1 if a variant has a violation, else 3 if one was cut short."""
    from smpcheck.kvm.cli import cell_line, run_cell, variant_label
    from smpcheck.model.switches import ModelFile, parse_define, parse_variant

    design, cells = ModelFile(args.model), []
    for text in args.variant:
        variant = {**parse_define(args.define), **parse_variant(text)}
        cells.append(run_cell(design, os.path.basename(args.model).removesuffix(".py"),
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
    from smpcheck._rt.loader import load_model
    from smpcheck.explore.replay import reproduce
    from smpcheck.explore.replay_record import fingerprint
    from smpcheck.model.switches import parse_define, switches_set
    from smpcheck.models import get_model
    from smpcheck.report.json_report import dumps, replay_dict
    from smpcheck.report.text import render_violation

    record = load_replay(args.replay)
    with switches_set(parse_define(args.define), args.model):
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
    from smpcheck.explore.verify import verify
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.report.html import check_writable
    from smpcheck.report.json_report import dumps, result_dict

    check_writable(getattr(args, "html", None))
    progress = live_progress() if sys.stderr.isatty() and not args.json else None
    try:
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
    if getattr(args, "html", None):
        from smpcheck.report.html import result_sections, write_page

        write_page(args.html, f"smpcheck: {model.name}", result_sections(
            result, model, mm, OPTIONS, args.all))
    return result.exit_status


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
