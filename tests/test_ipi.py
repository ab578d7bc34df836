"""IPIs (smpcheck.kernel.smp): a handler runs only while the target has interrupts on."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck import Kind, Settings, verify
from smpcheck._rt.loader import load_model

MODEL = '''
from smpcheck import *
from smpcheck.kernel.smp import ack_flush, ipi_target, smp_call_function_many
flag = Var(0)
x = Var(0)

def target():
    local_irq_disable()
    WRITE_ONCE(flag, 1)
    WRITE_ONCE(x, 1)
    {ENABLE}

def sender():
    while not READ_ONCE(flag):
        cpu_relax()
    smp_call_function_many([0], ack_flush, None, {WAIT})
    return {{"r": READ_ONCE(x)}}

irqs_off_target = ipi_target(target)
MODEL = Model("ipi-waits", [target, sender], forall="1:r=1")
'''


def run(tmp_path: Path, mm: str, enable: str = "local_irq_enable()", wait: int = 1) -> object:
    path = tmp_path / "ipi.py"
    path.write_text(MODEL.format(ENABLE=enable, WAIT=wait))
    model, names = load_model(str(path))
    return verify(model, names, mm, Settings())


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_ipi_to_a_cpu_with_interrupts_off_waits_for_local_irq_enable(tmp_path: Path,
                                                                       mm: str) -> None:
    result = run(tmp_path, mm)
    assert not result.violations and not result.incomplete  # type: ignore[attr-defined]


def test_without_wait_the_sender_does_not_wait(tmp_path: Path) -> None:
    result = run(tmp_path, "sc", wait=0)
    assert [v.kind for v in result.violations] == [Kind.CONDITION]  # type: ignore[attr-defined]


def test_a_target_that_never_enables_interrupts_hangs_the_sender(tmp_path: Path) -> None:
    result = run(tmp_path, "sc", enable="pass")
    assert Kind.ENDLESS_WAIT in [v.kind for v in result.violations]  # type: ignore[attr-defined]
