"""herd7's output lines from smpcheck's two LKMM paths, for comparison with herd7's own.

:func:`builtin_lines` runs a C litmus test under the built-in LKMM
(``smpcheck litmus FILE --mm lkmm``), :func:`herd_lines` under the kernel's
model files interpreted by smpcheck.cat (``smpcheck-herd -conf
linux-kernel.cfg FILE``); both give the lines herd7 prints less ``Time`` and
``Hash``.  :func:`compare` is the table of where each path differs from the
recorded herd7 lines.  Run as a script it prints that table for the files
given (``python -m tests.support.lkmm_agree FILE...``).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from smpcheck.cli.herd import OPTIONS as HERD_OPTIONS
from smpcheck.cli.main import OPTIONS as LITMUS_OPTIONS
from smpcheck.herd.config import parse_options
from smpcheck.herd.run import HerdSession
from smpcheck.litmus.run import check_litmus
from smpcheck.report.herd import herd_text
from smpcheck.settings import Settings

HIDDEN = ("Time ", "Hash=")


def shown(text: str) -> list[str]:
    """The lines of herd7's output that must agree: all but Time, Hash and blank ones."""
    return [line for line in text.splitlines() if line and not line.startswith(HIDDEN)]


def builtin_lines(path: Path, model: str = "lkmm", settings: Settings | None = None
                  ) -> list[str]:
    """``smpcheck litmus FILE --mm MODEL``'s lines."""
    return shown(herd_text(check_litmus(path, model, settings), LITMUS_OPTIONS))


def herd_session(lkmm: Path, *extra: str) -> HerdSession:
    """A session of ``smpcheck-herd -conf LKMM/linux-kernel.cfg EXTRA``."""
    return HerdSession(parse_options(["-I", str(lkmm), "-conf", "linux-kernel.cfg", *extra]))


def herd_lines(path: Path, session: HerdSession) -> list[str]:
    """``smpcheck-herd -conf linux-kernel.cfg FILE``'s lines."""
    return shown(herd_text(session.run(path).run, HERD_OPTIONS))


def loop_shape(lines: list[str]) -> list[str]:
    """The lines a loop's unrolling leaves alone: no counts (herd7 counts an execution
    per number of iterations, smpcheck one, a wait being an await), no ``Loop``."""
    out = []
    for line in lines:
        if line.startswith("Positive: "):
            continue
        line = re.sub(r"^Loop (Ok|No)$", r"\1", line)
        out.append(re.sub(r"^(Observation \S+ \S+) \d+ \d+$", r"\1", line))
    return out


def difference(expected: list[str], got: list[str]) -> str:
    """The first lines that differ, or '' when the outputs agree."""
    if expected == got:
        return ""
    exp = {line for line in expected}
    gotten = {line for line in got}
    missing = [line for line in expected if line not in gotten]
    extra = [line for line in got if line not in exp]
    return f"herd7 {missing[:4]} vs smpcheck {extra[:4]}"


def main(argv: list[str]) -> int:
    import json

    from tests.conftest import LKMM

    record = json.loads((Path(argv[0]).parent / "herd7.json").read_text())["tests"]
    session = herd_session(LKMM)
    for arg in argv:
        path = Path(arg)
        want = record.get(path.stem, {}).get("lines")
        if want is None:
            continue
        row = [path.stem]
        for name, run in (("builtin", lambda p: builtin_lines(p)),
                          ("cat", lambda p: herd_lines(p, session))):
            start = time.monotonic()
            try:
                diff = difference(want, run(path))
            except Exception as exc:  # noqa: BLE001 - a table row, whatever it is
                diff = f"{type(exc).__name__}: {exc}"
            row.append(f"{name}={time.monotonic() - start:.2f}s {diff or 'ok'}")
        print(" | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
