"""Brute-force candidate executions of small C litmus tests, herd-style.

Test-only: it lets the cat interpreter be checked against herd7's verdicts
without the explorer.  Each thread is run once per guess of the values its
reads return (a DFS over a small value domain); the kernel macros are
interpreted through the ``.def`` table (so ``READ_ONCE`` is whatever
linux-kernel.def says).  The threads' traces are then combined with every
reads-from choice (a write of the same location and value) and every
coherence order, and each candidate is judged by the model.  Supports the
straight-line code of the kernel's litmus tests: loads, stores, fences,
acquire/release, spin_lock/unlock/is_locked, RCU fences, pointers, ``if``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import permutations, product
from typing import Any

from smpcheck.cat import CatModel, pin_to_execution
from smpcheck.cat import defs as D
from smpcheck.graph.relation import Rel
from smpcheck.litmus import syntax as L


class Unsupported(Exception):
    """The test uses something this brute-force generator does not model."""


class NeedValue(Exception):
    """A read needs a guessed value beyond the current guesses."""


@dataclass(frozen=True)
class Addr:
    """The address of a shared variable, as a value."""

    name: str


@dataclass
class TEv:
    kind: str  # R, W, F
    loc: str | None
    value: Any
    tags: tuple[str, ...]
    cls: str | None = None  # LKR, LKW, UL, RL, RU
    addr: frozenset[int] = frozenset()
    data: frozenset[int] = frozenset()
    ctrl: frozenset[int] = frozenset()
    rmw: bool = False  # the write half of an RMW whose read is the event before
    lone: bool = False  # an unlock that matches no lock (lock.cat: kept out of co)


@dataclass
class Trace:
    events: list[TEv] = field(default_factory=list)
    regs: dict[str, Any] = field(default_factory=dict)


Val = tuple[Any, frozenset[int]]  # a value and the reads it depends on


class ThreadRunner:
    """Runs one thread's code with guessed read values."""

    def __init__(self, thread: L.CThread, table: dict[str, D.MacroDef], guesses: list[Any]):
        self.thread = thread
        self.table = table
        self.guesses = guesses
        self.used = 0
        self.trace = Trace()
        self.regs: dict[str, Val] = {}
        self.ctrl: frozenset[int] = frozenset()
        self.pointers = {p.name for p in thread.params}

    def run(self) -> Trace:
        self.block(self.thread.body)
        self.trace.regs = {k: v for k, (v, _) in self.regs.items()}
        return self.trace

    def emit(self, ev: TEv) -> int:
        ev.ctrl = self.ctrl
        self.trace.events.append(ev)
        return len(self.trace.events) - 1

    def guess(self) -> Any:
        if self.used == len(self.guesses):
            raise NeedValue
        self.used += 1
        return self.guesses[self.used - 1]

    # -- statements --------------------------------------------------------------

    def block(self, stmts: tuple[L.Stmt, ...]) -> None:
        for s in stmts:
            if isinstance(s, L.Decl):
                self.regs[s.name] = self.expr(s.init) if s.init is not None else (0, frozenset())
            elif isinstance(s, L.Assign):
                self.assign(s.target, self.expr(s.value))
            elif isinstance(s, L.ExprStmt):
                self.expr(s.expr)
            elif isinstance(s, L.If):
                cond, deps = self.expr(s.cond)
                self.ctrl = self.ctrl | deps
                self.block(s.then if cond not in (0, False) else s.orelse)
            else:
                raise Unsupported(type(s).__name__)

    def assign(self, target: L.Expr, value: Val) -> None:
        if isinstance(target, L.Name):
            self.regs[target.id] = value
        elif isinstance(target, L.Deref):
            where, adeps = self.expr(target.expr)
            self.store(where, value, (), adeps)
        else:
            raise Unsupported("assignment target")

    # -- expressions ---------------------------------------------------------------

    def expr(self, e: L.Expr) -> Val:
        if isinstance(e, L.Num):
            return e.value, frozenset()
        if isinstance(e, L.Name):
            if e.id in self.regs:
                return self.regs[e.id]
            if e.id in self.pointers:
                return Addr(e.id), frozenset()
            raise Unsupported(f"name {e.id}")
        if isinstance(e, L.Deref):
            where, adeps = self.expr(e.expr)
            return self.load(where, (), adeps)
        if isinstance(e, L.Cast):
            return self.expr(e.expr)
        if isinstance(e, L.Binary):
            (a, da), (b, db) = self.expr(e.left), self.expr(e.right)
            ops = {"==": lambda: int(a == b), "!=": lambda: int(a != b),
                   "+": lambda: a + b, "-": lambda: a - b, "&&": lambda: int(bool(a and b))}
            if e.op not in ops:
                raise Unsupported(e.op)
            return ops[e.op](), da | db
        if isinstance(e, L.Call):
            return self.call(e.func, e.args)
        raise Unsupported(type(e).__name__)

    def call(self, name: str, args: tuple[L.Expr, ...]) -> Val:
        mdef = self.table.get(name)
        if mdef is None or len(mdef.params) != len(args):
            raise Unsupported(f"call {name}")
        env = dict(zip(mdef.params, args, strict=True))
        result: Val = (0, frozenset())
        for stmt in mdef.body:
            result = self.def_expr(stmt, env)
        return result

    def to_c(self, d: D.DExpr, env: dict[str, L.Expr]) -> L.Expr:
        if isinstance(d, D.DParam):
            return env[d.name]
        if isinstance(d, D.DDeref):
            return L.Deref(self.to_c(d.arg, env))
        if isinstance(d, D.DInt):
            return L.Num(d.value)
        raise Unsupported(str(d))

    def def_expr(self, d: D.DExpr, env: dict[str, L.Expr]) -> Val:
        if isinstance(d, D.DPrim):
            return self.prim(d, [self.to_c(a, env) for a in d.args or ()])
        if isinstance(d, D.DCall):
            return self.call(d.name, tuple(self.to_c(a, env) for a in d.args))
        return self.expr(self.to_c(d, env))

    def lvalue(self, e: L.Expr) -> Val:
        if not isinstance(e, L.Deref):
            raise Unsupported("lvalue")
        return self.expr(e.expr)

    def prim(self, p: D.DPrim, args: list[L.Expr]) -> Val:
        if p.name == "__load":
            where, adeps = self.lvalue(args[0])
            return self.load(where, p.tags, adeps)
        if p.name == "__store":
            where, adeps = self.lvalue(args[0])
            self.store(where, self.expr(args[1]), p.tags, adeps)
            return 0, frozenset()
        if p.name == "__fence":
            self.emit(TEv("F", None, None, p.tags))
            return 0, frozenset()
        if p.name in ("__lock", "__unlock", "__islocked"):
            where, _ = self.expr(args[0])
            loc = self.location(where)
            if p.name == "__lock":
                self.emit(TEv("R", loc, 0, (), "LKR"))
                self.emit(TEv("W", loc, 1, (), "LKW"))
                return 0, frozenset()
            if p.name == "__unlock":
                last = next((e for e in reversed(self.trace.events)
                             if e.loc == loc and e.cls in ("LKW", "UL")), None)
                lone = last is None or last.cls != "LKW"
                self.emit(TEv("W", loc, 0, (), "UL", lone=lone))
                return 0, frozenset()
            v = self.guess()
            if v not in (0, 1):
                raise NeedValue  # a lock holds 0 or 1: this guess is impossible
            self.emit(TEv("R", loc, v, (), "RL" if v else "RU"))
            return v, frozenset()
        raise Unsupported(p.name)

    @staticmethod
    def location(where: Any) -> str:
        if not isinstance(where, Addr):
            raise NeedValue  # dereferencing a non-pointer guess: not a real execution
        return where.name

    def load(self, where: Any, tags: tuple[str, ...], adeps: frozenset[int]) -> Val:
        loc = self.location(where)
        v = self.guess()
        i = self.emit(TEv("R", loc, v, tags, None, adeps))
        return v, frozenset({i})

    def store(self, where: Any, value: Val, tags: tuple[str, ...],
              adeps: frozenset[int]) -> None:
        self.emit(TEv("W", self.location(where), value[0], tags, None, adeps, value[1]))


def thread_traces(thread: L.CThread, table: dict[str, D.MacroDef],
                  domain: list[Any]) -> list[Trace]:
    """Every trace of a thread, one per sequence of read values from ``domain``."""
    out: list[Trace] = []
    stack: list[list[Any]] = [[]]
    while stack:
        guesses = stack.pop()
        runner = ThreadRunner(thread, table, guesses)
        try:
            out.append(runner.run())
        except NeedValue:
            if runner.used == len(guesses):
                stack.extend(guesses + [v] for v in domain)
    return out


# -- combining threads into candidate executions ------------------------------------


@dataclass
class Candidate:
    execution: dict[str, Any]
    regs: dict[tuple[int, str], Any]
    memory: dict[str, Any]


def _initial_values(test: L.CTest) -> dict[str, Any]:
    init: dict[str, Any] = {}
    for t in test.threads:
        for p in t.params:
            init.setdefault(p.name, 0)
    for entry in test.init:
        if entry.thread is not None:
            raise Unsupported("register initialisation")
        v = entry.value
        init[entry.name] = (v.value if isinstance(v, L.Num) else
                            Addr(v.id) if isinstance(v, L.Name) else 0)
    for v in list(init.values()):
        if isinstance(v, Addr):
            init.setdefault(v.name, 0)  # a variable only named by a pointer
    return init


def _order(values: set[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (isinstance(v, Addr), str(v)))


def all_traces(test: L.CTest, table: dict[str, D.MacroDef],
               init: dict[str, Any]) -> list[list[Trace]]:
    """Each thread's traces, reads guessing any value some write may store
    (grown until no trace stores a value outside the guesses)."""
    domain = {0, 1} | set(init.values()) | {Addr(name) for name in init}
    while True:
        per_thread = [thread_traces(t, table, _order(domain)) for t in test.threads]
        stored = {e.value for traces in per_thread for tr in traces for e in tr.events
                  if e.kind == "W"}
        if stored <= domain:
            return per_thread
        domain |= stored


def candidates(test: L.CTest, table: dict[str, D.MacroDef]) -> Iterator[Candidate]:
    """Every herd-style candidate execution of ``test``."""
    init = _initial_values(test)
    for traces in product(*all_traces(test, table, init)):
        yield from combine(list(traces), init)


def combine(traces: list[Trace], init: dict[str, Any]) -> Iterator[Candidate]:
    """Every candidate built from one trace per thread (rf and co choices)."""
    locs = sorted(init)
    events: list[TEv] = [TEv("W", loc, init[loc], ()) for loc in locs]
    thread: list[int | None] = [None] * len(locs)
    offsets = []
    for cpu, tr in enumerate(traces):
        offsets.append(len(events))
        events.extend(tr.events)
        thread.extend([cpu] * len(tr.events))
    writes = [i for i, e in enumerate(events) if e.kind == "W" and not e.lone]
    reads = [i for i, e in enumerate(events) if e.kind == "R"]
    lone = [i for i, e in enumerate(events) if e.lone]
    sources = [[w for w in writes + (lone if events[r].cls == "RU" else [])
                if events[w].loc == events[r].loc and events[w].value == events[r].value]
               for r in reads]  # (a lone unlock: read by spin_is_locked() alone)
    if any(not s for s in sources):
        return
    base = _base(events, thread, offsets, traces, len(locs))
    orders = [list(permutations([w for w in writes if events[w].loc == loc and w >= len(locs)]))
              for loc in locs]
    for co_choice in product(*orders):
        if not all(_unlock_follows_lock(events, thread, order) for order in co_choice):
            continue
        co_pairs, last = [], {}
        for k, loc in enumerate(locs):
            order = [k] + list(co_choice[k])
            co_pairs += [(order[a], order[b]) for a in range(len(order))
                         for b in range(a + 1, len(order))]
            last[loc] = events[order[-1]].value
        co = Rel.from_pairs(len(events), co_pairs)
        for rf_choice in product(*sources):
            if not _lock_reads_ok(events, reads, rf_choice, co):
                continue
            rf = Rel.from_pairs(len(events), list(zip(rf_choice, reads, strict=True)))
            exe = dict(base, co=co, rf=rf)
            regs = {(cpu, name): v for cpu, tr in enumerate(traces) for name, v in tr.regs.items()}
            yield Candidate(exe, regs, last)


def _unlock_follows_lock(events: list[TEv], thread: list[int | None],
                         order: tuple[int, ...]) -> bool:
    """lock.cat places each UL right after its own LKW in co; other orders of a
    lock's writes are not candidates."""
    for k, w in enumerate(order):
        if events[w].cls == "UL" and (k == 0 or events[order[k - 1]].cls != "LKW"
                                      or thread[order[k - 1]] != thread[w]):
            return False
    return True


def _lock_reads_ok(events: list[TEv], reads: list[int], rf_choice: tuple[int, ...],
                   co: Rel) -> bool:
    """A spin_lock's read reads the write just before its own LKW in co (herd
    computes this rf; other choices are not candidates)."""
    for r, w in zip(reads, rf_choice, strict=True):
        if events[r].cls == "LKR":
            before = [x for x in range(len(events)) if co.has(x, r + 1)]
            if [x for x in before if not any(co.has(x, y) for y in before)] != [w]:
                return False
    return True


def _base(events: list[TEv], thread: list[int | None], offsets: list[int],
          traces: list[Trace], ninit: int) -> dict[str, Any]:
    n = len(events)

    def mask(pred: Any) -> int:
        return sum(1 << i for i, e in enumerate(events) if pred(e))

    po = [(a, b) for a in range(n) for b in range(a + 1, n)
          if thread[a] is not None and thread[a] == thread[b]]
    deps: dict[str, list[tuple[int, int]]] = {"addr": [], "data": [], "ctrl": []}
    for off, tr in zip(offsets, traces, strict=True):
        for i, e in enumerate(tr.events):
            for kind in deps:
                deps[kind] += [(off + j, off + i) for j in getattr(e, kind)]
    tags: dict[str, int] = {}
    for i, e in enumerate(events):
        for t in e.tags:
            tags[t] = tags.get(t, 0) | 1 << i
    out: dict[str, Any] = {
        "n": n, "po": Rel.from_pairs(n, po), "tags": tags,
        "R": mask(lambda e: e.kind == "R" and e.cls is None),
        "W": mask(lambda e: e.kind == "W" and e.cls is None),
        "F": mask(lambda e: e.kind == "F"),
        "IW": (1 << ninit) - 1,
        "location": [e.loc for e in events], "thread": thread,
        "values": [e.value for e in events],
    }
    for cls in ("LKR", "LKW", "UL", "RL", "RU"):
        out[cls] = mask(lambda e, c=cls: e.cls == c)
    for kind, pairs in deps.items():
        out[kind] = Rel.from_pairs(n, pairs)
    rmw = [(i - 1, i) for i, e in enumerate(events) if e.rmw]
    out["rmw"] = Rel.from_pairs(n, rmw)
    out["RMW"] = sum(1 << i | 1 << j for i, j in rmw)
    out["MFENCE"] = mask(lambda e: e.kind == "F" and "MFENCE" in e.tags)
    return out


# -- verdicts ---------------------------------------------------------------------------


def holds(prop: L.Prop, c: Candidate) -> bool:
    """Whether the final state of a candidate satisfies a litmus proposition."""
    if isinstance(prop, L.PTrue):
        return True
    if isinstance(prop, L.PFalse):
        return False
    if isinstance(prop, L.PNot):
        return not holds(prop.prop, c)
    if isinstance(prop, L.PAnd):
        return all(holds(p, c) for p in prop.items)
    if isinstance(prop, L.POr):
        return any(holds(p, c) for p in prop.items)
    if isinstance(prop, L.PImplies):
        return not holds(prop.left, c) or holds(prop.right, c)
    assert isinstance(prop, L.PEq)
    return _final(prop.loc, c) == _value(prop.value, c)


def _final(loc: L.LocRef, c: Candidate) -> Any:
    if loc.thread is None:
        return c.memory[loc.name]
    return c.regs[(loc.thread, loc.name)]


def _value(v: L.Num | L.Name | L.LocRef, c: Candidate) -> Any:
    if isinstance(v, L.Num):
        return v.value
    if isinstance(v, L.Name):
        return Addr(v.id)
    return _final(v, c)


@dataclass
class Outcome:
    verdict: str  # Never, Sometimes, Always
    positive: int
    negative: int
    flags: set[str]


def judge(test: L.CTest, table: dict[str, D.MacroDef], model: CatModel) -> Outcome:
    """herd's verdict for ``exists``/``forall`` tests: over consistent candidates."""
    return judge_candidates(candidates(test, table), test.condition, model)


def judge_candidates(cands: Iterator[Candidate], condition: L.Condition,
                     model: CatModel) -> Outcome:
    """The verdict of ``condition`` over the candidates ``model`` accepts."""
    pos = neg = 0
    flags: set[str] = set()
    for cand in cands:
        exe = cand.execution
        result = model.check(exe, resolver=pin_to_execution(exe))
        if not result.consistent:
            continue
        flags.update(result.flags)
        if holds(condition.prop, cand):
            pos += 1
        else:
            neg += 1
    if condition.quantifier == "forall":
        verdict = "Always" if neg == 0 and pos else "Never" if pos == 0 else "Sometimes"
    else:
        verdict = "Never" if pos == 0 else "Always" if neg == 0 else "Sometimes"
    return Outcome(verdict, pos, neg, flags)
