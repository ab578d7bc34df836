"""Running smpcheck-herd in process and reading its output as the kernel's scripts do."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from smpcheck.cli.herd import herd_command


@dataclass
class Output:
    """smpcheck-herd's exit status, standard output and standard error."""

    status: int
    out: str
    err: str

    def observations(self) -> dict[str, str]:
        """Test name -> its ``Observation`` line."""
        lines = re.findall(r"^Observation (\S+) .*$", self.out, re.M)
        full = re.findall(r"^Observation \S+ .*$", self.out, re.M)
        return dict(zip(lines, full, strict=True))

    def blocks(self) -> dict[str, str]:
        """Test name -> its whole block (``Test`` ... ``Hash``)."""
        found = re.findall(r"^Test (\S+) .*?^Hash=\S+$", self.out, re.M | re.S)
        texts = re.findall(r"^Test \S+ .*?^Hash=\S+$", self.out, re.M | re.S)
        return dict(zip(found, texts, strict=True))


def herd(capsys: pytest.CaptureFixture[str], *argv: str) -> Output:
    """Run ``smpcheck-herd ARGV`` in this process."""
    status = herd_command([str(a) for a in argv])
    captured = capsys.readouterr()
    return Output(status, captured.out, captured.err)


def judge(litmus_text: str, block: str) -> str:
    """judgelitmus.sh's verdict on one test's output: Good, Bad or a reason.

    The expected outcome is the ``Result:`` comment's word (Never, Sometimes,
    Always; ``Maybe`` matches anything), DATARACE after it expects the
    ``Flag data-race`` line."""
    m = re.search(r"^[( ]\* Result: (\S+)(.*)$", litmus_text, re.M)
    if m is None:
        return "no Result comment"
    expected, rest = m.group(1), m.group(2)
    if "Observation" not in block:
        return "no Observation line"
    race_expected = "DATARACE" in rest
    race_modeled = bool(re.search(r"^Flag data-race", block, re.M))
    observed = re.search(r"^Observation \S+ (\S+)", block, re.M)
    assert observed is not None
    if expected != "Maybe" and observed.group(1) != expected:
        return f"Bad: expected {expected}, observed {observed.group(1)}"
    if race_expected != race_modeled:
        return f"Bad: data race expected {race_expected}, modeled {race_modeled}"
    return "Good"
