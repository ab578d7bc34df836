"""Instrumentation the model loader inserts: every ``while`` loop, and assignments of
names a function declares ``global`` or ``nonlocal``.

``while cond: body`` becomes ``_smp_loop_enter(site); while _smp_loop_head(site,
locals()) and cond: body``.  At the head of each iteration after the first, the
previous iteration is examined: if it called cpu_relax(), only read memory and
left the CPU's own state (its locals, a litmus test's registers) as it found
them, the CPU is waiting for those reads to change, so it blocks (an await)
instead of iterating again.  An iteration that changed them (``r = READ_ONCE(y)``
at the end of the body, the value the condition then tests) is not the last one
again: what it read may end the loop.  An iteration whose RMWs all failed (a
cmpxchg spin lock's retry) wrote nothing either: it waits too if no RMW's operands
came from a read (as the lock's ``cmpxchg(&lock, 0, 1)``); if some did (``old =
cmpxchg(&x, old, old + 1)``, which tries anew with what it read), once two
iterations in a row issued the same operations on the same operands and read the
same values (:func:`_retry`).
Any other loop runs at most ``--loop-bound`` iterations; going
further stops that execution and makes the verdict incomplete.  A loop that runs
outside a CPU function (module-level code building the initial state, a condition)
is plain Python: it is no CPU's, so nothing bounds it.
"""

from __future__ import annotations

import sys
from typing import Any

from smpcheck._rt.pystate import Fingerprint
from smpcheck._rt.rewritten import REWRITTEN
from smpcheck._rt.runtime import ModelMisuse, Op, cpu_name, issue, refuse, running
from smpcheck.graph.events import Source
from smpcheck.results.result import Limit

__smp_engine__ = True

# The CPU's own state at a loop head (its locals), as the last head's is compared with
# it: values without their dependencies, containers and the model's objects by what
# they hold and by identity, smpcheck's objects by identity, what it cannot look into
# as changed (pystate.Fingerprint).  One for all CPUs: nothing switches CPUs within it.
_STATE = Fingerprint(REWRITTEN, loop_head=True)


def _smp_loop_enter(site: tuple[str, int]) -> None:
    now = running()
    if now is None:
        return
    cpu = now[1]
    cpu.loops[site] = [0, len(cpu.fed), None]
    cpu.relaxed = False


def _smp_loop_head(site: tuple[str, int], local: Any = None) -> bool:
    """At each iteration's head: block if the last one waited, stop past the bound.
    ``local``: the CPU's own state the loop may change (locals, registers)."""
    now = running()
    if now is None:
        return True
    run, cpu = now
    state = cpu.loops.setdefault(site, [0, len(cpu.fed), None])
    state[0] += 1
    bare = _STATE.of_locals(local) if isinstance(local, dict) else _STATE.of(local)
    if state[0] >= 2:
        g = run.graph
        assert g is not None
        since = [g.event(ev.id) for ev in cpu.fed[state[1]:]]
        src = Source(site[0], site[1], _line(site))
        again = _retry(state, g, since, cpu.relaxed)
        if cpu.relaxed and bare == state[2] and (
                all(ev.kind in "RFC" for ev in since) or again):  # (C: no interrupt)
            issue(Op("B", value=tuple(ev.id for ev in since if ev.kind == "R"),
                     text="spin", src=src))
        if state[0] > run.loop_bound:
            issue(Op("BOUND", value=run.loop_bound, text=Limit.LOOP_BOUND, src=src))
    state[1] = len(cpu.fed)
    state[2] = bare
    cpu.relaxed = False
    return True


def _retry(state: list[Any], g: Any, since: list[Any], relaxed: bool) -> bool:
    """Whether a relaxed iteration ``since`` of reads and failed RMWs (N: the place of
    a write not made) would repeat: no RMW's operands depend on a read, or it repeats
    the one before it, relaxed too: the same operations (their text names the
    operands), reading the same values.  ``state[3]`` keeps the last one's."""
    if not relaxed or not all(ev.kind in "RFCN" for ev in since):
        state[3:] = [None]
        return False
    if not any(ev.kind == "R" and "RMW" in ev.tags and ev.data for ev in since):
        return True  # (operands from no read: the next iteration is this one again)
    seen = [(ev.kind, ev.op, g.read_value(ev.id) if ev.kind == "R" else None)
            for ev in since]
    again = len(state) > 3 and state[3] == seen
    state[3:] = [seen]
    return again


def _smp_outer_store(name: str, site: tuple[str, int, int], owner: tuple[str, int] | None
                     ) -> None:
    """Before a statement assigns ``name``, declared ``global`` (``owner`` None) or
    ``nonlocal`` (``owner``: the function whose variable it is): on a CPU that is a
    usage error, unless the variable's function is running on that CPU (then the
    variable is the run's own)."""
    now = running()
    if now is None:
        return
    if owner is not None:
        # (the assigning function's caller, up to the CPU's start: none when the CPU
        # function assigns it itself, called from the compiled runtime, frameless)
        f: Any = sys._getframe(1).f_back
        while f is not None:
            code = f.f_code
            if (code.co_name, code.co_firstlineno, code.co_filename) == (*owner, site[0]):
                return
            f = f.f_back
        what = (f"{name}, a variable of {owner[0]}() that outlives the run "
                f"(nonlocal {name})")
    else:
        what = f"the module variable {name} (global {name})"
    path, line, col = site
    refuse(now[1], ModelMisuse(
        f"CPU function {cpu_name(now[1])} assigns {what}: Python state that smpcheck cannot "
        "see; CPUs may share only memory (make it a Var and use WRITE_ONCE/READ_ONCE), and "
        "a CPU's own state must be local", Source(path, line, _line((path, line))), col))


def _line(site: tuple[str, int]) -> str:
    import linecache

    return linecache.getline(site[0], site[1]).strip()


def smp_addr(base: Any, key: Any) -> Any:
    """``&base->key`` / ``&base[key]``, keeping an address dependency of ``base``."""
    from smpcheck.model.objects import as_ref
    from smpcheck.model.values import Val, deps_of, raw

    k = key if isinstance(key, str) else int(raw(key))
    if isinstance(base, Val):
        return Val(as_ref(raw(base))._member(k), deps_of(base) | deps_of(key))
    member = as_ref(base)._member(k)
    return Val(member, deps_of(key)) if deps_of(key) else member
