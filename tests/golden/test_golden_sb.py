"""Golden reports: the text of the SB counterexample under x86-TSO.

The expected text is the report as a reviewer reads it; line numbers are taken
from examples/sb.py and the timing figures are masked, the rest must match
character for character."""

from __future__ import annotations

import re

from smpcheck.graph.events import shown_path
from tests.support.cli import EXAMPLES, line_of, smpcheck

SB = EXAMPLES / "sb.py"

GOLDEN = """\
SB under tso: violation

condition: ~exists (0:r0=0 /\\ 1:r0=0): the proposition is reachable in this
  execution ({path}:{cond})

   CPU 0 (P0)                             CPU 1 (P1)
   -------------------------------------  -------------------------------------
    {wx:>2}: WRITE_ONCE(x, 1)  (buffered)
=>  {ry:>2}: r0 = READ_ONCE(y)  -> 0
                                           {wy:>2}: WRITE_ONCE(y, 1)
=>                                         {rx:>2}: r0 = READ_ONCE(x)  -> 0
        (x = 1 reaches memory)

1 execution explored, 0 blocked, <time>
stopped at the first violation (--all to keep exploring)
"""


def masked(text: str) -> str:
    return re.sub(r"\d+\.\d+ s \(\d+ executions/s\)", "<time>", text)


def expected() -> str:
    return GOLDEN.format(path=shown_path(str(SB)), cond=line_of(SB, "not_exists="),
                         wx=line_of(SB, "WRITE_ONCE(x, 1)"), ry=line_of(SB, "READ_ONCE(y)"),
                         wy=line_of(SB, "WRITE_ONCE(y, 1)"), rx=line_of(SB, "READ_ONCE(x)"))


def test_sb_tso_report_is_golden() -> None:
    res = smpcheck("check", SB, "--mm", "tso")
    assert res.code == 1
    assert masked(res.out) == expected()


def test_sb_tso_all_shows_the_same_table() -> None:
    """--all keeps exploring (more executions) but the first counterexample's table
    is the same."""
    res = smpcheck("check", SB, "--mm", "tso", "--all")
    table = expected().split("\n\n")[2]
    assert table in res.out
    assert re.search(r"^4 executions explored", res.out, re.M)
    assert "stopped at the first violation" not in res.out
