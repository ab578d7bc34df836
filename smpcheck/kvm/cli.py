"""``smpcheck kvm list | check MODEL | matrix``: the KVM MMU model library.

``check`` has the exit statuses and JSON of ``smpcheck check``; ``matrix``
prints a verdict for every model x scenario x memory model x variant that
matters, with the executions and time of each cell.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Callable, Mapping
from typing import Any

from smpcheck.errors import EXIT_OK, UsageError


def register(subparsers: Any, common: Callable[..., None]) -> None:
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
    common(c, default_mm="sc")
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
    m.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds per cell (default 60; a cell cut short is incomplete)")
    m.add_argument("--json", action="store_true", help="print the cells as JSON")
    m.set_defaults(func=cmd_matrix)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def parse_sets(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise UsageError(f"--set takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out


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
    from smpcheck.cli import run_and_report
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


def cmd_demo(args: argparse.Namespace) -> int:
    """What `make demo` prints: is the 2013 design safe?"""
    from smpcheck.explorer import Settings
    from smpcheck.kvm.registry import get
    from smpcheck.models import get_model
    from smpcheck.report import render_result
    from smpcheck.verify import verify

    design = get("unmap-nolock-2013")
    fixed = {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb"}
    print(textwrap.fill(f"{design.name}: {design.description}.", 80))
    print(textwrap.fill(f"Follows {design.follows}.", 80) + "\n")
    for mm, setting, label in (("sc", {}, "as proposed"), ("tso", {}, "as proposed"),
                               ("tso", fixed, "with smp_mb on both sides")):
        model, names = design.build("core", setting)
        result = verify(model, names, mm, Settings())
        print(f"== scenario core, {label}, under {mm}: {result.status}\n")
        print(render_result(result, model, get_model(mm), False, 80) + "\n")
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace) -> int:
    from smpcheck.kvm.registry import models

    mms = [m.strip() for m in args.mm.split(",") if m.strip()]
    cells = []
    for design in models():
        if args.model and design.name not in args.model:
            continue
        for variant in design.variants:
            if args.variant and not any(_has(variant, v) for v in args.variant):
                continue
            if not args.json:
                print(f"{design.name}, {variant_label(variant)}:", flush=True)
            for scenario in design.scenarios:
                if args.scenario and scenario.name not in args.scenario:
                    continue
                for mm in mms:
                    cell = run_cell(design, scenario.name, variant, mm, args.timeout)
                    cells.append(cell)
                    if not args.json:
                        print(cell_line(cell), flush=True)
    if args.json:
        print(json.dumps(cells, indent=2))
    return EXIT_OK


def _has(variant: Mapping[str, str], wanted: str) -> bool:
    return all(variant.get(k) == v for k, v in parse_sets(wanted.split(",")).items())


def variant_label(variant: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in variant.items()) or "as shipped (defaults)"


def run_cell(design: Any, scenario: str, variant: Mapping[str, str], mm: str,
             timeout: float) -> dict[str, Any]:
    """One verdict: the scenario with the variant's switches under ``mm``."""
    from smpcheck.explorer import Settings
    from smpcheck.verify import verify

    model, names = design.build(scenario, variant)
    start = time.monotonic()
    result = verify(model, names, mm, Settings(timeout=timeout))
    first = result.violations[0] if result.violations else None
    return {"model": design.name, "scenario": scenario, "variant": dict(variant), "mm": mm,
            "verdict": str(result.status), "executions": result.executions,
            "blocked": result.blocked, "seconds": round(time.monotonic() - start, 2),
            "finding": f"{first.kind}: {first.message}" if first else ""}


def cell_line(cell: Mapping[str, Any]) -> str:
    """A matrix row; the finding, if any, on the next line."""
    line = (f"  {cell['scenario']:11} {cell['mm']:5} {cell['verdict']:10} "
            f"{cell['executions']:>6} ex {cell['seconds']:>6.2f} s")
    if cell["finding"]:
        line += "\n      " + cell["finding"][:72]
    return line


if __name__ == "__main__":  # pragma: no cover
    sys.exit(1)
