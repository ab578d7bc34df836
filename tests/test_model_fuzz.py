"""Fuzzing Python model files through ``smpcheck check``: whatever the file, an exit in
{0, 1, 2, 3}, no traceback, and a message naming the file on exit 2.

Inputs are the shipped examples with lines deleted, duplicated, swapped or cut
short, tokens replaced by other names, numbers and kernel primitives, or with
statements that smpcheck cannot see or repeat inserted into a CPU function
(exits, raises, module state, randomness, loops without a primitive).  A model
that still parses runs under a short timeout, so an endless one is incomplete
(exit 3) rather than a hang.  Fixed examples (derandomized) keep the cost steady.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import smpcheck

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SOURCES = {p.name: p.read_text() for p in sorted(EXAMPLES.glob("*.py"))}
WORDS = ["READ_ONCE", "WRITE_ONCE", "smp_mb", "kfree", "spin_lock", "x", "y", "0", "1",
         "-1", "None", "Var", "Model", "return", "(", ")", ":", "[", "]", "r0", "'s'"]
INSERTS = ["sys.exit(0)", "raise BaseException()", "raise KeyboardInterrupt",
           "import random; random.randint(0, 1)", "global G; G = 1", "while True: pass",
           "assert False", "return {'r0': [1]}", "1 / 0", "print('x')", "cpu_relax()",
           "WRITE_ONCE(x, READ_ONCE(x) + 1)", "for _ in range(100): smp_mb()"]


@st.composite
def mutated_models(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SOURCES)))
    lines = SOURCES[name].splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "cut", "word", "insert"]))
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif how == "cut":
            lines = lines[:i + 1]
            lines[-1] = lines[-1][:draw(st.integers(0, len(lines[-1])))]
        elif how == "word":
            tokens = re.split(r"(\W)", lines[i])
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[j] = draw(st.sampled_from(WORDS))
            lines[i] = "".join(tokens)
        else:
            indent = re.match(r"\s*", lines[i]).group(0)  # type: ignore[union-attr]
            lines.insert(i, indent + draw(st.sampled_from(INSERTS)))
        if not lines:
            lines = [""]
    return name, "import sys\n" + "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(mutated_models(), st.sampled_from(["sc", "tso", "lkmm"]))
def test_any_model_file_gets_a_status_not_a_traceback(case: tuple[str, str], mm: str) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        res = smpcheck("check", path, "--mm", mm, "--timeout", "3")
    assert res.code in (0, 1, 2, 3), (res, text)
    assert "Traceback" not in res.err and "internal bug" not in res.err, (res.err, text)
    if res.code == 2:
        assert name in res.err, (res.err, text)


def test_timeout_bounds_module_level_code(tmp_path: Path) -> None:
    """An endless loop in the model file's own top-level code: --timeout still ends the
    run, incomplete (exit 3), naming the file."""
    path = tmp_path / "endless.py"
    path.write_text("from smpcheck import Model\nwhile True:\n    pass\n")
    res = smpcheck("check", path, "--timeout", "1")
    assert res.code == 3 and "endless.py" in res.err and "--timeout" in res.err, res
