"""Small structured programs (loops, a spinlock, conditionals, BUG_ON) written three
ways: as a Python model file, as a kernel-style C file, and as flat code for an
independent brute-force interpreter (every SC interleaving; under x86-TSO with
per-CPU FIFO store buffers).

A program is a list of CPUs, each a list of statements over variables
``v0..v{n-1}``, one spinlock ``l`` and a CPU-local ``t`` (the last value read):

    ("r", k, loc)            t = READ_ONCE(loc); rk = t
    ("w", loc, val)          WRITE_ONCE(loc, val)
    ("wr", loc)              WRITE_ONCE(loc, t + 1)
    ("xchg", k, loc, val)    t = xchg(&loc, val); rk = t
    ("cas", k, loc, o, n)    t = cmpxchg(&loc, o, n); rk = t
    ("add", k, loc, val)     t = atomic_fetch_add(val, &loc); rk = t
    ("mb",)                  smp_mb()
    ("lock", body)           spin_lock(&l); body; spin_unlock(&l)
    ("loop", n, body, brk)   for (i = 0; i < n; i++) { body; if (t == brk) break; }
    ("if", val, body)        if (t == val) { body }
    ("bug", val)             BUG_ON(t == val)
    ("spin", k, loc, val, keep)
                             while (READ_ONCE(loc) != val) { KEEP; cpu_relax(); }
                             t = what KEEP counted (val if nothing); rk = t

A spin-wait's KEEP (:data:`KEEPS`) is the CPU-local state each iteration changes:
nothing (the loop waits for ``loc`` to change), a counter kept in an int, a list, a
dict, an object of the model's class, an object in a list in a dict (in C: an int,
array elements, a member of a global struct only this CPU uses, directly or through
a pointer), or a flag set once.

``k`` numbers each reading statement of a CPU, so that ``rk`` names it.  Loops are
unrolled for the interpreter, so a loop's registers hold their last iteration's value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from smpcheck.settings import LOOP_BOUND

Stmt = tuple[Any, ...]
READS = ("r", "xchg", "cas", "add")
NUMBERED = (*READS, "spin")  # the statements that set a register

# A spin-wait's KEEP: (state before the loop, one iteration's change, the count after
# it) in Python and in C, ``{k}`` the statement's number and ``{n}`` its CPU's.  "set"
# changes the state in the first iteration only; "none" keeps nothing.
KEEPS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "none": (("", "", ""), ("", "", "")),
    "int": (("n{k} = 0", "n{k} += 1", "n{k}"), ("n{k} = 0;", "n{k}++;", "n{k}")),
    "set": (("n{k} = 0", "n{k} = 1", "n{k}"), ("n{k} = 0;", "n{k} = 1;", "n{k}")),
    "list": (("s{k} = []", "s{k}.append(0)", "len(s{k})"),
             ("a{k}[0] = 0;", "a{k}[0]++;", "a{k}[0]")),
    "dict": (("s{k} = {{}}", "s{k}[len(s{k})] = 0", "len(s{k})"),
             ("a{k}[1] = 0;", "a{k}[1] += 1;", "a{k}[1]")),
    "obj": (("s{k} = Tally()", "s{k}.n += 1", "s{k}.n"),
            ("s{n}_{k}.n = 0;", "s{n}_{k}.n++;", "s{n}_{k}.n")),
    "nested": (("s{k} = {{'seen': [Tally()]}}", "s{k}['seen'][0].n += 1",
                "s{k}['seen'][0].n"),
               ("p{k} = &s{n}_{k}; p{k}->n = 0;", "p{k}->n++;", "p{k}->n")),
}


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------


def _leaf(nlocs: int) -> st.SearchStrategy[Stmt]:
    loc = st.integers(0, nlocs - 1)
    val = st.integers(1, 2)
    return st.one_of(
        st.tuples(st.just("r"), st.just(0), loc),
        st.tuples(st.just("w"), loc, val),
        st.tuples(st.just("wr"), loc),
        st.tuples(st.just("xchg"), st.just(0), loc, val),
        st.tuples(st.just("cas"), st.just(0), loc, st.integers(0, 2), val),
        st.tuples(st.just("add"), st.just(0), loc, st.just(1)),
        st.tuples(st.just("mb")),
    )


def _stmt(nlocs: int, locks: bool) -> st.SearchStrategy[Stmt]:
    leaf = _leaf(nlocs)
    body = st.lists(leaf, min_size=1, max_size=2)
    options = [
        leaf, leaf,
        st.tuples(st.just("loop"), st.integers(1, 2), body, st.integers(0, 2)),
        st.tuples(st.just("if"), st.integers(0, 2), body),
        st.tuples(st.just("bug"), st.integers(0, 2)),
    ]
    if locks:
        options.append(st.tuples(st.just("lock"), body))
    return st.one_of(*options)


def _spin_wait(nlocs: int) -> st.SearchStrategy[list[Stmt]]:
    """A spin-wait, then often a branch on what it kept: a write, or a BUG_ON."""
    spin = st.tuples(st.just("spin"), st.just(0), st.integers(0, nlocs - 1),
                     st.integers(1, 2), st.sampled_from(sorted(KEEPS)))
    after = st.one_of(
        st.just([]),
        st.lists(st.tuples(st.just("if"), st.integers(0, 2),
                           st.lists(_leaf(nlocs), min_size=1, max_size=1)),
                 min_size=1, max_size=1),
        st.lists(st.tuples(st.just("bug"), st.integers(1, 3)), min_size=1, max_size=1))
    return st.builds(lambda s, a: [s, *a], spin, after)


def _number(code: list[Stmt], start: int = 0) -> tuple[list[Stmt], int]:
    """Give each reading statement its register number, in program text order."""
    out: list[Stmt] = []
    k = start
    for s in code:
        if s[0] in NUMBERED:
            out.append((s[0], k, *s[2:]))
            k += 1
        elif s[0] in ("lock", "if"):
            body, k = _number(s[-1], k)
            out.append((*s[:-1], body))
        elif s[0] == "loop":
            body, k = _number(s[2], k)
            out.append((s[0], s[1], body, s[3]))
        else:
            out.append(s)
    return out, k


def _in_block(nlocs: int, locks: bool) -> st.SearchStrategy[list[Stmt]]:
    """A spin-wait in an ``if``, a counted loop, or (``locks``) under the spinlock."""
    body = _spin_wait(nlocs)
    blocks = [st.tuples(st.just("if"), st.integers(0, 2), body),
              st.tuples(st.just("loop"), st.integers(1, 2), body, st.integers(0, 2))]
    if locks:
        blocks.append(st.tuples(st.just("lock"), body))
    return st.one_of(*blocks).map(lambda s: [s])


@st.composite
def structured_programs(draw: Any, max_cpus: int = 2, max_len: int = 3,
                        locks: bool = True, spins: bool = False) -> list[list[Stmt]]:
    """2..max_cpus CPUs of 1..max_len statements over 1-2 variables (in half of them
    framed by a store first and a load of the next CPU's variable last).  With
    ``spins``, each CPU may also wait (:func:`_spin_wait`), and then most often another
    CPU writes the value it waits for, somewhere."""
    nlocs = draw(st.sampled_from([2, 2, 1]))
    ncpus = draw(st.integers(2, max_cpus))
    stmt = _stmt(nlocs, locks).map(lambda s: [s])
    if spins:
        stmt = st.one_of(stmt, _spin_wait(nlocs), _spin_wait(nlocs), _in_block(nlocs, locks))
    cpus = [[s for chunk in draw(st.lists(stmt, min_size=1, max_size=max_len)) for s in chunk]
            for _ in range(ncpus)]
    for n, code in enumerate(cpus):
        for s in spins_of(code):
            if draw(st.integers(0, 3)):
                other = cpus[(n + draw(st.integers(1, ncpus - 1))) % ncpus]
                other.insert(draw(st.integers(0, len(other))), ("w", s[2], s[3]))
    if draw(st.booleans()):  # a store first, a load last: where TSO and SC part
        for n, code in enumerate(cpus):
            code[:0] = [("w", n % nlocs, 1)]
            code.append(("r", 0, (n + 1) % nlocs))
    return [_number(code)[0] for code in cpus]


def nregs(code: list[Stmt]) -> int:
    return _number(code)[1]


def nlocs_of(prog: list[list[Stmt]]) -> int:
    def locs(code: list[Stmt]) -> list[int]:
        out: list[int] = []
        for s in code:
            if s[0] in ("lock", "if", "loop"):
                out += locs(s[2] if s[0] == "loop" else s[-1])
            elif s[0] in NUMBERED:
                out.append(s[2])
            elif s[0] in ("w", "wr"):
                out.append(s[1])
        return out
    return 1 + max((x for c in prog for x in locs(c)), default=0)


# --------------------------------------------------------------------------
# As source text: a Python model file and a C file
# --------------------------------------------------------------------------

_PY_HEAD = ("from smpcheck import (BUG_ON, READ_ONCE, WRITE_ONCE, Model, SpinLock, Var,\n"
            "    atomic_fetch_add, cmpxchg, cpu_relax, smp_mb, spin_lock, spin_unlock, xchg)\n"
            "\n\nclass Tally:\n    def __init__(self):\n        self.n = 0\n\n\n"
            "l = Var(SpinLock())\n")
_C_DECLS = {"int": "int n{k};", "set": "int n{k};", "list": "int a{k}[2];",
            "dict": "int a{k}[2];", "nested": "struct tally *p{k};"}  # (and a global struct)


def _spin_text(s: Stmt, py: bool, ind: str, cpu: int) -> list[str]:
    """A spin-wait in Python or C (on CPU ``cpu``)."""
    init, step, count = (x.format(k=s[1], n=cpu) for x in KEEPS[s[4]][0 if py else 1])
    sub, end = (ind + "    ", "") if py else (ind + "\t", ";")
    head = (f"while READ_ONCE(v{s[2]}) != {s[3]}:" if py
            else f"while (READ_ONCE(v{s[2]}) != {s[3]}) {{")
    lines = [f"{ind}{init}"] if init else []
    lines += [f"{ind}{head}", *([f"{sub}{step}"] if step else []), f"{sub}cpu_relax(){end}"]
    lines += [] if py else [f"{ind}}}"]
    return [*lines, f"{ind}t = {count or s[3]}{end}", f"{ind}r{s[1]} = t{end}"]


def _py_stmt(s: Stmt, ind: str, wl: bool) -> list[str]:
    op = s[0]
    sub = ind + "    "
    if op == "spin":
        return _spin_text(s, True, ind, 0)
    if op in READS:
        call = {"r": f"READ_ONCE(v{s[2]})", "xchg": f"xchg(v{s[2]}, {s[-1]})",
                "cas": f"cmpxchg(v{s[2]}, {s[3]}, {s[4]})" if op == "cas" else "",
                "add": f"atomic_fetch_add({s[-1]}, v{s[2]})"}[op]
        return [f"{ind}t = {call}", f"{ind}r{s[1]} = t"]
    if op in ("w", "wr"):
        return [f"{ind}WRITE_ONCE(v{s[1]}, {s[2] if op == 'w' else 't + 1'})"]
    if op == "mb":
        return [f"{ind}smp_mb()"]
    if op == "bug":
        return [f"{ind}BUG_ON(t == {s[1]})"]
    if op == "lock":
        return [f"{ind}spin_lock(l)", *_py_block(s[1], ind, wl), f"{ind}spin_unlock(l)"]
    if op == "if":
        return [f"{ind}if t == {s[1]}:", *_py_block(s[2], sub, wl)]
    body = [*_py_block(s[2], sub, wl), f"{sub}if t == {s[3]}:", f"{sub}    break"]
    if wl:
        return [f"{ind}i = 0", f"{ind}while i < {s[1]}:", *body, f"{sub}i += 1"]
    return [f"{ind}for _ in range({s[1]}):", *body]


def _py_block(code: list[Stmt], ind: str, wl: bool) -> list[str]:
    return [line for s in code for line in _py_stmt(s, ind, wl)]


def as_python(prog: list[list[Stmt]], while_loops: bool = False) -> str:
    """The program as a Python model file; each CPU returns t and its registers.  Loops
    are ``for`` over a range, or (``while_loops``) ``while`` loops over a counter, which
    the loop bound bounds."""
    lines = [_PY_HEAD] + [f"v{i} = Var(0)" for i in range(nlocs_of(prog))]
    for n, code in enumerate(prog):
        regs = [f"r{k}" for k in range(nregs(code))]
        lines += ["", "", f"def P{n}():", "    t = 0"] + [f"    {r} = 0" for r in regs]
        lines += _py_block(code, "    ", while_loops)
        lines.append("    return {" + ", ".join(f"{x!r}: {x}" for x in ["t", *regs]) + "}")
    cpus = ", ".join(f"P{n}" for n in range(len(prog)))
    lines += ["", "", f"MODEL = Model('gen', [{cpus}])", ""]
    return "\n".join(lines)


def _c_stmt(s: Stmt, ind: str, wl: bool, cpu: int) -> list[str]:
    op = s[0]
    sub = ind + "\t"
    if op == "spin":
        return _spin_text(s, False, ind, cpu)
    if op in READS:
        call = {"r": f"READ_ONCE(v{s[2]})", "xchg": f"xchg(&v{s[2]}, {s[-1]})",
                "cas": f"cmpxchg(&v{s[2]}, {s[3]}, {s[4]})" if op == "cas" else "",
                "add": f"atomic_fetch_add({s[-1]}, (atomic_t *)&v{s[2]})"}[op]
        return [f"{ind}t = {call};", f"{ind}r{s[1]} = t;"]
    if op in ("w", "wr"):
        return [f"{ind}WRITE_ONCE(v{s[1]}, {s[2] if op == 'w' else 't + 1'});"]
    if op == "mb":
        return [f"{ind}smp_mb();"]
    if op == "bug":
        return [f"{ind}BUG_ON(t == {s[1]});"]
    if op == "lock":
        return [f"{ind}spin_lock(&l);", *_c_block(s[1], ind, wl, cpu), f"{ind}spin_unlock(&l);"]
    if op == "if":
        return [f"{ind}if (t == {s[1]}) {{", *_c_block(s[2], sub, wl, cpu), f"{ind}}}"]
    body = [*_c_block(s[2], sub, wl, cpu), f"{sub}if (t == {s[3]})", f"{sub}\tbreak;"]
    if wl:
        return [f"{ind}i = 0;", f"{ind}while (i < {s[1]}) {{", *body, f"{sub}i++;", f"{ind}}}"]
    return [f"{ind}for (i = 0; i < {s[1]}; i++) {{", *body, f"{ind}}}"]


def _c_block(code: list[Stmt], ind: str, wl: bool, cpu: int) -> list[str]:
    return [line for s in code for line in _c_stmt(s, ind, wl, cpu)]


def spins_of(code: list[Stmt]) -> list[Stmt]:
    """The spin-waits in ``code``, nested ones too."""
    return [w for s in code for w in (
        [s] if s[0] == "spin" else spins_of(s[2] if s[0] == "loop" else s[-1])
        if s[0] in ("lock", "if", "loop") else [])]


def as_c(prog: list[list[Stmt]], while_loops: bool = False) -> str:
    """The program as a C model file; ``i`` (loop counters) is a register too.  Loops
    are ``for`` loops, or ``while`` loops with ``while_loops``."""
    lines = ["DEFINE_SPINLOCK(l);", "struct tally { int n; };"]
    lines += [f"int v{i};" for i in range(nlocs_of(prog))]
    lines += [f"struct tally s{n}_{s[1]};" for n, code in enumerate(prog)
              for s in spins_of(code) if s[4] in ("obj", "nested")]
    for n, code in enumerate(prog):
        regs = ["t", "i"] + [f"r{k}" for k in range(nregs(code))]
        lines += ["", f"void P{n}(void)", "{"] + [f"\tint {r} = 0;" for r in regs]
        lines += [f"\t{_C_DECLS[s[4]].format(k=s[1])}" for s in spins_of(code)
                  if s[4] in _C_DECLS]
        lines += [*_c_block(code, "\t", while_loops, n), "}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Brute force over flat code
# --------------------------------------------------------------------------


def flatten(code: list[Stmt], base: int = 0) -> list[Stmt]:
    """Flat code starting at ``base``: loops unrolled, ``if`` and ``break`` as
    ("jne", val, target) and ("jeq", val, target) on t (targets absolute), the
    spinlock as ("lock",) and ("unlock",)."""
    out: list[Stmt] = []
    for s in code:
        at = base + len(out)
        if s[0] == "lock":
            body = flatten(s[1], at + 1)
            out += [("lock",), *body, ("unlock",)]
        elif s[0] == "if":
            body = flatten(s[2], at + 1)
            out += [("jne", s[1], at + 1 + len(body)), *body]
        elif s[0] == "loop":
            size = len(flatten(s[2])) + 1
            end = at + size * s[1]
            for n in range(s[1]):
                out += [*flatten(s[2], at + n * size), ("jeq", s[3], end)]
        else:
            out.append(s)
    return out


@dataclass(frozen=True)
class _Cpu:
    pc: int = 0
    t: int = 0
    regs: tuple[tuple[str, int], ...] = ()
    nev: int = 0
    failed: bool = False
    buf: tuple[tuple[int, int, tuple[int, int]], ...] = ()
    spun: int = 0  # the iterations of the spin-wait at pc that changed what it keeps


@dataclass
class Brute:
    """What every run of a program gives: (rf, co) classes of complete runs, their
    final states, the CPUs whose BUG_ON fires in some run, whether some run cannot
    finish (CPUs wait forever), whether some run met the loop bound (and stopped
    there)."""

    classes: set[Any]
    finals: set[Any]
    bugs: set[int]
    stuck: bool
    cut: bool = False

    @property
    def bug(self) -> bool:
        """Whether a BUG_ON fires in some run."""
        return bool(self.bugs)


def brute(prog: list[list[Stmt]], tso: bool, loop_bound: int = LOOP_BOUND) -> Brute:
    """Every run of ``prog`` under SC, or under x86-TSO when ``tso``.

    A spin-wait is bounded as smpcheck bounds it (smpcheck._rt.loops): an iteration
    that reads ``loc`` without the value and keeps nothing new (KEEP "none", or "set"
    after its first) is a wait, no step at all (the CPU can go on only once ``loc``
    holds the value); one that changes what it keeps is a step, and the one that makes
    ``loop_bound`` of them cuts the run (the loop head ``loop_bound + 1`` is past the
    bound), whatever the next read would see."""
    search = _Search(prog, tso, loop_bound)
    nl = search.lock + 1
    search.go((tuple(_Cpu() for _ in prog), (0,) * nl, tuple((-1, i) for i in range(nl)),
               frozenset(), ((),) * nl))
    return search.res


class _Search:
    """Depth-first over states (cpus, memory, last write per location, rf, co)."""

    def __init__(self, prog: list[list[Stmt]], tso: bool, loop_bound: int) -> None:
        self.prog, self.tso, self.bound = prog, tso, loop_bound
        self.codes = [flatten(c) for c in prog]
        self.lock = nlocs_of(prog)  # the spinlock's location follows the variables
        self.res = Brute(set(), set(), set(), False)
        self.seen: set[Any] = set()

    def go(self, state: Any) -> None:
        if state in self.seen:
            return
        self.seen.add(state)
        failed = {n for n, c in enumerate(state[0]) if c.failed}
        if failed:  # (the run is over: cut or not after it)
            self.res.bugs |= failed
            return
        moved = False
        for nxt in self._moves(state):
            moved = True
            if nxt is _CUT:
                self.res.cut = True
            else:
                self.go(nxt)
        if not moved:
            self._end(state)

    def _moves(self, state: Any) -> Any:
        cpus, mem, last_w, rf, co = state
        for n, c in enumerate(cpus):
            if self.tso and c.buf:  # the oldest buffered store reaches memory
                loc, val, wid = c.buf[0]
                yield (_set(cpus, n, replace(c, buf=c.buf[1:])), _set(mem, loc, val),
                       _set(last_w, loc, wid), rf, _set(co, loc, co[loc] + (wid,)))
            if c.failed or c.pc >= len(self.codes[n]):
                continue
            s = self.codes[n][c.pc]
            if self.tso and c.buf and s[0] in ("xchg", "cas", "add", "mb", "lock"):
                continue  # locked instructions and mfence wait for the buffer to drain
            if s[0] == "spin":
                step = _spin(s, c, mem, last_w, n, self.bound)
            else:
                step = _step(s, c, mem, last_w, n, self.lock)
            if step is None:
                continue
            if step is _CUT:
                yield _CUT
                continue
            nc, wrote, read = step
            m, lw, co2 = mem, last_w, co
            if wrote is not None and self.tso and s[0] in ("w", "wr", "unlock"):
                nc = replace(nc, buf=nc.buf + (wrote,))
            elif wrote is not None:
                loc, val, wid = wrote
                m, lw = _set(mem, loc, val), _set(last_w, loc, wid)
                co2 = _set(co, loc, co[loc] + (wid,))
            yield _set(cpus, n, nc), m, lw, rf | read, co2

    def _end(self, state: Any) -> None:
        cpus, mem, _, rf, co = state
        if any(c.pc < len(code) for c, code in zip(cpus, self.codes, strict=True)):
            self.res.stuck = True
        else:
            self.res.classes.add((rf, co))
            regs = tuple(_final(c, nregs(p)) for c, p in zip(cpus, self.prog, strict=True))
            self.res.finals.add((regs, mem[:self.lock]))


def _step(s: Stmt, c: _Cpu, mem: Any, last_w: Any, n: int, lock: int) -> Any:
    """What statement ``s`` does on CPU ``n``: (the CPU after it, the write it makes or
    None, the reads-from edges of its read), or None while it cannot go."""
    op, nxt, eid = s[0], c.pc + 1, (n, c.nev)
    if op in ("jne", "jeq"):
        jump = (c.t != s[1]) if op == "jne" else (c.t == s[1])
        return replace(c, pc=s[2] if jump else nxt), None, frozenset()
    if op in ("mb", "bug"):
        return replace(c, pc=nxt, failed=op == "bug" and c.t == s[1]), None, frozenset()
    if op == "lock":
        if mem[lock] != 0:
            return None
        return (replace(c, pc=nxt, nev=c.nev + 2), (lock, 1, (n, c.nev + 1)),
                frozenset({(eid, last_w[lock])}))
    if op == "unlock":
        return replace(c, pc=nxt, nev=c.nev + 1), (lock, 0, eid), frozenset()
    if op in ("w", "wr"):
        val = s[2] if op == "w" else c.t + 1
        return replace(c, pc=nxt, nev=c.nev + 1), (s[1], val, eid), frozenset()
    old, src = _load(c, s[2], mem, last_w)
    regs = _put(c.regs, f"r{s[1]}", old)
    rf = frozenset({(eid, src)})
    new = {"r": None, "xchg": s[-1], "add": old + s[-1],
           "cas": (s[-1] if old == s[3] else None) if op == "cas" else None}[op]
    if new is None:
        return replace(c, pc=nxt, t=old, regs=regs, nev=c.nev + 1), None, rf
    return (replace(c, pc=nxt, t=old, regs=regs, nev=c.nev + 2),
            (s[2], new, (n, c.nev + 1)), rf)


_CUT = object()  # a step past the loop bound


def _spin(s: Stmt, c: _Cpu, mem: Any, last_w: Any, n: int, bound: int) -> Any:
    """One read of a spin-wait, as :func:`_step`; _CUT past the bound."""
    _, k, loc, val, keep = s
    old, src = _load(c, loc, mem, last_w)
    rf = frozenset({((n, c.nev), src)})
    if old == val:
        t = val if keep == "none" else c.spun
        return (replace(c, pc=c.pc + 1, t=t, regs=_put(c.regs, f"r{k}", t), nev=c.nev + 1,
                        spun=0), None, rf)
    if keep == "none" or (keep == "set" and c.spun):
        return None  # (a wait: it changes nothing)
    if c.spun + 1 >= bound:
        return _CUT
    return replace(c, nev=c.nev + 1, spun=c.spun + 1), None, rf


def _load(c: _Cpu, loc: int, mem: Any, last_w: Any) -> tuple[int, Any]:
    for bl, bv, bid in reversed(c.buf):  # TSO store forwarding
        if bl == loc:
            return bv, bid
    return mem[loc], last_w[loc]


def _final(c: _Cpu, n: int) -> tuple[tuple[str, int], ...]:
    """A CPU's registers as its function returns them: t, and r0.. (0 if never set)."""
    return tuple(sorted({**{f"r{k}": 0 for k in range(n)}, **dict(c.regs), "t": c.t}.items()))


def _put(regs: tuple[tuple[str, int], ...], name: str, val: int) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(dict(regs, **{name: val}).items()))


def _set(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return t[:i] + (v,) + t[i + 1:]
