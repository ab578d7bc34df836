"""``smpcheck sweep FILE``: every scenario of a sweep file up to a bound (and the options
``smpcheck kvm sweep`` shares)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from smpcheck.cli.common import OPTIONS, add_bounds, columns, positive_int, settings_from
from smpcheck.records import replace


def register(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand."""
    s = subparsers.add_parser("sweep", help="check every scenario of a sweep file up to a "
                              "bound")
    s.add_argument("model", help="the file declaring operations and initial states")
    sweep_options(s)
    s.set_defaults(func=lambda args: cmd_sweep(args, args.model))


def sweep_options(p: argparse.ArgumentParser) -> None:
    """The options of ``smpcheck sweep`` and ``smpcheck kvm sweep``."""
    p.add_argument("--mm", default="sc", help="memory model: sc, tso or lkmm (default sc)")
    p.add_argument("--max-ops", type=positive_int, default=1, metavar="N",
                   help="operations each CPU runs, at most (default 1)")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    add_bounds(p)
    p.set_defaults(jobs=os.cpu_count() or 1)  # (add_bounds's -j: here, scenarios at once)
    p.add_argument("--width", type=columns, default=80, help="table width (default 80)")


def cmd_sweep(args: argparse.Namespace, path: str | None, module: str | None = None,
              sets: dict[str, str] | None = None) -> int:
    """A sweep of the file ``path``, or of ``module``'s ``sweep(sets)``."""
    from smpcheck.analyses.sweep import Source
    from smpcheck.report.sweep import sweep_command

    source = Source(path, module, "sweep" if module else None, tuple(sorted((sets or {}).items())))
    jobs = args.jobs or os.cpu_count() or 1
    # -j spreads the scenarios over processes; each one is explored in its process
    settings = replace(settings_from(args), jobs=1)
    return sweep_command(source, args.mm, args.max_ops, settings, jobs,
                         args.json, args.width, OPTIONS)
