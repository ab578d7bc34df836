"""The differential harness: one litmus test through every path, each disagreement named.

Paths, all reading the same text:

* the explorer under each built-in memory model (``smpcheck litmus``);
* brute force: every candidate execution (each CPU run alone on every value its
  reads may see, every reads-from and coherence choice), judged by the same
  model's whole-graph axioms (tests/support/candidates.py) -- independent of the
  explorer's revisits, speculation and incremental checks;
* the cat interpreter on the kernel's model files (``smpcheck-herd -conf
  linux-kernel.cfg``), for the LKMM;
* herd7 itself, where it is installed (bench/fuzz.py) or its output recorded.

:func:`disagreements` lists, for one test, every way the paths differ: numbers
of executions and final states against brute force per model, and herd7's
output lines (all but ``Time`` and ``Hash``) between the LKMM paths and herd7.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from smpcheck.herd.config import parse_options
from smpcheck.herd.run import HerdSession
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import run_litmus, translate
from smpcheck.report.herd import herd_text
from tests.conftest import LKMM
from tests.support.candidates import CandidateLimit, executions

LKMM_DIR = LKMM  # ($SMPCHECK_SHARED/lkmm, as every test has it)
MODELS = ("sc", "tso", "lkmm")


def herd_lines(block: str) -> list[str]:
    """herd7's output lines that must agree: all but Time and Hash."""
    return [ln for ln in block.strip().splitlines()
            if ln and not ln.startswith(("Time ", "Hash="))]


INCOMPLETE = "incomplete: "  # (a finding that is no disagreement: nothing to compare)


def explored(text: str, mm: str) -> tuple[int, set[Any], list[str]] | str:
    """The explorer's executions, final states and herd7-format lines under ``mm``, or
    what cut the run short (a run with no verdict has nothing to compare)."""
    test = parse_litmus(text, "gen.litmus")
    run = run_litmus(test, mm, None, text)
    if not run.result.complete:
        return "; ".join(cut.limit.value for cut in run.result.incomplete)
    return run.result.executions, set(run.result.outcomes), herd_lines(herd_text(run, {}))


def brute(text: str, mm: str, limit: int = 60000) -> tuple[int, set[Any]] | None:
    """Brute force's executions and final states, or None when there are too many
    candidates to enumerate."""
    test = parse_litmus(text, "gen.litmus")
    model, names = translate(test, text)
    try:
        return executions(model, names, mm, limit)
    except CandidateLimit:
        return None


def cat_lines(text: str, lkmm_dir: Path = LKMM_DIR) -> list[str]:
    """The cat interpreter's herd7-format lines under linux-kernel.cfg."""
    session = HerdSession(parse_options(["-conf", str(lkmm_dir / "linux-kernel.cfg")]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.litmus"
        path.write_text(text)
        outcome = session.run(path)
    return herd_lines(herd_text(outcome.run, {}))


def herd7_lines(text: str, lkmm_dir: Path = LKMM_DIR, timeout: float = 30) -> list[str] | None:
    """herd7's own lines (None without herd7, or when it takes longer than ``timeout``)."""
    exe = shutil.which("herd7")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.litmus"
        path.write_text(text)
        try:
            out = subprocess.run([exe, "-I", str(lkmm_dir), "-conf", "linux-kernel.cfg",
                                  str(path)], capture_output=True, text=True,
                                 timeout=timeout, check=False).stdout
        except subprocess.TimeoutExpired:
            return None
    return herd_lines(out) or None


def disagreements(text: str, models: tuple[str, ...] = MODELS, cat: bool = True,
                  herd7: list[str] | None = None) -> list[str]:
    """Every way the paths disagree on ``text`` (empty: they all agree), and each model
    under which the explorer was cut short (an entry starting with :data:`INCOMPLETE`:
    incomplete, not wrong).  ``herd7``: herd7's lines for the test, when known."""
    out = []
    lkmm_lines = None
    for mm in models:
        got = explored(text, mm)
        if isinstance(got, str):
            out.append(f"{INCOMPLETE}{mm}: cut short ({got}): no verdict to compare")
            continue
        count, finals, lines = got
        if mm == "lkmm":
            lkmm_lines = lines
        want = brute(text, mm)
        if want is not None and (count, finals) != want:
            out.append(f"{mm}: explorer {count} executions, {len(finals)} final states; "
                       f"brute force {want[0]}, {len(want[1])}"
                       + _state_diff(finals, want[1]))
    if cat and lkmm_lines is not None:
        got = cat_lines(text)
        if got != lkmm_lines:
            out.append("lkmm: built-in and cat paths differ:\n" + _line_diff(lkmm_lines, got))
    if herd7 is not None and lkmm_lines is not None and herd7 != lkmm_lines:
        out.append("lkmm: built-in and herd7 differ:\n" + _line_diff(lkmm_lines, herd7))
    return out


def _state_diff(got: set[Any], want: set[Any]) -> str:
    missing, extra = want - got, got - want
    parts = []
    if missing:
        parts.append(f"; missing {sorted(map(repr, missing))[:3]}")
    if extra:
        parts.append(f"; extra {sorted(map(repr, extra))[:3]}")
    return "".join(parts)


def _line_diff(a: list[str], b: list[str]) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(a, b, "first", "second", lineterm="", n=0))
