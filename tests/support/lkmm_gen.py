"""Random C litmus tests over the whole of linux-kernel.def, from a seed.

Where :mod:`tests.support.litmus_gen` draws small programs for hypothesis, this
module writes a fixed corpus (tests/data/lkmm-gen, recorded with herd7 by
bench/lkmm_gen_record.py) that reaches what the LKMM distinguishes:

* marked accesses (READ_ONCE, WRITE_ONCE, acquire / release, atomic_read /
  atomic_set, smp_store_mb) and plain ones (``*x = 1``, ``r = *x``);
* address dependencies (through a pointer ``p`` read with READ_ONCE or
  rcu_dereference), data dependencies (a read's register written, also through
  a plain store and load on the same CPU) and control dependencies (``if``);
* every fence: smp_mb, smp_rmb, smp_wmb, smp_mb__before_atomic,
  smp_mb__after_atomic, smp_mb__after_spinlock, smp_mb__after_unlock_lock,
  smp_mb__after_srcu_read_unlock, barrier;
* xchg and cmpxchg (failing ones too: the expected value is not always
  there) and the atomic_* RMWs, each with its orderings;
* spinlocks: spin_lock / spin_unlock, spin_trylock, spin_is_locked, an
  unmatched spin_unlock now and then, a condition on the lock's final value;
* RCU: read-side sections (nested, and unmatched rcu_read_lock or
  rcu_read_unlock now and then), synchronize_rcu(_expedited),
  rcu_dereference / rcu_assign_pointer;
* SRCU: srcu_read_lock / srcu_read_unlock (nested, overlapping, unmatched,
  unlocked twice or with another value), srcu_down_read / srcu_up_read,
  synchronize_srcu(_expedited) (also inside an RCU section), with one or two
  srcu_structs.

Each test has a theme that weights the statements it draws; the condition
asks about registers and memory, with values the test can produce, under
``exists`` mostly and ``~exists`` or ``forall`` sometimes.  ``generate(seed,
i)`` is the i-th test of the corpus of ``seed``: the same text every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

VARS = ("x", "y", "z")
ORDERS = ("", "_relaxed", "_acquire", "_release")
FENCES = ("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic",
          "smp_mb__after_spinlock", "smp_mb__after_unlock_lock",
          "smp_mb__after_srcu_read_unlock", "barrier")
NORETURN = ("atomic_add", "atomic_sub", "atomic_and", "atomic_or", "atomic_xor",
            "atomic_andnot")
RETURNING = ("atomic_add_return", "atomic_sub_return", "atomic_fetch_add", "atomic_fetch_sub",
             "atomic_fetch_and", "atomic_fetch_or", "atomic_fetch_xor", "atomic_fetch_andnot",
             "atomic_add_negative")
COUNTING = ("atomic_inc_return", "atomic_dec_return", "atomic_fetch_inc", "atomic_fetch_dec")
THEMES = ("base", "rmw", "lock", "rcu", "srcu", "plain")


@dataclass
class Shared:
    """What the test's CPUs share: variables, and whether there is a pointer ``p``,
    a spinlock ``l``, srcu_structs ``s`` (and ``s2``)."""

    nvars: int
    pointer: bool = False
    lock: bool = False
    srcu: int = 0
    written: dict[str, set[str]] = field(default_factory=dict)  # var -> values stored
    initial: dict[str, str] = field(default_factory=dict)  # var -> its value if not 0

    def params(self) -> str:
        out = [f"int *{v}" for v in VARS[:self.nvars]]
        if self.pointer:
            out.append("int **p")
        if self.lock:
            out.append("spinlock_t *l")
        out += [f"struct srcu_struct *{s}" for s in ("s", "s2")[:self.srcu]]
        return ", ".join(out)

    def wrote(self, var: str, value: str) -> None:
        self.written.setdefault(var, set()).add(value)

    def first(self, var: str) -> str:
        """The value ``var`` starts with."""
        return self.initial.get(var, "0")

    def init(self) -> str:
        """The test's initial state, one line a location."""
        lines = ["p=x;"] if self.pointer else []
        lines += [f"{v}={k};" for v, k in self.initial.items()]
        return "".join(f"{line}\n" for line in lines)


Weights = tuple[tuple[str, int], ...]  # statement kinds (Cpu methods) and their weights


class Cpu:
    """One thread being written: its registers (with what each may hold) and lines.

    ``STEPS`` (by theme) and ``ANY`` weigh the statements a test draws; a subclass
    with more statements brings its own, and its own :meth:`prepare` and
    :meth:`condition`."""

    STEPS: ClassVar[dict[str, Weights]]
    ANY: ClassVar[Weights]

    def __init__(self, index: int, shared: Shared, rng: random.Random) -> None:
        self.index = index
        self.shared = shared
        self.rng = rng
        self.regs: dict[str, str] = {}  # name -> "int" or "ptr"
        self.reads: dict[str, str] = {}  # register -> the variable it read ("?" for RMW)
        self.lines: list[str] = []
        self.depth = 1
        self.events = 0  # memory accesses so far (a budget keeps herd7 fast)

    # -- helpers ---------------------------------------------------------------
    def reg(self, kind: str = "int", read: str | None = None) -> str:
        name = f"r{len(self.regs)}"
        self.regs[name] = kind
        if read is not None:
            self.reads[name] = read
        return name

    def emit(self, line: str) -> None:
        self.lines.append("\t" * self.depth + line)

    def var(self) -> str:
        return self.rng.choice(VARS[:self.shared.nvars])

    def value(self) -> str:
        return self.rng.choice(("1", "1", "2"))

    def int_reads(self) -> list[str]:
        return [r for r in self.reads if self.regs[r] == "int"]

    def store(self, var: str, value: str) -> None:
        self.shared.wrote(var, value)

    # -- statements ------------------------------------------------------------
    def marked(self) -> None:
        """A marked load or store."""
        rng, v = self.rng, self.var()
        self.events += 1
        if rng.random() < 0.5:
            fn = rng.choice(("READ_ONCE", "READ_ONCE", "smp_load_acquire", "atomic_read",
                             "atomic_read_acquire"))
            arg = f"*{v}" if fn == "READ_ONCE" else v
            self.emit(f"{self.reg(read=v)} = {fn}({arg});")
            return
        k = self.value()
        self.store(v, k)
        fn = rng.choice(("WRITE_ONCE", "WRITE_ONCE", "smp_store_release", "atomic_set",
                         "atomic_set_release", "smp_store_mb"))
        arg = f"*{v}" if fn in ("WRITE_ONCE", "smp_store_mb") else v
        self.emit(f"{fn}({arg}, {k});")

    def plain(self) -> None:
        v = self.var()
        self.events += 1
        if self.rng.random() < 0.5:
            self.emit(f"{self.reg(read=v)} = *{v};")
        else:
            k = self.value()
            self.store(v, k)
            self.emit(f"*{v} = {k};")

    def fence(self) -> None:
        self.emit(f"{self.rng.choice(FENCES)}();")

    def rmw(self) -> None:
        rng, v = self.rng, self.var()
        self.events += 2
        if rng.random() < 0.2:
            self.emit("smp_mb__before_atomic();")
        self._rmw(v)
        if rng.random() < 0.2:
            self.emit("smp_mb__after_atomic();")

    def _rmw(self, v: str) -> None:
        rng = self.rng
        kind = rng.choice(("xchg", "cmpxchg", "noreturn", "returning", "counting", "test"))
        order = rng.choice(ORDERS)
        if kind == "xchg":
            fn = rng.choice(("xchg", "atomic_xchg")) + order
            k = self.value()
            self.store(v, k)
            self.emit(f"{self.reg(read=v)} = {fn}({v}, {k});")
        elif kind == "cmpxchg":
            fn = rng.choice(("cmpxchg", "atomic_cmpxchg")) + order
            old, new = rng.choice("0011"), self.value()
            self.store(v, new)
            self.emit(f"{self.reg(read=v)} = {fn}({v}, {old}, {new});")
        elif kind == "noreturn":
            fn = rng.choice((*NORETURN, "atomic_inc", "atomic_dec"))
            self.store(v, "?")
            args = v if fn in ("atomic_inc", "atomic_dec") else f"1, {v}"
            self.emit(f"{fn}({args});")
        elif kind == "returning":
            fn = rng.choice(RETURNING) + order
            self.store(v, "?")
            self.emit(f"{self.reg(read='?')} = {fn}(1, {v});")
        elif kind == "counting":
            self.store(v, "?")
            self.emit(f"{self.reg(read='?')} = {rng.choice(COUNTING) + order}({v});")
        else:
            fn = rng.choice(("atomic_inc_and_test", "atomic_dec_and_test", "sub", "unless"))
            self.store(v, "?")
            call = {"sub": f"atomic_sub_and_test(1, {v})",
                    "unless": f"atomic_add_unless({v}, 1, {rng.choice('01')})"}.get(
                fn, f"{fn}({v})")
            self.emit(f"{self.reg(read='?')} = {call};")

    def dependency(self) -> None:
        """A data, address or control dependency on an earlier read (a read first if
        there is none)."""
        rng = self.rng
        kind = rng.choice(("data", "data", "addr", "ctrl", "ctrl", "plain-carried"))
        if kind == "addr":
            self.address()
            return
        sources = self.int_reads()
        if not sources:
            v = self.var()
            self.events += 1
            self.emit(f"{self.reg(read=v)} = READ_ONCE(*{v});")
            sources = self.int_reads()
        r, v = rng.choice(sources), self.var()
        if kind == "ctrl":
            self.control(r)
            return
        self.events += 1
        if kind == "plain-carried":  # dep+plain's shape: through a plain store and load
            mid = rng.choice(VARS[:self.shared.nvars])
            self.store(mid, "?")
            self.emit(f"*{mid} = {r};")
            r = self.reg(read=mid)
            self.emit(f"{r} = *{mid};")
            self.events += 2
        value = rng.choice((r, r, f"{r} + 1", f"({r} & 0) + 1"))
        self.store(v, "?")
        fn = rng.choice(("WRITE_ONCE", "WRITE_ONCE", "smp_store_release"))
        self.emit(f"{fn}({'*' + v if fn == 'WRITE_ONCE' else v}, {value});")

    def address(self) -> None:
        """Read ``p`` (a pointer to x or y), then access what it points to."""
        self.shared.pointer = True
        rng = self.rng
        fn = rng.choice(("READ_ONCE", "rcu_dereference"))
        ptr = self.reg("ptr", read="p")
        self.emit(f"{ptr} = {fn}(*p);")
        self.events += 2
        if rng.random() < 0.6:
            self.emit(f"{self.reg(read='*p')} = READ_ONCE(*{ptr});")
        else:
            k = self.value()
            for v in VARS[:2]:
                self.store(v, k)
            self.emit(f"WRITE_ONCE(*{ptr}, {k});")

    def publish(self) -> None:
        """Point ``p`` at another variable."""
        self.shared.pointer = True
        self.events += 1
        target = self.rng.choice(VARS[1:self.shared.nvars])
        fn = self.rng.choice(("rcu_assign_pointer", "WRITE_ONCE", "smp_store_release"))
        self.emit(f"{fn}({'p' if fn == 'smp_store_release' else '*p'}, {target});")

    def control(self, r: str) -> None:
        cond = self.rng.choice((r, f"{r} == 1", f"{r} != 0", f"{r} == 0"))
        self.emit(f"if ({cond}) {{")
        self.block(self.simple, 1)
        if self.rng.random() < 0.3:
            self.emit("} else {")
            self.block(self.simple, 1)
        self.emit("}")

    def block(self, draw: Callable[[], None], n: int) -> None:
        self.depth += 1
        for _ in range(n):
            draw()
        self.depth -= 1

    def simple(self) -> None:
        """One statement that opens no section."""
        self.rng.choice((self.marked, self.marked, self.marked, self.plain, self.fence,
                         self.rmw))()

    # -- sections --------------------------------------------------------------
    def spinlock(self) -> None:
        self.shared.lock = True
        rng = self.rng
        shape = rng.choice(("lock", "lock", "trylock", "is_locked", "unmatched"))
        self.events += 2
        if shape == "lock":
            self.emit("spin_lock(l);")
            if rng.random() < 0.3:
                self.emit(rng.choice(("smp_mb__after_spinlock();",
                                      "smp_mb__after_unlock_lock();")))
            self.block(self.simple, rng.randint(1, 2))
            self.emit("spin_unlock(l);")
        elif shape == "trylock":
            if rng.random() < 0.5:
                self.emit("if (spin_trylock(l)) {")
                self.block(self.simple, 1)
                self.block(lambda: self.emit("spin_unlock(l);"), 1)
                self.emit("}")
            else:
                r = self.reg()
                self.emit(f"{r} = spin_trylock(l);")
                self.emit(f"if ({r})")
                self.block(lambda: self.emit("spin_unlock(l);"), 1)
        elif shape == "is_locked":
            self.emit(f"{self.reg()} = spin_is_locked(l);")
        else:
            self.emit("spin_unlock(l);")

    def rcu(self) -> None:
        rng = self.rng
        shape = rng.choice(("section", "section", "nested", "sync", "deref", "publish",
                            "unmatched-lock", "unmatched-unlock", "sleep"))
        if shape == "sleep":  # synchronize_srcu() in an RCU section: invalid-sleep
            self.shared.srcu = max(self.shared.srcu, 1)
            self.emit("rcu_read_lock();")
            self.block(self.simple, 1)
            self.block(lambda: self.emit("synchronize_srcu(s);"), 1)
            self.emit("rcu_read_unlock();")
        elif shape in ("section", "nested"):
            self.emit("rcu_read_lock();")
            if shape == "nested":
                self.block(self.simple, rng.randint(0, 1))
                self.emit("rcu_read_lock();")
            body = rng.choice((self.simple, self.simple, self.address))
            self.block(body, rng.randint(1, 2))
            self.emit("rcu_read_unlock();")
            if shape == "nested":
                self.block(self.simple, rng.randint(0, 1))
                self.emit("rcu_read_unlock();")
        elif shape == "sync":
            self.emit(rng.choice(("synchronize_rcu();", "synchronize_rcu();",
                                  "synchronize_rcu_expedited();")))
        elif shape == "deref":
            self.address()
        elif shape == "publish":
            self.publish()
        else:
            self.emit("rcu_read_lock();" if shape == "unmatched-lock" else "rcu_read_unlock();")

    def srcu(self) -> None:
        rng = self.rng
        self.shared.srcu = max(self.shared.srcu, 1)
        ss = "s2" if self.shared.srcu == 2 and rng.random() < 0.4 else "s"
        shape = rng.choice(("section", "section", "nested", "overlap", "down-up", "sync",
                            "sync", "unmatched-lock", "unmatched-unlock", "twice"))
        if shape == "twice":  # two unlocks of one lock's value, the second maybe another
            r = self.reg(read=ss)
            self.emit(f"{r} = srcu_read_lock({ss});")
            self.block(self.simple, 1)
            self.emit(f"srcu_read_unlock({ss}, {r});")
            self.emit(f"srcu_read_unlock({ss}, {rng.choice((r, r + ' + 1'))});")
            self.events += 4
        elif shape in ("section", "nested", "overlap", "down-up"):
            lock, unlock = (("srcu_down_read", "srcu_up_read") if shape == "down-up"
                            else ("srcu_read_lock", "srcu_read_unlock"))
            outer = self.reg(read=ss)
            self.emit(f"{outer} = {lock}({ss});")
            self.events += 3  # a read and a write of the srcu_struct: herd7 tries each co
            inner = None
            if shape in ("nested", "overlap"):
                self.block(self.simple, rng.randint(0, 1))
                inner = self.reg(read=ss)
                self.emit(f"{inner} = srcu_read_lock({ss});")
                self.events += 3
            self.block(self.simple, rng.randint(1, 2))
            first, second = (outer, inner) if shape == "overlap" else (inner, outer)
            if first is not None:
                self.emit(f"srcu_read_unlock({ss}, {first});")
                self.block(self.simple, rng.randint(0, 1))
            self.emit(f"{unlock}({ss}, {second});")
            if rng.random() < 0.25:
                self.emit("smp_mb__after_srcu_read_unlock();")
        elif shape == "sync":
            fn = rng.choice(("synchronize_srcu", "synchronize_srcu", "synchronize_srcu_expedited"))
            self.emit(f"{fn}({ss});")
        elif shape == "unmatched-lock":
            self.events += 1
            self.emit(f"{self.reg(read=ss)} = srcu_read_lock({ss});")
        else:
            self.events += 1
            self.emit(f"srcu_read_unlock({ss}, {rng.choice('01')});")

    @staticmethod
    def prepare(shared: Shared, rng: random.Random) -> None:
        """Draw what the test shares before its CPUs are written (nothing, here)."""

    @staticmethod
    def condition(rng: random.Random, cpus: list[Cpu], shared: Shared) -> str:
        return _condition(rng, cpus, shared)

    def text(self) -> str:
        decls = "".join(f"\t{'int *' if kind == 'ptr' else 'int '}{r};\n"
                        for r, kind in self.regs.items())
        body = "".join(f"{line}\n" for line in self.lines)
        return f"P{self.index}({self.shared.params()})\n{{\n{decls}{body}}}\n"


STEPS: dict[str, Weights] = {
    "base": (("marked", 5), ("fence", 3), ("dependency", 3), ("plain", 1), ("rmw", 1)),
    "rmw": (("marked", 3), ("rmw", 5), ("fence", 2), ("dependency", 1)),
    "lock": (("marked", 3), ("spinlock", 4), ("plain", 2), ("fence", 1), ("rmw", 1)),
    "rcu": (("marked", 3), ("rcu", 5), ("fence", 1), ("dependency", 1), ("plain", 1)),
    "srcu": (("marked", 3), ("srcu", 5), ("fence", 1), ("rcu", 1), ("plain", 1)),
    "plain": (("plain", 5), ("marked", 3), ("spinlock", 1), ("fence", 1), ("dependency", 2)),
}
ANY = (("marked", 1), ("plain", 1), ("fence", 1), ("rmw", 1), ("dependency", 1),
       ("spinlock", 1), ("rcu", 1), ("srcu", 1))
Cpu.STEPS, Cpu.ANY = STEPS, ANY


def _pick(rng: random.Random, weighted: Weights) -> str:
    names = [n for n, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


def atoms(rng: random.Random, cpus: list[Cpu], shared: Shared) -> list[str]:
    """Propositions over registers and variables, each with a value it can take."""
    out = []
    for cpu in cpus:
        for r, what in cpu.reads.items():
            if cpu.regs[r] == "ptr":
                values = list(VARS[:shared.nvars])
            else:
                values = [shared.first(what), *sorted(shared.written.get(what, {"1"}) - {"?"})] \
                    if what in shared.written or what in ("?", "*p") else [shared.first(what), "1"]
                if what in ("?", "*p"):
                    values = ["0", "1", "2"]
            out.append(f"{cpu.index}:{r}={rng.choice(values)}")
    for v, stored in shared.written.items():
        if rng.random() < 0.3:
            choices = sorted(stored - {"?"}) or ["1", "2"]
            out.append(f"{v}={rng.choice(choices + [shared.first(v)])}")
    if shared.lock and rng.random() < 0.1:
        out.append("l=0")  # a lock's final value: lock-final
    if not out:
        out = [f"{VARS[0]}={rng.choice('012')}"]
    return out


def _condition(rng: random.Random, cpus: list[Cpu], shared: Shared) -> str:
    """A quantified conjunction (now and then a disjunction) of some atoms."""
    drawn = atoms(rng, cpus, shared)
    chosen = rng.sample(drawn, min(len(drawn), rng.randint(1, 3)))
    glue = " \\/ " if rng.random() < 0.1 else " /\\ "
    prop = glue.join(chosen)
    quant = rng.choices(("exists", "~exists", "forall"), weights=(8, 1, 1))[0]
    return f"{quant} ({prop})"


def generate(seed: int, index: int) -> str:
    """The text of test ``index`` of the corpus of ``seed`` (named ``G<seed>-<index>``)."""
    rng = random.Random(f"lkmm-gen:{seed}:{index}")
    theme = THEMES[index % len(THEMES)]
    return compose(rng, f"G{seed}-{index:03d}", theme, Cpu)


def compose(rng: random.Random, name: str, theme: str, kind: type[Cpu]) -> str:
    """A test of ``theme`` whose CPUs are ``kind``'s, drawn from ``rng``."""
    ncpus = rng.choices((2, 3, 4), weights=(5, 4, 1))[0]
    budget = {2: 9, 3: 6, 4: 4}[ncpus]
    shared = Shared(nvars=2 if ncpus == 2 and rng.random() < 0.6 else 3)
    if theme == "srcu" and rng.random() < 0.25:
        shared.srcu = 2
    kind.prepare(shared, rng)
    cpus = [kind(i, shared, rng) for i in range(ncpus)]
    for cpu in cpus:
        steps = rng.randint(*{2: (2, 5), 3: (2, 3), 4: (1, 2)}[ncpus])
        for _ in range(steps):
            if cpu.events >= budget:
                break
            step = _pick(rng, kind.ANY if rng.random() < 0.15 else kind.STEPS[theme])
            getattr(cpu, step)()
    threads = "\n".join(cpu.text() for cpu in cpus)
    return (f"C {name}\n\n(* theme: {theme} *)\n\n{{\n{shared.init()}}}\n\n{threads}\n"
            f"{kind.condition(rng, cpus, shared)}\n")
