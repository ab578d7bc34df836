"""A spin loop that reads no shared memory can never end: an endless wait, not a crash."""

from __future__ import annotations

from pathlib import Path

from smpcheck import Kind, Settings, verify
from smpcheck._rt.loader import load_model

MODEL = '''
from smpcheck import *
x = Var(0)

def P0():
    while True:
        cpu_relax()

def P1():
    WRITE_ONCE(x, 1)

MODEL = Model("spin-on-nothing", [P0, P1])
'''


def test_spin_loop_reading_nothing_is_an_endless_wait(tmp_path: Path) -> None:
    path = tmp_path / "spin.py"
    path.write_text(MODEL)
    model, names = load_model(str(path))
    result = verify(model, names, "sc", Settings())
    assert [v.kind for v in result.violations] == [Kind.ENDLESS_WAIT]
    assert result.violations[0].line == 6
