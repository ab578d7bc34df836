"""Small random programs, run two ways: by smpcheck, and by brute-force enumeration.

A program is a list of CPUs, each a list of instructions over locations
0..nlocs-1 and registers.  ``as_model`` turns it into a smpcheck Model using
the kernel API; ``sc_classes`` / ``tso_classes`` enumerate every interleaving
(TSO: with per-CPU FIFO store buffers) of an independent interpreter and
collect the distinct (reads-from, coherence) classes and final states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from smpcheck import (
    READ_ONCE,
    WRITE_ONCE,
    Model,
    Var,
    atomic_fetch_add,
    cmpxchg,
    smp_mb,
    xchg,
)

Instr = tuple[Any, ...]

# Instructions:
#   ("r", loc)             register <- READ_ONCE(loc)
#   ("w", loc, val)        WRITE_ONCE(loc, val)
#   ("wr", loc)            WRITE_ONCE(loc, last register + 1)   (data dependency)
#   ("xchg", loc, val)     register <- xchg(loc, val)
#   ("cas", loc, old, new) register <- cmpxchg(loc, old, new)
#   ("add", loc, val)      register <- atomic_fetch_add(val, loc)
#   ("mb",)                smp_mb()
#   ("skip", val)          skip the next instruction if the last register == val


def instr(nlocs: int) -> st.SearchStrategy[Instr]:
    loc = st.integers(0, nlocs - 1)
    val = st.integers(1, 2)
    return st.one_of(
        st.tuples(st.just("r"), loc),
        st.tuples(st.just("w"), loc, val),
        st.tuples(st.just("wr"), loc),
        st.tuples(st.just("xchg"), loc, val),
        st.tuples(st.just("cas"), loc, st.integers(0, 2), val),
        st.tuples(st.just("add"), loc, st.just(1)),
        st.tuples(st.just("mb")),
        st.tuples(st.just("skip"), st.integers(0, 2)),
    )


@st.composite
def programs(draw: Any, max_cpus: int = 3, max_len: int = 3) -> list[list[Instr]]:
    nlocs = draw(st.integers(1, 3))
    ncpus = draw(st.integers(2, max_cpus))
    return [draw(st.lists(instr(nlocs), min_size=1, max_size=max_len)) for _ in range(ncpus)]


def nlocs_of(prog: list[list[Instr]]) -> int:
    return 1 + max((i[1] for cpu in prog for i in cpu if i[0] not in ("mb", "skip")), default=0)


# --------------------------------------------------------------------------
# As a smpcheck model
# --------------------------------------------------------------------------


def as_model(prog: list[list[Instr]]) -> tuple[Model, dict[str, Any]]:
    locs = [Var(0) for _ in range(nlocs_of(prog))]
    names = {}
    for i, ref in enumerate(locs):
        ref._obj.name = f"v{i}"
        names[f"v{i}"] = ref._loc()

    def cpu_fn(code: list[Instr]) -> Any:
        def run() -> dict[str, Any]:
            regs: dict[str, Any] = {}
            last: Any = 0
            skip = False
            for n, ins in enumerate(code):
                if skip:
                    skip = False
                    continue
                op = ins[0]
                if op == "r":
                    last = READ_ONCE(locs[ins[1]])
                elif op == "w":
                    WRITE_ONCE(locs[ins[1]], ins[2])
                elif op == "wr":
                    WRITE_ONCE(locs[ins[1]], last + 1)
                elif op == "xchg":
                    last = xchg(locs[ins[1]], ins[2])
                elif op == "cas":
                    last = cmpxchg(locs[ins[1]], ins[2], ins[3])
                elif op == "add":
                    last = atomic_fetch_add(ins[2], locs[ins[1]])
                elif op == "mb":
                    smp_mb()
                elif op == "skip":
                    skip = bool(last == ins[1])
                    continue
                if op in ("r", "xchg", "cas", "add"):
                    regs[f"r{n}"] = last
            return regs

        return run

    return Model("random", [cpu_fn(c) for c in prog]), names


# --------------------------------------------------------------------------
# Brute force: every interleaving of an independent interpreter
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cpu:
    pc: int = 0
    last: int = 0
    skip: bool = False
    regs: tuple[tuple[str, int], ...] = ()
    nev: int = 0  # memory events issued so far (ids for rf/co)
    buf: tuple[tuple[int, int, tuple[int, int]], ...] = ()  # TSO store buffer: (loc, val, id)


def _classes(prog: list[list[Instr]], tso: bool) -> tuple[set[Any], set[Any]]:
    nl = nlocs_of(prog)
    classes: set[Any] = set()
    finals: set[Any] = set()
    init_ids = tuple((-1, i) for i in range(nl))

    seen: set[Any] = set()  # states already expanded: what follows a state is the same

    def go(cpus: tuple[_Cpu, ...], mem: tuple[int, ...], last_w: tuple[Any, ...],
           rf: frozenset[Any], co: tuple[tuple[Any, ...], ...]) -> None:
        state = (cpus, mem, last_w, rf, co)
        if state in seen:  # (without this, 3 CPUs of 3 stores under TSO take hours)
            return
        seen.add(state)
        moved = False
        for t, c in enumerate(cpus):
            if tso and c.buf:  # the oldest buffered store reaches memory
                loc, val, wid = c.buf[0]
                nc = _replace(c, buf=c.buf[1:])
                go(_set(cpus, t, nc), _set(mem, loc, val), _set(last_w, loc, wid), rf,
                   _set(co, loc, co[loc] + (wid,)))
                moved = True
            code = prog[t]
            if c.pc >= len(code):
                continue
            if tso and c.buf and code[c.pc][0] in ("xchg", "cas", "add", "mb"):
                continue  # locked instructions and mfence drain the buffer first
            moved = True
            _step(t, c, code[c.pc], cpus, mem, last_w, rf, co)
        if not moved:
            classes.add((rf, co))
            regs = tuple(c.regs for c in cpus)
            finals.add((regs, mem))

    def _step(t: int, c: _Cpu, ins: Instr, cpus: Any, mem: Any, last_w: Any, rf: Any,
              co: Any) -> None:
        op = ins[0]
        nxt = c.pc + 1
        if c.skip:
            go(_set(cpus, t, _replace(c, pc=nxt, skip=False)), mem, last_w, rf, co)
            return
        if op == "skip":
            go(_set(cpus, t, _replace(c, pc=nxt, skip=c.last == ins[1])), mem, last_w, rf, co)
            return
        if op == "mb":
            go(_set(cpus, t, _replace(c, pc=nxt)), mem, last_w, rf, co)
            return
        loc = ins[1]
        eid = (t, c.nev)
        if op == "r":
            val, src = _load(c, loc, mem, last_w)
            nc = _replace(c, pc=nxt, last=val, regs=c.regs + ((f"r{c.pc}", val),), nev=c.nev + 1)
            go(_set(cpus, t, nc), mem, last_w, rf | {(eid, src)}, co)
            return
        if op in ("w", "wr"):
            val = ins[2] if op == "w" else c.last + 1
            nc = _replace(c, pc=nxt, nev=c.nev + 1)
            if tso:
                nc = _replace(nc, buf=c.buf + ((loc, val, eid),))
                go(_set(cpus, t, nc), mem, last_w, rf, co)
            else:
                go(_set(cpus, t, nc), _set(mem, loc, val), _set(last_w, loc, eid), rf,
                   _set(co, loc, co[loc] + (eid,)))
            return
        old, src = mem[loc], last_w[loc]
        new = {"xchg": lambda: ins[2], "add": lambda: old + ins[2],
               "cas": lambda: ins[3] if old == ins[2] else None}[op]()
        regs = c.regs + ((f"r{c.pc}", old),)
        rf2 = rf | {(eid, src)}
        if new is None:
            nc = _replace(c, pc=nxt, last=old, regs=regs, nev=c.nev + 1)
            go(_set(cpus, t, nc), mem, last_w, rf2, co)
            return
        wid = (t, c.nev + 1)
        nc = _replace(c, pc=nxt, last=old, regs=regs, nev=c.nev + 2)
        go(_set(cpus, t, nc), _set(mem, loc, new), _set(last_w, loc, wid), rf2,
           _set(co, loc, co[loc] + (wid,)))

    go(tuple(_Cpu() for _ in prog), (0,) * nl, init_ids, frozenset(), ((),) * nl)
    return classes, finals


def _load(c: _Cpu, loc: int, mem: Any, last_w: Any) -> tuple[int, Any]:
    for bl, bv, bid in reversed(c.buf):  # TSO store forwarding
        if bl == loc:
            return bv, bid
    return mem[loc], last_w[loc]


def _replace(c: _Cpu, **kw: Any) -> _Cpu:
    d = dict(c.__dict__)
    d.update(kw)
    return _Cpu(**d)


def _set(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return t[:i] + (v,) + t[i + 1:]


def sc_classes(prog: list[list[Instr]]) -> tuple[set[Any], set[Any]]:
    """Distinct (rf, co) classes and final states over all SC interleavings."""
    return _classes(prog, tso=False)


def tso_classes(prog: list[list[Instr]]) -> tuple[set[Any], set[Any]]:
    """The same over all x86-TSO runs (FIFO store buffers with forwarding)."""
    return _classes(prog, tso=True)
