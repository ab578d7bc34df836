"""lock.cat's ``lock-final`` flag: herd's final writes (FW) include a lock's.

``flag ~empty [FW] ; loc ; [ALL-LOCKS] as lock-final`` fires exactly when the
final condition reads a location that a lock operation touches; FW is the
coherence-last write of each location the condition (or filter, or
``locations``) reads.  Derived by hand from lock.cat's text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need_lkmm
from tests.support.herd import herd

TEST = """C lock-final

{}

P0(spinlock_t *l, int *x)
{
\tspin_lock(l);
\tWRITE_ONCE(*x, 1);
\tspin_unlock(l);
}

exists (%s)
"""


@pytest.mark.parametrize("condition, flagged", [
    ("x=1 /\\ l=0", True),
    ("~(l=1) /\\ x=1", True),
    ("x=1", False),
])
def test_lock_final_fires_when_the_condition_reads_a_lock(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, condition: str,
        flagged: bool) -> None:
    path = tmp_path / "lock-final.litmus"
    path.write_text(TEST % condition)
    out = herd(capsys, "-conf", need_lkmm() / "linux-kernel.cfg", path)
    assert out.status == 0, out.err
    assert "Observation lock-final Always 1 0" in out.out
    assert ("Flag lock-final" in out.out) == flagged
