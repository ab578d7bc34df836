"""Loop instrumentation inserted by the model loader into every ``while`` loop.

``while cond: body`` becomes ``_smp_loop_enter(site); while _smp_loop_head(site)
and cond: body``.  At the head of each iteration after the first, the previous
iteration is examined: if it called cpu_relax() and only read memory, the CPU
is waiting for those reads to change, so it blocks (an await) instead of
iterating again.  Any other loop runs at most ``--loop-bound`` iterations; going
further stops that execution and makes the verdict incomplete.
"""

from __future__ import annotations

from typing import Any

from smpcheck._runtime import Op, current, issue
from smpcheck.events import Source
from smpcheck.findings import Limit

__smp_engine__ = True


def _smp_loop_enter(site: tuple[str, int]) -> None:
    _, cpu = current()
    cpu.loops[site] = [0, len(cpu.fed)]
    cpu.relaxed = False


def _smp_loop_head(site: tuple[str, int]) -> bool:
    run, cpu = current()
    state = cpu.loops.setdefault(site, [0, len(cpu.fed)])
    state[0] += 1
    if state[0] >= 2:
        g = run.graph
        assert g is not None
        since = [g.event(ev.id) for ev in cpu.fed[state[1]:]]
        src = Source(site[0], site[1], _line(site))
        if cpu.relaxed and all(ev.kind in "RF" for ev in since):
            issue(Op("B", value=tuple(ev.id for ev in since if ev.kind == "R"),
                     text="spin", src=src))
        if state[0] > run.loop_bound:
            issue(Op("BOUND", value=run.loop_bound, text=Limit.LOOP_BOUND, src=src))
    state[1] = len(cpu.fed)
    cpu.relaxed = False
    return True


def _line(site: tuple[str, int]) -> str:
    import linecache

    return linecache.getline(site[0], site[1]).strip()


def smp_addr(base: Any, key: Any) -> Any:
    """``&base->key`` / ``&base[key]``, keeping an address dependency of ``base``."""
    from smpcheck.memory import as_ref
    from smpcheck.values import Val, deps_of, raw

    k = key if isinstance(key, str) else int(raw(key))
    if isinstance(base, Val):
        return Val(as_ref(base.v)._member(k), base.deps | deps_of(key))
    member = as_ref(base)._member(k)
    return Val(member, deps_of(key)) if deps_of(key) else member
