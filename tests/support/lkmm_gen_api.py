"""More of the kernel API for :mod:`tests.support.lkmm_gen`'s corpora, from a seed.

:class:`ApiCpu` extends lkmm_gen's :class:`~tests.support.lkmm_gen.Cpu` with what
its statements never draw, the shapes behind this project's false Nevers:

* RMWs whose operands depend on an earlier read: ``xchg(x, r0)``, a cmpxchg's
  old and new values (``cmpxchg_acquire(x, r0 - 1, r0 + 1)``), the atomic_fetch_*,
  *_return, *_and_test, add_negative and add_unless operands, each with its
  ordering suffixes;
* address dependencies through arithmetic (``READ_ONCE(*(y + r0 - r0))``), data
  dependencies from two reads and through a local register, control dependencies
  on one line, nested, with ``else if``, on a read or an RMW in the condition;
* xchg() and cmpxchg() of a pointer, and accesses through what they return;
* one location read twice, a fence between now and then;
* initial values other than 0, and conditions mixing ``/\\``, ``\\/`` and ``~``
  (on the pointer's final value too)
  under ``exists``, ``~exists`` and ``forall``.

``generate(seed, i)`` is test ``A<seed>-<i>`` (recorded with herd7 by
``bench/lkmm_gen_record.py --api``); the same text every time.  herd7 reads no
``&&``, ``||``, ``!`` or array access in C code, and knows no
atomic_inc_not_zero(), so none is drawn.
"""

from __future__ import annotations

import random

from tests.support.lkmm_gen import (
    ANY,
    FENCES,
    ORDERS,
    RETURNING,
    Cpu,
    Shared,
    Weights,
    atoms,
    compose,
)

THEMES = ("atomics", "deps", "mixed")
NEW: Weights = (("rmw_reg", 1), ("deps", 1), ("reread", 1), ("ptr_rmw", 1))
STEPS: dict[str, Weights] = {
    "atomics": (("marked", 3), ("rmw", 1), ("rmw_reg", 5), ("reread", 1), ("fence", 1),
                ("ptr_rmw", 1)),
    "deps": (("marked", 3), ("dependency", 1), ("deps", 5), ("reread", 1), ("rmw_reg", 1),
             ("ptr_rmw", 1)),
    "mixed": (("marked", 3), ("rmw_reg", 2), ("deps", 2), ("reread", 1), ("spinlock", 1),
              ("rcu", 1), ("fence", 1), ("ptr_rmw", 1)),
}
LOADS = ("READ_ONCE", "smp_load_acquire", "atomic_read", "atomic_read_acquire")


class ApiCpu(Cpu):
    """A CPU that also draws register-dependent RMWs, more dependency shapes and
    repeated reads."""

    STEPS = STEPS
    ANY = ANY + NEW

    def source(self) -> str:
        """A register holding an earlier read's value (a READ_ONCE first if none does)."""
        if not self.int_reads():
            v = self.var()
            self.events += 1
            self.emit(f"{self.reg(read=v)} = READ_ONCE(*{v});")
        return self.rng.choice(self.int_reads())

    def operand(self, r: str) -> str:
        return self.rng.choice((r, r, f"{r} + 1", f"{r} - 1", f"({r} & 0) + 1"))

    def load(self, v: str) -> str:
        fn = self.rng.choice(LOADS)
        return f"{fn}({'*' + v if fn == 'READ_ONCE' else v})"

    # -- statements ------------------------------------------------------------
    def rmw_reg(self) -> None:
        """An RMW with an operand computed from an earlier read."""
        rng, r = self.rng, self.source()
        v, order = self.var(), rng.choice(ORDERS)
        self.events += 2
        if rng.random() < 0.2:
            self.emit(rng.choice(("smp_mb__before_atomic();", "smp_mb();")))
        self.store(v, "?")
        kind = rng.choice(("xchg", "cmpxchg", "cmpxchg", "fetch", "unless", "test", "void"))
        if kind == "xchg":
            fn = rng.choice(("xchg", "atomic_xchg")) + order
            self.emit(f"{self.reg(read=v)} = {fn}({v}, {self.operand(r)});")
        elif kind == "cmpxchg":
            fn = rng.choice(("cmpxchg", "atomic_cmpxchg")) + order
            old, new = rng.choice(((self.operand(r), self.value()), (rng.choice("01"), r),
                                   (self.operand(r), self.operand(r))))
            self.emit(f"{self.reg(read=v)} = {fn}({v}, {old}, {new});")
        elif kind == "fetch":
            fn = rng.choice(RETURNING) + order
            self.emit(f"{self.reg(read='?')} = {fn}({self.operand(r)}, {v});")
        elif kind == "unless":
            a, u = rng.choice(((self.operand(r), rng.choice("012")), ("1", r)))
            self.emit(f"{self.reg(read='?')} = atomic_add_unless({v}, {a}, {u});")
        elif kind == "test":
            self.emit(f"{self.reg(read='?')} = atomic_sub_and_test({self.operand(r)}, {v});")
        else:
            fn = rng.choice(("atomic_add", "atomic_sub", "atomic_or", "atomic_andnot"))
            self.emit(f"{fn}({self.operand(r)}, {v});")
        if rng.random() < 0.2:
            self.emit("smp_mb__after_atomic();")

    def reread(self) -> None:
        """One location read twice, a fence between now and then."""
        v = self.var()
        self.events += 2
        self.emit(f"{self.reg(read=v)} = {self.load(v)};")
        if self.rng.random() < 0.3:
            self.emit(f"{self.rng.choice(FENCES[:3])}();")
        self.emit(f"{self.reg(read=v)} = {self.load(v)};")

    def deps(self) -> None:
        """A dependency shape lkmm_gen's :meth:`Cpu.dependency` does not draw."""
        kind = self.rng.choice(("index", "index", "two", "local", "oneline", "elseif",
                                "nested", "inline", "rmw-ctrl"))
        getattr(self, "dep_" + kind.replace("-", "_"))()

    def dep_index(self) -> None:
        """An address dependency through arithmetic that yields 0."""
        r, t = self.source(), self.var()
        self.events += 1
        at = self.rng.choice((f"{t} + {r} - {r}", f"{t} + ({r} & 0)"))
        if self.rng.random() < 0.6:
            self.emit(f"{self.reg(read=t)} = READ_ONCE(*({at}));")
        else:
            k = self.value()
            self.store(t, k)
            self.emit(f"WRITE_ONCE(*({at}), {k});")

    def dep_two(self) -> None:
        """A store of a value computed from two reads."""
        a = self.source()
        v = self.var()
        self.events += 2
        b = self.reg(read=v)
        self.emit(f"{b} = {self.load(v)};")
        t = self.var()
        self.store(t, "?")
        self.emit(f"WRITE_ONCE(*{t}, {self.rng.choice((f'{a} + {b}', f'{a} - {b} + 1'))});")

    def dep_local(self) -> None:
        """A data dependency carried through a register the CPU computes."""
        r, t = self.source(), self.var()
        self.events += 1
        mid = self.reg()
        self.emit(f"{mid} = {self.rng.choice((f'{r} * 2 - {r}', f'{r} + 1', f'{r} ^ 1'))};")
        self.store(t, "?")
        fn = self.rng.choice(("WRITE_ONCE", "smp_store_release"))
        self.emit(f"{fn}({'*' + t if fn == 'WRITE_ONCE' else t}, {mid});")

    def test_of(self, r: str) -> str:
        k = self.rng.choice(("0", "1", "2", self.shared.first(self.reads.get(r, "x"))))
        return f"{r} {self.rng.choice(('==', '!='))} {k}"

    def guarded(self, test: str) -> None:
        """``if (test)`` and one statement, without braces where it is one line."""
        self.emit(f"if ({test})")
        at = len(self.lines)
        self.block(self.simple, 1)
        if len(self.lines) > at + 1:
            self.lines[at - 1] += " {"
            self.emit("}")

    def dep_oneline(self) -> None:
        """A control dependency on one statement, without braces."""
        self.guarded(self.test_of(self.source()))

    def dep_elseif(self) -> None:
        r = self.source()
        self.emit(f"if ({self.test_of(r)}) {{")
        self.block(self.simple, 1)
        self.emit(f"}} else if ({self.test_of(r)}) {{")
        self.block(self.simple, 1)
        self.emit("}")

    def dep_nested(self) -> None:
        r = self.source()
        self.emit(f"if ({self.test_of(r)}) {{")
        self.depth += 1
        if len(self.int_reads()) < 2 and self.rng.random() < 0.5:
            self.events += 1
            v = self.var()
            self.emit(f"{self.reg(read=v)} = {self.load(v)};")
        self.guarded(self.test_of(self.source()))
        self.depth -= 1
        self.emit("}")

    def dep_inline(self) -> None:
        """A control dependency on a read in the condition itself."""
        v = self.var()
        self.events += 1
        self.guarded(f"{self.load(v)} {self.rng.choice(('==', '!='))} {self.value()}")

    def dep_rmw_ctrl(self) -> None:
        """A control dependency on an RMW's result in the condition."""
        rng, v = self.rng, self.var()
        self.events += 2
        self.store(v, "?")
        test = rng.choice((f"atomic_dec_and_test({v})", f"atomic_inc_and_test({v})",
                           f"cmpxchg{rng.choice(ORDERS)}({v}, {rng.choice('01')}, 2) == 0",
                           f"xchg{rng.choice(ORDERS)}({v}, 1) != 1",
                           f"atomic_add_unless({v}, 1, {rng.choice('12')})"))
        self.emit(f"if ({test}) {{")
        self.block(self.simple, rng.randint(1, 2))
        self.emit("}")

    def ptr_rmw(self) -> None:
        """xchg() or cmpxchg() of the pointer ``p``, then an access through what it
        returned (an address dependency on an RMW)."""
        self.shared.pointer = True
        rng, order = self.rng, self.rng.choice(ORDERS)
        new = self.var()
        got = self.reg("ptr", read="p")
        self.events += 2
        if rng.random() < 0.5:
            self.emit(f"{got} = xchg{order}(p, {new});")
        else:
            self.emit(f"{got} = cmpxchg{order}(p, {self.var()}, {new});")
        if rng.random() < 0.7:
            self.events += 1
            if rng.random() < 0.6:
                self.emit(f"{self.reg(read='*p')} = READ_ONCE(*{got});")
            else:
                k = self.value()
                for v in ("x", "y", "z")[:self.shared.nvars]:
                    self.store(v, k)
                self.emit(f"WRITE_ONCE(*{got}, {k});")

    # -- the test around the CPUs ----------------------------------------------
    @staticmethod
    def prepare(shared: Shared, rng: random.Random) -> None:
        """Initial values other than 0 for some variables."""
        for v in ("x", "y", "z")[:shared.nvars]:
            if rng.random() < 0.35:
                shared.initial[v] = rng.choice(("1", "1", "2", "3"))

    @staticmethod
    def condition(rng: random.Random, cpus: list[Cpu], shared: Shared) -> str:
        """Atoms, some negated, joined by a mix of ``/\\`` and ``\\/``, some bracketed."""
        drawn = atoms(rng, cpus, shared)
        if shared.pointer and rng.random() < 0.4:
            drawn.append(f"p={rng.choice(('x', 'y', 'z')[:shared.nvars])}")
        chosen = [f"~{a}" if rng.random() < 0.15 else a
                  for a in rng.sample(drawn, min(len(drawn), rng.randint(1, 4)))]
        prop = chosen[0]
        for atom in chosen[1:]:
            glue = rng.choice((" /\\ ", " \\/ "))
            prop = f"({prop}){glue}{atom}" if rng.random() < 0.5 else f"{prop}{glue}{atom}"
        quant = rng.choices(("exists", "~exists", "forall"), weights=(6, 2, 2))[0]
        return f"{quant} ({prop})"


def generate(seed: int, index: int) -> str:
    """The text of test ``index`` of the API corpus of ``seed`` (``A<seed>-<index>``)."""
    rng = random.Random(f"lkmm-gen-api:{seed}:{index}")
    return compose(rng, f"A{seed}-{index:03d}", THEMES[index % len(THEMES)], ApiCpu)
