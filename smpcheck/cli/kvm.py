"""``smpcheck kvm list | check MODEL | matrix``: the KVM MMU model library.

``check`` has the exit statuses and JSON of ``smpcheck check``; ``matrix``
prints a verdict for every model x scenario x memory model x variant that
matters, with the executions and time of each cell.  A cell cut short (by
``--timeout``, the loop bound...) has no verdict: it says ``incomplete`` and what
cut it, and ``matrix`` (like ``demo``) then exits 3; a name that selects nothing
(``--model``, ``--scenario``, ``--variant``, ``--mm``) is an error, exit 2.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Mapping
from typing import Any

from smpcheck.cli.cells import cell_line, run_cell, variant_label
from smpcheck.cli.check import run_and_report
from smpcheck.cli.common import add_bounds, add_common, parse_sets, settings_from
from smpcheck.cli.sweep import sweep_options
from smpcheck.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError


def register(subparsers: Any) -> None:
    """Add the ``kvm`` subcommand and its own subcommands."""
    p = subparsers.add_parser("kvm", help="the KVM MMU designs (2013, 3.11, 6.15)")
    sub = p.add_subparsers(title="kvm commands")
    ls = sub.add_parser("list", help="models, scenarios and switches")
    ls.set_defaults(func=cmd_list)
    c = sub.add_parser("check", help="check one model and scenario")
    c.add_argument("model", help="a model name (smpcheck kvm list)")
    c.add_argument("--scenario", help="a scenario of the model (default: its first)")
    c.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a switch setting (repeatable)")
    add_common(c, default_mm="sc")
    c.set_defaults(func=cmd_check)
    d = sub.add_parser("demo", help="the founding case: the 2013 design under SC and TSO, "
                       "the TSO counterexample, and the fixed design")
    d.set_defaults(func=cmd_demo)
    m = sub.add_parser("matrix", help="verdicts of every model x scenario x memory model "
                       "x variant")
    m.add_argument("--mm", default="sc,tso,lkmm", help="memory models (default sc,tso,lkmm)")
    m.add_argument("--model", action="append", help="only these models (repeatable)")
    m.add_argument("--scenario", action="append", help="only these scenarios (repeatable)")
    m.add_argument("--variant", action="append", metavar="NAME=VALUE[,NAME=VALUE]",
                   help="only the variants with these settings (repeatable)")
    add_bounds(m, timeout=60.0, max_executions=False)
    m.add_argument("--json", action="store_true", help="print the cells as JSON")
    m.set_defaults(func=cmd_matrix)
    sw = sub.add_parser("sweep", help="every scenario of a design up to a bound")
    sw.add_argument("model", help="a model name (smpcheck kvm list)")
    sw.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a switch setting (repeatable)")
    sweep_options(sw)
    sw.set_defaults(func=cmd_sweep)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_list(args: argparse.Namespace) -> int:
    from smpcheck.kvm.registry import models

    def say(text: str, indent: int, hang: int = 2) -> None:
        print(textwrap.fill(text, 80, initial_indent=" " * indent,
                            subsequent_indent=" " * (indent + hang)))

    for m in models():
        say(f"{m.name}: {m.description}", 0)
        say(f"follows {m.follows}", 2)
        print("  scenarios:")
        for s in m.scenarios:
            say(f"{s.name:12} {s.description}", 4, 13)
        if m.switches:
            print("  switches (--set NAME=VALUE, default first):")
            for sw in m.switches:
                say(f"{sw.name} = {' | '.join(sw.choices)}", 4)
                say(sw.meaning, 8)
        print()
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from smpcheck.kvm.registry import get

    design = get(args.model)
    model, names = design.build(args.scenario, parse_sets(args.set))
    if not args.json:
        setting = design.settings(parse_sets(args.set))
        shown = ", ".join(f"{k}={v}" for k, v in setting.items()) or "none"
        print(textwrap.fill(f"{model.name} under {args.mm}; switches: {shown}", args.width,
                            subsequent_indent="  "))
        print(textwrap.fill(f"Follows {design.follows}.", args.width, subsequent_indent="  ")
              + "\n")
    return run_and_report(model, names, args)


def cmd_sweep(args: argparse.Namespace) -> int:
    from smpcheck.cli.sweep import cmd_sweep as run
    from smpcheck.kvm.registry import get
    from smpcheck.kvm.sweeps import SWEEPS

    return run(args, None, SWEEPS[get(args.model).name], parse_sets(args.set))


def cmd_demo(args: argparse.Namespace) -> int:
    """What `make demo` prints: is the 2013 design safe?"""
    from smpcheck.explore.verify import verify
    from smpcheck.kvm.registry import get
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.report.text import verdict_text
    from smpcheck.settings import Settings

    design = get("unmap-nolock-2013")
    fixed = {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb"}
    print(textwrap.fill(f"{design.name}: {design.description}.", 80))
    print(textwrap.fill(f"Follows {design.follows}.", 80) + "\n")
    status = EXIT_OK
    for mm, setting, label in (("sc", {}, "as proposed"), ("tso", {}, "as proposed"),
                               ("tso", fixed, "with smp_mb on both sides")):
        model, names = design.build("core", setting)
        result = verify(model, names, mm, Settings())
        print(f"== scenario core, {label}, under {mm}: {verdict_text(result)}\n")
        print(render_result(result, model, get_model(mm), False, 80, options={}) + "\n")
        if not result.complete:
            status = EXIT_INCOMPLETE
    return status


def cmd_matrix(args: argparse.Namespace) -> int:
    """Every selected cell; exit 3 if one was cut short, else 0 (violations are what a
    matrix shows, not a failure of it)."""
    from smpcheck.report.progress import Bar

    designs, mms = _selection(args)
    cells: list[dict[str, Any]] = []
    bar = Bar(sum(len(mms) * len(_picked(d.scenarios, args.scenario)) * len(
        [v for v in d.variants if not args.variant or any(_has(v, w) for w in args.variant)])
        for d in designs), "kvm matrix", enabled=None if not args.json else False)
    with bar:
        _matrix(args, designs, mms, cells, bar)
    status = EXIT_OK if all(cell["complete"] for cell in cells) else EXIT_INCOMPLETE
    if args.json:
        print(json.dumps({"cells": cells, "complete": status == EXIT_OK, "exit": status},
                         indent=2))
    return status


def _picked(scenarios: Any, wanted: list[str] | None) -> list[Any]:
    return [s for s in scenarios if not wanted or s.name in wanted]


def _matrix(args: argparse.Namespace, designs: list[Any], mms: list[str],
            cells: list[dict[str, Any]], bar: Any) -> None:
    """Run and print (unless --json) every selected cell, counting each on ``bar``."""
    for design in designs:
        for variant in design.variants:
            if args.variant and not any(_has(variant, v) for v in args.variant):
                continue
            if not args.json:
                print(f"{design.name}, {variant_label(variant)}:", flush=True)
            for scenario in design.scenarios:
                if args.scenario and scenario.name not in args.scenario:
                    continue
                for mm in mms:
                    bar.show(f"{design.name} {scenario.name} {mm}")
                    cell = run_cell(design, scenario.name, variant, mm, settings_from(args))
                    cells.append(cell)
                    bar.advance()
                    if not args.json:
                        print(cell_line(cell), flush=True)


def _selection(args: argparse.Namespace) -> tuple[list[Any], list[str]]:
    """The designs and memory models ``--model``, ``--scenario``, ``--variant`` and ``--mm``
    select; a name that selects nothing is an error that lists the known ones."""
    from smpcheck.kvm.registry import get, models
    from smpcheck.models import get_model

    mms = [m.strip() for m in args.mm.split(",") if m.strip()]
    if not mms:
        raise UsageError("--mm needs memory models, e.g. --mm sc,tso")
    for mm in mms:
        get_model(mm)
    designs = [get(name) for name in args.model] if args.model else models()
    scenarios = {s.name for d in designs for s in d.scenarios}
    for name in args.scenario or []:
        if name not in scenarios:
            raise UsageError(f"no scenario {name!r} in {', '.join(d.name for d in designs)} "
                             f"(scenarios: {', '.join(sorted(scenarios))})")
    for wanted in args.variant or []:
        _check_variant(wanted, designs)
    return designs, mms


def _check_variant(wanted: str, designs: list[Any]) -> None:
    """``--variant NAME=VALUE,...`` must match a variant of a selected model."""
    if any(_has(variant, wanted) for design in designs for variant in design.variants):
        return
    known = sorted({f"{sw.name}={'|'.join(sw.choices)}" for d in designs for sw in d.switches})
    shown = "; ".join(f"{d.name}: " + ", ".join(variant_label(v) for v in d.variants)
                      for d in designs)
    raise UsageError(f"--variant {wanted!r} matches no variant (switches: "
                     f"{', '.join(known) or 'none'}; variants: {shown})")


def _has(variant: Mapping[str, str], wanted: str) -> bool:
    return all(variant.get(k) == v for k, v in parse_sets(wanted.split(",")).items())
