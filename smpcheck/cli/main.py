"""The command line: ``smpcheck check|litmus|kvm|herd ...``.

Exit status: 0 complete and nothing found; 1 a violation; 2 bad input (a bad
option value too) or an error in the model; 3 incomplete: a bound or the timeout
was hit and nothing found, so no verdict (or the run was interrupted); 4 an
internal error of smpcheck.  Under ``--json`` every exit prints one JSON
document: the report, or ``{"error": {...}, "exit": N}`` when there is none.

Each command lives in its own module with a ``register(subparsers)``; they are
imported by :func:`build_parser`, not looked up, so that a broken one fails loudly
(and ``smpcheck-herd``, which needs none of them but ``herd``, imports that alone,
and no :mod:`argparse`: what the other commands share, :mod:`smpcheck.cli.common`, is
imported where they run).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smpcheck.cli.pipes import pipe_safe_stdout
from smpcheck.collector import fewer_collections_from_now
from smpcheck.errors import EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_USAGE, UsageError
from smpcheck.results.result import EXIT_FOR

if TYPE_CHECKING:
    import argparse

__all__ = ["EXIT_FOR", "build_parser", "herd_main", "main"]  # (and OPTIONS, settings_from)


def __getattr__(name: str) -> Any:
    """``OPTIONS`` and ``settings_from``: smpcheck.cli.common's, imported when asked."""
    if name in ("OPTIONS", "settings_from"):
        from smpcheck.cli import common

        return getattr(common, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def commands() -> tuple[ModuleType, ...]:
    """The commands' modules, in the order ``smpcheck --help`` lists them."""
    from smpcheck.cli import barriers, check, herd, kvm, litmus, sweep

    return (check, litmus, kvm, herd, barriers, sweep)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if argv is None:
        fewer_collections_from_now()
    with pipe_safe_stdout():
        code = _main(args_list)
    if argv is None:
        _ending()
    return code


def _main(argv: list[str]) -> int:
    from smpcheck.cli.common import BadArguments, fail

    parser = build_parser()
    wants_json = _asks_json(argv)
    try:
        args = parser.parse_args(argv)
    except BadArguments as exc:
        print(exc.usage, end="", file=sys.stderr)
        return fail(exc.message, EXIT_USAGE, wants_json, prog=exc.prog)
    if args.version:
        from smpcheck import _compiled
        from smpcheck.version import __version__

        core = {"compiled": "compiled core", "pure": "pure Python",
                "stale": "pure Python: the compiled core is stale"}[_compiled.CORE]
        print(f"smpcheck {__version__} ({core})")
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
        import traceback

        traceback.print_exc()
        return fail("smpcheck internal bug, please report (with the model and the command): "
                    f"{type(exc).__name__}: {exc}", EXIT_INTERNAL, wants_json)


def _asks_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON, before it is known to parse (``--json``
    or an abbreviation argparse accepts; ``herd`` passes its arguments to herd7's
    parser, which has no such option)."""
    return argv[:1] != ["herd"] and any(len(a) > 3 and "--json".startswith(a) for a in argv)


def herd_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``smpcheck-herd``: herd7's command line."""
    if argv is None:
        fewer_collections_from_now()
    from smpcheck.cli.herd import herd_command

    with pipe_safe_stdout():
        code = herd_command(list(sys.argv[1:] if argv is None else argv))
    if argv is None:
        _ending()
    return code


def _ending() -> None:
    """The command is done and its process ends: the objects left are put out of the
    garbage collector's sight (``gc.freeze``), so that the interpreter's shutdown does
    not walk them all again (about 10 ms of the kernel's 35 tests' 0.18 s).  Only for a
    call from the command line: a process making many calls (``argv`` given, as
    tests do) would never collect what each left."""
    gc.freeze()


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``smpcheck``, each command's ``func`` set to run it."""
    from smpcheck.cli.common import Parser

    p = Parser(prog="smpcheck", description="Check every execution of a "
               "lockless kernel design under SC, x86-TSO or the LKMM.")
    p.add_argument("--version", action="store_true", help="print smpcheck's version")
    sub = p.add_subparsers(title="commands")
    for command in commands():
        command.register(sub)
    return p


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
