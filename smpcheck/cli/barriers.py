"""``smpcheck barriers FILE|kvm:NAME [--mm M]... [--json] [--fix]`` and the analyses of
``smpcheck check`` (``--compare``, ``--shortest``).

``barriers`` exits 0 when every site got an answer, 3 when some re-check was cut
short (that site's answer is "unknown"); ``--fix`` exits 0 with a fix (or nothing
to fix), 1 when no set of at most ``--max-changes`` changes makes the design hold,
3 when the search was cut short.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from smpcheck.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION, UsageError

if TYPE_CHECKING:  # (imported where used: ``smpcheck --help`` registers this command)
    from smpcheck.analyses.subjects import Subject


def register(subparsers: Any) -> None:
    """Add the ``barriers`` subcommand."""
    from smpcheck.cli.common import add_bounds, columns

    p = subparsers.add_parser("barriers", help="which ordering sites are load-bearing "
                              "(--fix: the fewest fences that make a failing design hold)")
    p.add_argument("target", metavar="FILE", help="a model file, a .litmus test, or "
                   "kvm:NAME (a KVM design; --scenario, --set)")
    p.add_argument("--mm", action="append", help="memory models (repeatable or "
                   "comma-separated; default sc,tso,lkmm, a litmus test's own, kvm sc,tso)")
    p.add_argument("--json", action="store_true", help="print the answers as JSON")
    p.add_argument("--brief", action="store_true", help="no counterexample tables, only "
                   "the sites and what each prevents")
    p.add_argument("--fix", action="store_true", help="find the fewest smp_mb() (or "
                   "acquire/release) changes that make the design hold")
    p.add_argument("--max-changes", type=int, default=3, metavar="N",
                   help="--fix: at most N changes (default 3)")
    p.add_argument("--scenario", help="kvm:NAME: the scenario (default its first)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="kvm:NAME: a switch setting (repeatable)")
    add_bounds(p)
    p.add_argument("--width", type=columns, default=80, help="table width (default 80)")
    p.set_defaults(func=cmd_barriers)


def kvm_subject(name: str, scenario: str | None, given: Mapping[str, str]) -> Subject:
    """A KVM design's scenario; its barrier switches (set to a barrier, with ``none`` a
    choice) are sites, at the line that declares them."""
    from smpcheck.analyses.subjects import BuiltSubject
    from smpcheck.kvm.registry import get

    design = get(name)
    scen = design.scenario(scenario).name
    sets = design.settings(given)
    module = _module_of(design)
    file = inspect.getsourcefile(module) or name
    lines = inspect.getsource(module).splitlines()
    switches = []
    for sw in design.switches:
        value = sets[sw.name]
        if "none" in sw.choices and value != "none" and value.startswith("smp_"):
            line = next((i for i, t in enumerate(lines, 1)
                         if "Switch(" in t and f'"{sw.name}"' in t), 0)
            switches.append((sw.name, value, "none", line))
    return BuiltSubject(f"{design.name} {scen}", file,
                        lambda more: design.build(scen, {**sets, **more}), switches)


def _module_of(design: Any) -> Any:
    for mod in list(sys.modules.values()):
        if getattr(mod, "MODEL", None) is design:
            return mod
    raise UsageError(f"no module for KVM model {design.name}")


def cmd_barriers(args: argparse.Namespace) -> int:
    from smpcheck.analyses.barriers import analyse
    from smpcheck.analyses.fix import find_fix
    from smpcheck.analyses.subjects import memory_model_names, subject_for
    from smpcheck.cli.common import OPTIONS, parse_sets, settings_from
    from smpcheck.report.analyses import barriers_json, barriers_text, fix_json, fix_text

    if args.target.startswith("kvm:"):
        subject = kvm_subject(args.target[4:], args.scenario, parse_sets(args.set))
    else:
        if args.scenario or args.set:
            raise UsageError("--scenario and --set are for kvm:NAME")
        subject = subject_for(args.target)
    mms = memory_model_names(args.mm, subject)
    settings = settings_from(args)
    if args.fix:
        fix = find_fix(subject, mms, settings, args.max_changes, args.timeout)
        print(json.dumps(fix_json(mms, fix), indent=2) if args.json
              else fix_text(subject.name, mms, fix))
        if fix.changes is not None:
            return EXIT_OK
        return EXIT_VIOLATION if fix.complete else EXIT_INCOMPLETE
    from smpcheck.report.progress import Bar

    with Bar(None, "barriers", False if args.json else None) as bar:  # (sites, as checked)
        def step(item: str) -> None:
            bar.show(item)
            bar.advance()

        bases, answers = analyse(subject, mms, settings, step)
    print(json.dumps(barriers_json(answers), indent=2) if args.json
          else barriers_text(subject.name, bases, answers, args.width, not args.brief,
                             OPTIONS))
    unknown = any(a.load_bearing is None for a in answers)
    return EXIT_INCOMPLETE if unknown else EXIT_OK


def add_check_options(c: argparse.ArgumentParser) -> None:
    """``check --compare`` and ``check --shortest``."""
    c.add_argument("--compare", metavar="MM,MM,...", help="check under each memory model "
                   "(e.g. sc,tso,lkmm): one verdict and witness per model, exit 1 if any fails")
    c.add_argument("--shortest", action="store_true", help="explore every execution and "
                   "show the violation with the fewest steps, then fewest reordered pairs")


def check_compare(model: Any, names: Any, args: argparse.Namespace) -> int:
    """``check --compare``: one run per memory model, one report."""
    from smpcheck.analyses.compare import compare_models, exit_status
    from smpcheck.cli.common import OPTIONS, settings_from
    from smpcheck.explore.replay_record import fingerprint
    from smpcheck.models import get_model, model_names
    from smpcheck.report.analyses import compare_models_text
    from smpcheck.report.json_report import dumps, result_dict

    mms = [m.strip() for m in args.compare.split(",") if m.strip()]
    known = model_names()
    if not mms or any(m not in known for m in mms) or args.mm:
        raise UsageError(f"--compare takes memory models from {', '.join(known)} "
                         "(e.g. sc,tso,lkmm), and no --mm")
    verdicts = compare_models(model, names, mms, settings_from(args), args.shortest)
    status = exit_status(verdicts)
    if args.json:
        docs = [result_dict(v.result, model, get_model(v.mm), args.all, OPTIONS,
                            fingerprint(model, v.mm, settings_from(args))) for v in verdicts]
        print(dumps({"models": docs, "exit": status}))
    else:
        print(compare_models_text(model.name, verdicts, args.width, OPTIONS))
    return status


def shortest_note(result: Any, mm: Any) -> str:
    """What ``--shortest`` chose, as the report's last line; of what a bound let it see
    when the run is incomplete."""
    from smpcheck.analyses.shortest import cost

    among = "every violating execution" if result.complete \
        else "the violating executions found before the bound"
    shown = next((v for v in result.violations if v.graph is not None), None)
    if shown is None:
        return "(--shortest: no violating execution " + (
            "to choose from)" if result.complete else "found before the bound)")
    steps, pairs = cost(shown.graph)
    return (f"(--shortest: of {among}, one with the fewest steps, {steps}, "
            f"then reordered pairs, {pairs})")
