"""C litmus tests whose intended cycle goes through RMWs, from a seed.

Where :mod:`tests.support.lkmm_gen` draws statements freely, each test here is a
load-buffering ring: CPU ``i`` of 2 to 4 reads location ``A_i`` and then writes
``A_{i+1}`` (the last CPU writes ``A_0``), so that an execution where every read
takes the value its neighbour writes is a cycle of program order and reads-from,
which the LKMM allows only where nothing orders a read before its write (or a plain
access leaves happens-before open).  smpcheck reaches such executions by letting one
read speculate (smpcheck/explore/speculation.py); a ring whose reads are all
successful RMWs is the case that took longest to find.

* the read: an RMW mostly (xchg, cmpxchg succeeding or failing on the cycle's value,
  atomic_fetch_*, *_return, inc/dec, the no-return atomics, *_and_test,
  add_negative, add_unless; each ordering suffix it has), or READ_ONCE, a plain
  load, atomic_read; on a spinlock, spin_trylock() (failing on the cycle: it reads
  the neighbour's spin_lock()) or spin_is_locked();
* the ordering between: none, smp_mb(), smp_rmb(), smp_wmb(),
  smp_mb__after_atomic(), smp_mb__before_atomic(), acquire and release, a data,
  address or control dependency;
* the write: plain, WRITE_ONCE, smp_store_release, atomic_set(_release), or an RMW
  (its value from the location's initial 0); spin_lock(), alone or with its unlock.

Constants are chosen around the ring from a CPU whose written value depends on no
read (no ring of data dependencies alone: herd7 solves those symbolically), and
the condition asks for the values the cycle gives, each one only the cycle gives
(a register, or a no-return RMW's location at the end): under ``exists`` mostly,
``~exists`` or ``forall`` sometimes.  Now and then an unrelated location is written
and read, or a ring location gets a second writer.  ``generate(seed, i)`` is test
``R<seed>-<i>`` (recorded with herd7 by ``bench/rmw_cycles.py --record``); the same
text every time.  herd7's linux-kernel.def has no test_and_set_bit(), so none is
drawn.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

INTS = ("x", "y", "z", "w")
ORDERS = ("", "_relaxed", "_acquire", "_release")
OPS: dict[str, Callable[[int, int], int]] = {
    "add": lambda v, k: v + k, "sub": lambda v, k: v - k, "or": lambda v, k: v | k,
    "xor": lambda v, k: v ^ k, "and": lambda v, k: v & k, "andnot": lambda v, k: v & ~k}
ORDERINGS = (("none", 3), ("mb", 2), ("rmb", 1), ("wmb", 1), ("after", 2), ("before", 1),
             ("acquire", 2), ("release", 2), ("data", 2), ("addr", 1), ("ctrl", 2))


@dataclass
class Read:
    """CPU i's access to A_i: its text (``{r}`` the register it sets), the register's
    value on the cycle, the location's final value there (a no-return RMW's), and
    whether it is an RMW."""

    text: str
    value: int | None
    final: int | None = None
    rmw: bool = True


@dataclass
class Ring:
    """One test being drawn: its locations (spinlocks named ``l<i>``), values, lines."""

    rng: random.Random
    n: int
    locks: list[bool]
    cpus: list[list[str]] = field(default_factory=list)
    regs: list[int] = field(default_factory=list)
    atoms: list[str] = field(default_factory=list)
    extra: bool = False

    def loc(self, i: int) -> str:
        i %= self.n
        return f"l{i}" if self.locks[i] else INTS[i]

    def reg(self, cpu: int) -> str:
        self.regs[cpu] += 1
        return f"r{self.regs[cpu] - 1}"

    def params(self) -> str:
        out = [f"spinlock_t *{self.loc(i)}" if self.locks[i] else f"int *{self.loc(i)}"
               for i in range(self.n)]
        return ", ".join(out + (["int *u"] if self.extra else []))


def _order(rng: random.Random, orders: tuple[str, ...], acquire: bool) -> str:
    """An ordering suffix; acquiring ones when ``acquire``."""
    if acquire:
        return rng.choice(("", "_acquire"))
    return rng.choice(orders)


def int_read(rng: random.Random, x: str, v: int, acquire: bool, bare: bool) -> Read:
    """A read of int ``x`` that sees ``v`` on the cycle (one that sets no register only
    when ``bare``)."""
    kind = rng.choices(("once", "plain", "xchg", "cmpxchg", "fetch", "return", "count",
                        "noreturn", "test", "unless"), weights=(2, 1, 3, 3, 4, 2, 2, 2, 2, 1))[0]
    k = rng.randint(1, 3)
    o = _order(rng, ORDERS, acquire)
    atomic = "atomic_" if rng.random() < 0.5 else ""
    if kind == "once" or (kind == "plain" and acquire):
        fn = rng.choice(("smp_load_acquire({x})", "atomic_read_acquire({x})") if acquire
                        else ("READ_ONCE(*{x})", "atomic_read({x})"))
        return Read("{r} = " + fn.format(x=x) + ";", v, rmw=False)
    if kind == "plain":
        return Read(f"{{r}} = *{x};", v, rmw=False)
    if kind == "xchg":
        return Read(f"{{r}} = {atomic}xchg{o}({x}, {k + 4});", v, k + 4)
    if kind == "cmpxchg":
        old = v if rng.random() < 0.75 else v + 1
        return Read(f"{{r}} = {atomic}cmpxchg{o}({x}, {old}, {k + 4});", v,
                    k + 4 if old == v else None)
    op = rng.choice(tuple(OPS))
    if kind == "fetch":
        return Read(f"{{r}} = atomic_fetch_{op}{o}({k}, {x});", v, OPS[op](v, k))
    if kind == "return":
        op = rng.choice(("add", "sub"))
        return Read(f"{{r}} = atomic_{op}_return{o}({k}, {x});", OPS[op](v, k), OPS[op](v, k))
    if kind == "count":
        op, how = rng.choice(("inc", "dec")), rng.choice(("fetch", "return"))
        new = v + 1 if op == "inc" else v - 1
        fn = f"atomic_fetch_{op}{o}" if how == "fetch" else f"atomic_{op}_return{o}"
        return Read(f"{{r}} = {fn}({x});", v if how == "fetch" else new, new)
    if kind == "noreturn" and bare and not acquire:
        if rng.random() < 0.3:
            op = rng.choice(("inc", "dec"))
            return Read(f"atomic_{op}({x});", None, v + 1 if op == "inc" else v - 1)
        return Read(f"atomic_{op}({k}, {x});", None, OPS[op](v, k))
    return _boolean_read(rng, x, v, k, o, kind)


def _boolean_read(rng: random.Random, x: str, v: int, k: int, o: str, kind: str) -> Read:
    """An RMW of int ``x`` returning a truth value (seeing ``v`` on the cycle):
    *_and_test, add_negative, add_unless."""
    if kind != "unless":
        test = rng.choice(("sub", "dec", "inc", "negative"))
        if test == "sub":
            k = v if rng.random() < 0.7 else k
            return Read(f"{{r}} = atomic_sub_and_test({k}, {x});", int(v - k == 0), v - k)
        if test in ("dec", "inc"):
            new = v - 1 if test == "dec" else v + 1
            return Read(f"{{r}} = atomic_{test}_and_test({x});", int(new == 0), new)
        k = -v - 1 if rng.random() < 0.6 else k
        return Read(f"{{r}} = atomic_add_negative{o}({k}, {x});", int(v + k < 0), v + k)
    unless = rng.choice((0, v))
    return Read(f"{{r}} = atomic_add_unless({x}, {k}, {unless});", int(v != unless),
                v + k if v != unless else None)


def lock_read(rng: random.Random, lock: str) -> Read:
    """A read of spinlock ``lock`` that sees it held on the cycle."""
    if rng.random() < 0.7:
        return Read(f"{{r}} = spin_trylock({lock});\nif ({{r}})\n\tspin_unlock({lock});", 0)
    return Read(f"{{r}} = spin_is_locked({lock});", 1, rmw=False)


def int_write(rng: random.Random, y: str, release: bool, value: str | None
              ) -> tuple[list[str], int]:
    """The write of int ``y`` (of ``value``, a register expression, or a constant drawn
    here): its lines and, for a constant, the value it leaves (a register expression's
    value is the caller's)."""
    k = rng.randint(1, 3)
    if value is not None or rng.random() < 0.6:
        val = value if value is not None else str(k)
        fns = ("smp_store_release({y}, {v})", "atomic_set_release({y}, {v})") if release \
            else ("*{y} = {v}", "WRITE_ONCE(*{y}, {v})", "atomic_set({y}, {v})",
                  "xchg_relaxed({y}, {v})")
        fn = rng.choice(fns)
        line = fn.format(y=y, v=val) + ";"
        return ([("{w} = " if "xchg" in fn else "") + line], k)
    o = "_release" if release else rng.choice(ORDERS)
    kind = rng.choice(("xchg", "cmpxchg", "fetch", "inc", "add", "unless"))
    if kind == "xchg":
        return [f"{{w}} = xchg{o}({y}, {k});"], k
    if kind == "cmpxchg":
        return [f"{{w}} = cmpxchg{o}({y}, 0, {k});"], k
    if kind == "fetch":
        return [f"{{w}} = atomic_fetch_add{o}({k}, {y});"], k
    if kind == "inc" and not release:
        return [f"atomic_inc({y});"], 1
    if kind == "unless" and not release:
        return [f"{{w}} = atomic_add_unless({y}, {k}, 7);"], k
    op = rng.choice(("add", "or", "xor", "sub"))
    return [f"{{w}} = atomic_fetch_{op}{o}({k}, {y});"], OPS[op](0, k)


def _ordering(rng: random.Random, ring: Ring, i: int) -> str:
    """The ordering between CPU i's read and write: a dependency only into an int."""
    order = rng.choices([o for o, _ in ORDERINGS], weights=[w for _, w in ORDERINGS])[0]
    if order in ("data", "addr") and ring.locks[(i + 1) % ring.n]:
        return "ctrl"
    return order


def _cpu(ring: Ring, i: int, order: str, read: Read, write: list[str]) -> None:
    """CPU i's lines: the read, the ordering, the write (under a control dependency)."""
    r = ring.reg(i) if read.value is not None else ""
    lines = read.text.format(r=r).split("\n")
    if order in ("mb", "rmb", "wmb"):
        lines.append(f"smp_{order}();")
    elif order in ("after", "before"):
        lines.append(f"smp_mb__{order}_atomic();")
    body = [w.format(w=ring.reg(i)) if "{w}" in w else w for w in write]
    if order == "ctrl":
        lines.append(f"if ({r} == {read.value}) {{")
        lines += ["\t" + line for line in body] + ["}"]
    else:
        lines += body
    ring.cpus[i] = lines
    if read.value is not None:
        ring.atoms.append(f"{i}:{r}={read.value}")
    elif read.final is not None:
        ring.atoms.append(f"{ring.loc(i)}={read.final}")


def _write(rng: random.Random, ring: Ring, i: int, order: str, read: Read | None,
           r: str) -> tuple[list[str], int]:
    """CPU i's write of A_{i+1} and the value it leaves (a lock's: 0)."""
    y = ring.loc(i + 1)
    if ring.locks[(i + 1) % ring.n]:
        lines = [f"spin_lock({y});"] + ([f"spin_unlock({y});"] if rng.random() < 0.3 else [])
        return lines, 0
    if order == "addr":
        lines, value = int_write(rng, f"{y} + {r} - {r}", False, None)
        return [line.replace(f"*{y} + {r} - {r}", f"*({y} + {r} - {r})") for line in lines], \
            value
    if order == "data" and read is not None and read.value is not None:
        expr, value = (r, read.value) if read.value != 0 and rng.random() < 0.6 \
            else (f"{r} + 1", read.value + 1)
        return int_write(rng, y, False, expr)[0], value
    return int_write(rng, y, order == "release", None)


def _read(rng: random.Random, ring: Ring, i: int, order: str, v: int) -> Read:
    """CPU i's read of A_i, seeing ``v`` on the cycle (a register wherever the ordering
    depends on one)."""
    if ring.locks[i]:
        return lock_read(rng, ring.loc(i))
    return int_read(rng, ring.loc(i), v, order == "acquire", order not in ("data", "addr", "ctrl"))


def _extra(rng: random.Random, ring: Ring) -> str:
    """Now and then an unrelated location written and read, or a second writer of a ring
    int: lines at the start or end of some CPUs.  What was added, for the header."""
    ints = [i for i in range(ring.n) if not ring.locks[i]]
    what = rng.choice(("unrelated", "second")) if ints else "unrelated"
    if what == "unrelated":
        ring.extra = True
        one, two = rng.sample(range(ring.n), 2)
        _insert(rng, ring, one, "WRITE_ONCE(*u, 1);")
        _insert(rng, ring, two, f"{ring.reg(two)} = READ_ONCE(*u);")
    else:
        i = rng.choice(ints)
        j = rng.choice([c for c in range(ring.n) if c != (i - 1) % ring.n])
        _insert(rng, ring, j, f"WRITE_ONCE(*{ring.loc(i)}, 9);")
    return what


def _insert(rng: random.Random, ring: Ring, cpu: int, line: str) -> None:
    if rng.random() < 0.5:
        ring.cpus[cpu].insert(0, line)
    else:
        ring.cpus[cpu].append(line)


def generate(seed: int, index: int) -> str:
    """The text of test ``index`` of the corpus of ``seed`` (named ``R<seed>-<index>``)."""
    rng = random.Random(f"lkmm-gen-rmwcycle:{seed}:{index}")
    n = rng.choices((2, 3, 4), weights=(5, 4, 2))[0]
    ring = Ring(rng, n, [rng.random() < 0.12 for _ in range(n)], [[] for _ in range(n)],
                [0] * n)
    orders = [_ordering(rng, ring, i) for i in range(n)]
    start = next((i for i in range(n) if orders[i] != "data"), None)
    if start is None:
        start, orders[0] = 0, "ctrl"
    writes: dict[int, list[str]] = {}
    writes[start], value = _write(rng, ring, start, orders[start], None, "r0")
    reads: dict[int, Read] = {}
    for j in range(1, n + 1):
        i = (start + j) % n
        reads[i] = _read(rng, ring, i, orders[i], value)
        if i != start:
            writes[i], value = _write(rng, ring, i, orders[i], reads[i], "r0")
    for i in range(n):
        _cpu(ring, i, orders[i], reads[i], writes[i])
    extra = _extra(rng, ring) if rng.random() < 0.25 else ""
    kinds = " ".join("lock" if ring.locks[i] else "rmw" if reads[i].rmw else "read"
                     for i in range(n))
    header = f"ring of {n}: {kinds}; {' '.join(orders)}" + (f"; {extra}" if extra else "")
    quant = rng.choices(("exists", "~exists", "forall"), weights=(14, 3, 3))[0]
    glue = " \\/ " if quant == "forall" else " /\\ "
    atoms = [f"~{a}" for a in ring.atoms] if quant == "forall" else ring.atoms
    threads = "\n".join(_text(ring, i) for i in range(n))
    return (f"C R{seed}-{index:03d}\n\n(* {header} *)\n\n{{\n}}\n\n{threads}\n"
            f"{quant} ({glue.join(atoms)})\n")


def _text(ring: Ring, i: int) -> str:
    decls = "".join(f"\tint r{k};\n" for k in range(ring.regs[i]))
    body = "".join(f"\t{line}\n" for line in ring.cpus[i])
    return f"P{i}({ring.params()})\n{{\n{decls}{body}}}\n"


def reaches(text: str, lines: list[str]) -> bool:
    """Whether herd7's output ``lines`` on test ``text`` list the state its condition
    names (its atoms without ``~``): the cycle."""
    cond = text.rstrip().splitlines()[-1]
    atoms = {f"{loc}={val};" for loc, val in re.findall(r"([\w:]+)=(-?\d+)", cond)}
    return any(atoms <= set(line.split()) for line in lines if line.endswith(";"))


def kind(text: str) -> str:
    """The ring's kind, from the header :func:`generate` writes: its CPUs, and whether
    its reads are all RMWs, some not, or a spinlock's among them."""
    reads = re.search(r"\(\* ring of (\d): ([a-z ]+);", text)
    assert reads is not None
    words = reads.group(2).split()
    what = "lock" if "lock" in words else "all-rmw" if set(words) == {"rmw"} else "mixed"
    return f"{reads.group(1)} CPUs {what}"
