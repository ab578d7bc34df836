"""The final state of a complete execution: each CPU's registers (what its function
returned) and the last value, in coherence order, of each named location."""

from __future__ import annotations

from typing import Any

from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.model import FinalState, Model
from smpcheck.model.objects import Loc

__all__ = ["final_state"]

# the registers of a CPU that returned nothing: one dict, so that a checker remembering
# each register dict's key (Checker._regs_key) finds it at once (never changed)
_NONE: dict[str, Any] = {}


def final_state(g: ExecutionGraph, model: Model, globals_: dict[str, Loc]) -> FinalState:
    """The registers and final memory values of a complete execution."""
    regs: list[dict[str, Any]] = []
    for t in g.threads:
        last = t[-1] if t else None
        ret = last.value if last is not None and last.kind == "E" else None
        regs.append(ret if isinstance(ret, dict) else (_NONE if ret is None else {"ret": ret}))
    mem = {}
    for name, loc in globals_.items():
        mem[name] = g.event(g.co_max(loc)).value
    return FinalState(regs, mem, model.cpu_names)
