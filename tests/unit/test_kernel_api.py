"""The kernel API's additions for the KVM library and the translators, and where
the library's import hook comes from."""

from __future__ import annotations

import subprocess
import sys

from smpcheck import FinalState, Model, Var, verify
from smpcheck.kernel import WRITE_ONCE, preempt_disable, preempt_enable
from smpcheck.kernel.ghost import ghost_add, ghost_state
from smpcheck.kernel.preempt import preempt_count
from smpcheck.kernel.smp import smp_processor_id
from smpcheck.model.objects import name_globals


def test_import_smpcheck_installs_no_hook() -> None:
    """``import smpcheck`` leaves the import system alone; importing the KVM library
    installs its rewriting for its own modules, and they are rewritten."""
    code = ("import sys; n = len(sys.meta_path); import smpcheck; a = len(sys.meta_path); "
            "import smpcheck.kvm.mmu_39; from smpcheck._rt.loader import REWRITTEN; "
            "print(n == a, len(sys.meta_path) == a + 1, 'smpcheck.kvm.mmu_39' in REWRITTEN)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "True"]


def test_cpu_number_preemption_and_ghost_state() -> None:
    """Each CPU sees its own number, its own preemption count and its own counters."""
    x = Var(0)

    def cpu() -> dict[str, int]:
        me = smp_processor_id()
        preempt_disable()
        inside = preempt_count()
        preempt_disable()
        ghost_add("seen", me + 1)
        ghost_add("seen")
        WRITE_ONCE(x, me)
        preempt_enable()
        preempt_enable()
        return {"me": me, "inside": inside, "after": preempt_count(),
                "seen": ghost_state()["seen"]}

    finals: list[list[dict[str, int]]] = []

    def record(fs: FinalState) -> bool:
        finals.append(fs.regs)
        return True

    model = Model("cpu-state", [cpu, cpu, cpu], forall=record)
    result = verify(model, name_globals({"x": x}), "sc")
    assert result.verdict is not None and not result.violations
    assert finals and all(regs == [{"me": i, "inside": 1, "after": 0, "seen": i + 2}
                                   for i in range(3)] for regs in finals)
