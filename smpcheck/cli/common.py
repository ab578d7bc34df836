"""What the commands share: option types and groups, the limits' options, the
settings they give, the error report, and a standard output that survives
``| head``."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import NoReturn

from smpcheck.cli.pipes import pipe_safe_stdout
from smpcheck.errors import EXIT_INCOMPLETE, UsageError
from smpcheck.results.result import Limit
from smpcheck.settings import IRQ_BOUND, LOOP_BOUND, MAX_EVENTS, Settings
from smpcheck.text import printable_block

__all__ = ["OPTIONS", "BadArguments", "Parser", "add_bounds", "add_common", "columns", "fail",
           "pipe_safe_stdout", "positive_int", "seconds", "settings_from"]

#: The option that sets each limit: the advice on a run cut short names these.
OPTIONS = {Limit.MAX_EXECUTIONS: "--max-executions", Limit.TIMEOUT: "--timeout",
           Limit.LOOP_BOUND: "--loop-bound", Limit.MAX_EVENTS: "--max-events"}


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


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a whole number, not {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"takes a number of at least {least}, not {text!r}")
    return value


def positive_int(text: str) -> int:
    """An option's value that must be a whole number of at least 1."""
    return _whole(text, 1)


def count(text: str) -> int:
    """An option's value that must be a whole number (0 allowed)."""
    return _whole(text, 0)


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
    p.add_argument("--loop-bound", type=positive_int, metavar="N", help="iterations a loop "
                   f"that is not a spin-wait may run (default {LOOP_BOUND})")
    # The event bound is a real bound of every run (a CPU that issues more events stops
    # there, and the run is incomplete), so the advice on hitting it names an option
    # that raises it rather than one no command has.
    p.add_argument("--max-events", type=positive_int, metavar="N", help="events one CPU "
                   f"may issue in an execution (default {MAX_EVENTS})")
    p.add_argument("--irq-bound", type=count, default=IRQ_BOUND, metavar="N",
                   help="interrupts (request_irq() handlers) delivered to one CPU in an "
                   f"execution, part of what a verdict covers (default {IRQ_BOUND})")
    p.add_argument("-j", "--jobs", type=positive_int, metavar="N",
                   help="processes exploring parts of one run (default: the number of "
                   "cores)")
    p.add_argument("--ray", metavar="ADDRESS", default=os.environ.get("SMPCHECK_RAY"),
                   help="run the parts as Ray tasks on the cluster at ADDRESS (default "
                   "$SMPCHECK_RAY; needs pip install 'smpcheck[ray]')")


def add_common(p: argparse.ArgumentParser, default_mm: str | None) -> None:
    """The options of a command that checks: ``--mm``, ``--json``, ``--all``, the bounds
    and ``--width``."""
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


def settings_from(args: argparse.Namespace) -> Settings:
    """The exploration's settings from the options of :func:`add_bounds` and ``--all``
    (a bound not given: its ``SMPCHECK_*`` variable's value, else its default)."""
    from smpcheck.explore.by_file import default_jobs

    return Settings.from_environment(max_executions=getattr(args, "max_executions", None),
                                     timeout=args.timeout, loop_bound=args.loop_bound,
                                     max_events=args.max_events,
                                     all_violations=getattr(args, "all", False),
                                     jobs=getattr(args, "jobs", None) or default_jobs(),
                                     ray=getattr(args, "ray", None),
                                     irq_bound=getattr(args, "irq_bound", IRQ_BOUND))


def parse_sets(items: list[str]) -> dict[str, str]:
    """``--set NAME=VALUE`` options as a mapping (a usage error for a malformed one)."""
    out = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise UsageError(f"--set takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out
