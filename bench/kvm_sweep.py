"""Run the KVM sweeps shown in docs/kvm.md and write their output there.

Run: .venv/bin/python bench/kvm_sweep.py [--only TEXT]

The sweeps take minutes, too long for tests/test_docs.py, so their blocks use a
marker of their own (docs/refresh.py leaves them alone)::

    <!-- sweep $ smpcheck kvm sweep rmap-aging-6.15 --max-ops 1 --mm sc -->
    ```text
    ...what the command printed...
    [bench] load average before 9.1, after 10.3, on 2 cores; 64.2 s
    ```

Each block is rewritten with what the command printed now, followed by the
machine's load average before and after it ran and its wall-clock time.
``--only TEXT`` runs only the commands containing TEXT.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "kvm.md"
MARK = re.compile(r"^<!-- sweep \$ smpcheck (?P<args>.*?) -->\n```text\n(?P<out>.*?)```\n",
                  re.M | re.S)


def run(args: str) -> str:
    from smpcheck.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    before = os.getloadavg()[0]
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(shlex.split(args))
    seconds = time.monotonic() - start
    after = os.getloadavg()[0]
    shown = out.getvalue() + (err.getvalue() if code in (2, 4) else "")
    return (f"{shown}[bench] exit {code}; load average before {before:.1f}, after "
            f"{after:.1f}, on {os.cpu_count()} cores; {seconds:.1f} s\n")


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(REPO))
    only = argv[argv.index("--only") + 1] if "--only" in argv else ""
    for m in list(MARK.finditer(DOC.read_text())):
        if only not in m["args"]:
            continue
        print(f"$ smpcheck {m['args']}", flush=True)
        out = run(m["args"])
        print(out.splitlines()[-1], flush=True)
        text = DOC.read_text()  # (again: another block may have been written meanwhile)
        block = f"<!-- sweep $ smpcheck {m['args']} -->\n```text\n"
        start = text.index(block) + len(block)
        end = text.index("```\n", start)
        DOC.write_text(text[:start] + out + text[end:])


if __name__ == "__main__":
    main(sys.argv[1:])
