"""Fuzzing ``smpcheck litmus`` end to end, as a user runs it, on mutated real tests.

Mutants of the kernel's C tests and herd's X86 tests (tests/litmus/test_parse_fuzz.py's
edits: byte flips, truncation, token deletion and duplication, random identifiers,
odd unicode) are written to a file and checked under a random memory model.  The
exit status is 0, 1, 2 or 3, never 4; nothing on stderr is a traceback; exit 2
comes with a message naming the file.  Examples are fixed (derandomized) and runs
bounded (--max-executions, --timeout) so that the cost stays a few seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.litmus.test_parse_fuzz import INLINE_C, INLINE_X86, mutants
from tests.support.cli import smpcheck


@pytest.fixture(scope="session")
def corpus(shared_litmus_texts: list[str]) -> list[str]:
    return [INLINE_C, INLINE_X86, *shared_litmus_texts[:: max(1, len(shared_litmus_texts) // 30)]]


def check_exit(code: int, err: str, *paths: Path | str, prog: str = "smpcheck") -> None:
    """The exit-status and stderr rules every fuzzed run must keep."""
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err and "internal bug" not in err, err
    if code == 2:
        named = "|".join(re.escape(str(p)) for p in paths)
        assert re.search(rf"^{prog}: error: ({named})(:\d+(:\d+)?)?: \S", err, re.M), err


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_litmus_command_on_mutants(corpus: list[str], tmp_path: Path,
                                   data: st.DataObject) -> None:
    path = tmp_path / "mutant.litmus"
    path.write_text(data.draw(mutants(corpus)), encoding="utf-8")
    mm = data.draw(st.sampled_from(["sc", "tso", "lkmm"]))
    res = smpcheck("litmus", path, "--mm", mm, "--max-executions", "30", "--timeout", "2")
    check_exit(res.code, res.err, path)
