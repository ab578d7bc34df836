"""x86-TSO and the kernel's barriers: only a full barrier (or a locked instruction)
keeps a store before a later load.

Hand-derived from the kernel's x86 mapping: smp_rmb(), smp_wmb(), barrier(),
preempt_disable() and local_irq_disable() compile to no instruction that waits
for the store buffer, so store buffering stays observable across them; smp_mb()
(a locked add or MFENCE) and xchg() drain the buffer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import check_json, write_model

SB = '''from smpcheck import *
x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(x, 1)
    {between}
    return {{"r0": READ_ONCE(y)}}


def P1():
    WRITE_ONCE(y, 1)
    {between}
    return {{"r0": READ_ONCE(x)}}


MODEL = Model("SB", [P0, P1], not_exists="0:r0=0 /\\\\ 1:r0=0")
'''

COMPILER_ONLY = ["barrier()", "smp_rmb()", "smp_wmb()",
                 "preempt_disable(); preempt_enable()",
                 "local_irq_disable(); local_irq_enable()",
                 "rcu_read_lock(); rcu_read_unlock()"]


@pytest.mark.parametrize("between", COMPILER_ONLY)
def test_store_passes_load_across_compiler_barriers(tmp_path: Path, between: str) -> None:
    data = check_json(write_model(tmp_path, SB.format(between=between)), "tso")
    assert data["verdict"] == "violation"
    assert data["violations"][0]["kind"] == "condition"


@pytest.mark.parametrize("between", ["smp_mb()", "xchg(z, 1)", "smp_store_mb(z, 1)"])
def test_full_barriers_keep_the_store_first(tmp_path: Path, between: str) -> None:
    src = SB.format(between=between).replace("y = Var(0)\n", "y = Var(0)\nz = Var(0)\n")
    data = check_json(write_model(tmp_path, src), "tso")
    assert data["verdict"] == "safe"
