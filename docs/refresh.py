"""Regenerate the command output shown in README.md and docs/*.md.

Run: .venv/bin/python docs/refresh.py [FILE.md ...]

A block of real output is written as an HTML comment naming the command
(``smpcheck ...``, or ``pytest ...`` for the plugin), then a fenced block::

    <!-- $ smpcheck kvm check unmap-nolock-2013 --mm tso -->
    ```text
    ...what the command printed...
    ```

This script runs each command (in process, from the repository root) and
rewrites the fenced block under it.  tests/golden/test_docs.py runs the same commands
and fails when a block is stale; timings are the only part it ignores.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARK = re.compile(r"^<!-- \$ (?P<prog>smpcheck|pytest) (?P<args>.*?) -->\n```text\n"
                  r"(?P<out>.*?)```\n", re.M | re.S)
TIMING = [
    (re.compile(r" *\b\d+\.\d+ s\b"), " T s"),
    (re.compile(r"\(\d+ executions/s\)"), "(R executions/s)"),
    (re.compile(r"(?m)^Time (\S+) [\d.]+$"), r"Time \1 T"),
    (re.compile(r" in \d+\.\d+s\b"), " in Ts"),
]


def blocks(text: str) -> Iterator[re.Match[str]]:
    return MARK.finditer(text)


def run(args: str, prog: str = "smpcheck") -> str:
    """What ``smpcheck ARGS`` (or ``pytest ARGS``) prints, run from the repository root."""
    if prog == "pytest":
        return run_pytest(args)
    from smpcheck.cli.main import main

    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main(shlex.split(args))
    finally:
        os.chdir(cwd)
    return out.getvalue()


def run_pytest(args: str) -> str:
    """What ``pytest ARGS`` prints (a separate process: the plugin's own run), with no
    cache directory, colour off and 80 columns."""
    import subprocess

    # pytest cuts its summary lines to the terminal's width, except on CI (CI or
    # BUILD_NUMBER set), where it prints them whole: the same lines everywhere
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    env["COLUMNS"] = "80"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "--color=no", *shlex.split(args)], capture_output=True, text=True,
                          cwd=REPO, timeout=600, env=env)
    return done.stdout


def without_timing(text: str) -> str:
    for pattern, repl in TIMING:
        text = pattern.sub(repl, text)
    return text


def refresh(path: Path) -> bool:
    """Rewrite the blocks of ``path``; whether anything changed."""
    text = path.read_text()
    new = MARK.sub(lambda m: f"<!-- $ {m['prog']} {m['args']} -->\n```text\n"
                   f"{run(m['args'], m['prog'])}```\n", text)
    if new != text:
        path.write_text(new)
    return new != text


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(REPO))
    files = [Path(a) for a in argv] or [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for path in files:
        print(f"{path}: {'updated' if refresh(path) else 'current'}")


if __name__ == "__main__":
    main(sys.argv[1:])
