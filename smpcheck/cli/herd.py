"""``smpcheck-herd`` and ``smpcheck herd``: herd7's command line, herd7's output.

Takes herd7's arguments (:mod:`smpcheck.herd.config`) and prints, for each
litmus file, the block herd7 prints (:mod:`smpcheck.report.herd`)
followed by a blank line, so that the kernel's tools/memory-model scripts
(checklitmus.sh, judgelitmus.sh) can read it::

    smpcheck-herd -conf linux-kernel.cfg litmus-tests/SB+poonceonces.litmus

Exit status: 0 when every test was checked; 2 for bad input (an unknown
option; a cat, bell, def, cfg or litmus file that is wrong or missing: the
message names file:line), the other files being still checked when only a
litmus file is at fault; 3 when a bound cut a test short (``-timeout``, the
loop bound ``-unroll``, the bound on one CPU's events): as herd7 on a timeout,
its block is not printed, since a partial Observation would read as a verdict;
stderr says what cut it and how to lift it.  4 for an internal error.
``-o DIR`` writes DIR/NAME.dot, NAME being the test's name made a safe file name
(:func:`smpcheck.text.file_stem`): never a path outside DIR.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import TYPE_CHECKING, Any

from smpcheck.errors import EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError
from smpcheck.results.result import Limit
from smpcheck.text import file_stem, printable, printable_block

if TYPE_CHECKING:  # (imported where used: ``smpcheck --help`` registers this command)
    from smpcheck.herd.config import HerdOptions
    from smpcheck.herd.run import HerdOutcome, HerdSession

PROG = "smpcheck-herd"


def register(subparsers: Any) -> None:
    """Add ``smpcheck herd ARGS...`` (herd7's arguments, passed through)."""
    import argparse

    p = subparsers.add_parser("herd", help="herd7's command line and output (cat models, "
                              ".cfg/.def files)", prefix_chars="+", add_help=False)
    p.add_argument("argv", nargs=argparse.REMAINDER, help="herd7's arguments")
    p.set_defaults(func=lambda args: herd_command(list(args.argv)))


def herd_command(argv: list[str]) -> int:
    """Run herd7's command line ``argv``; the exit status (see the module docstring)."""
    try:
        return _main(argv)
    except UsageError as exc:
        print(printable_block(f"{PROG}: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INCOMPLETE
    except Exception:  # pragma: no cover - a bug of ours
        import traceback

        traceback.print_exc()
        print("smpcheck internal bug, please report (with the model and the command)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: list[str]) -> int:
    from smpcheck.herd import config
    from smpcheck.herd.config import litmus_files, parse_options
    opts = parse_options(argv)
    if opts.help:
        print(f"usage: {PROG} [options] FILE.litmus|DIR ...\n\n{config.__doc__}")
        return EXIT_OK
    if opts.version:
        from importlib.metadata import version

        print(f"{PROG} {version('smpcheck')} (herd7-compatible output)")
        return EXIT_OK
    if not opts.files:
        raise UsageError("no litmus file given (usage: smpcheck-herd -conf linux-kernel.cfg "
                         "FILE.litmus ...)")
    from smpcheck.explore.by_file import MAP_START_S, default_jobs, map_ordered

    files = litmus_files(opts.files)
    jobs = (opts.jobs or default_jobs()) if len(files) > 1 else 1
    start_after = 0.0 if opts.jobs else MAP_START_S  # (-j given: split from the start)
    status = EXIT_OK
    from smpcheck.report.progress import Bar

    with Bar(len(files), "herd") as bar:
        for path, (out, err, file_status) in zip(
                files, map_ordered(_herd_file, [(opts, f) for f in files], jobs,
                                        start_after), strict=True):
            bar.show(str(path))
            sys.stdout.write(out)
            sys.stderr.write(err)
            sys.stdout.flush()
            status = max(status, file_status)
            bar.advance()
    return status


_SESSION: list[HerdSession] = []  # this process's, for the options of its run


def _herd_file(task: tuple[HerdOptions, str]) -> tuple[str, str, int]:
    """One file's output, messages and exit status (in a worker process with -j)."""
    from smpcheck.collector import fewer_collections
    from smpcheck.herd.run import HerdSession

    opts, path = task
    if not _SESSION or _SESSION[0].opts != opts:
        _SESSION[:] = [HerdSession(opts)]
    out, err = io.StringIO(), io.StringIO()
    # (the output's sorted final states make garbage as the exploration does)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            fewer_collections():
        try:
            status = _report(_SESSION[0].run(path), opts)
        except UsageError as exc:  # (a LitmusError, or one translating it: that file's)
            print(printable_block(f"{PROG}: error: {exc}"), file=sys.stderr)
            status = EXIT_USAGE
    return out.getvalue(), err.getvalue(), status


#: herd7's option for each limit smpcheck-herd has (none sets the events of one CPU;
#: the number of executions only smpcheck's environment sets).
OPTIONS = {Limit.TIMEOUT: "-timeout", Limit.LOOP_BOUND: "-unroll",
           Limit.MAX_EXECUTIONS: "SMPCHECK_MAX_EXECUTIONS"}


def _report(outcome: HerdOutcome, opts: HerdOptions) -> int:
    from smpcheck.report.herd import herd_text

    run = outcome.run
    name = printable(run.test.name)
    if run.verdict is None:
        from smpcheck.report.limits import incomplete_lines

        for line in incomplete_lines(run.result, OPTIONS):
            print(printable_block(f"{PROG}: warning: test {name} {line}"), file=sys.stderr)
        print(f"{PROG}: warning: test {name}: no result printed (no verdict)", file=sys.stderr)
        return EXIT_INCOMPLETE
    for finding in run.findings:
        print(printable_block(f"{PROG}: warning: {name}: {finding}"), file=sys.stderr)
    print(herd_text(run, OPTIONS) + "\n", flush=True)
    _draw(outcome, opts)
    return EXIT_OK


VIEWERS = ("gv", "xdg-open", "evince", "open")


def view_dot(dot_text: str, name: str) -> bool:
    """``-gv``: render the graphs with Graphviz's ``dot`` and open them in a viewer
    ($SMPCHECK_VIEWER, else the first of gv, xdg-open, evince, open on the PATH),
    as herd7 forks gv.  False, with a warning, when either is missing or fails:
    the caller prints the DOT instead."""
    import shutil
    import subprocess
    import tempfile

    dot = shutil.which("dot")
    viewer = os.environ.get("SMPCHECK_VIEWER") or next(
        (v for v in VIEWERS if shutil.which(v)), None)
    if dot is None or viewer is None:
        missing = "Graphviz's dot" if dot is None else "a viewer (gv, xdg-open, evince)"
        print(f"{PROG}: warning: -gv needs {missing} (or set SMPCHECK_VIEWER); "
              "printing the DOT graphs instead", file=sys.stderr)
        return False
    fd, out = tempfile.mkstemp(prefix=f"{file_stem(name)}-", suffix=".pdf")
    os.close(fd)
    try:
        subprocess.run([dot, "-Tpdf", "-o", out], input=dot_text, text=True, check=True,
                       capture_output=True)
        subprocess.Popen([viewer, out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"{PROG}: warning: -gv: {exc}; printing the DOT graphs instead",
              file=sys.stderr)
        return False
    return True


def _draw(outcome: HerdOutcome, opts: HerdOptions) -> None:
    if not outcome.graphs:
        return
    from smpcheck.report.dot import execution_dot

    name = outcome.run.test.name
    dots = [execution_dot(g, name, k) for k, (g, _) in enumerate(outcome.graphs)]
    if opts.gv and opts.outdir is None and view_dot("\n\n".join(dots) + "\n", name):
        return
    if opts.outdir is not None:
        from pathlib import Path

        out = Path(opts.outdir) / f"{file_stem(name)}.dot"  # never outside -o DIR
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("\n\n".join(dots) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    else:
        print("\n\n".join(dots) + "\n", flush=True)
