"""C litmus tests whose CPUs spin-wait, from a seed.

No other generator draws a ``while`` loop that waits for another CPU; smpcheck runs
such a loop as an await (an iteration that only read, and left the registers as it
found them, blocks until a read may change: smpcheck/_rt/loops.py), where herd7
unrolls it (``-unroll``, 2 by default) and drops the executions that wait longer.
So the final states and the verdict must agree, not the counts (herd7 counts one
execution per number of iterations), nor herd7's ``Loop`` before ``Ok``/``No``.

Each test has a waiter, CPU 1, and a signaller, CPU 0; sometimes a third CPU:

* the signal: CPU 0 writes ``x`` (and maybe ``y``), then, after none, smp_wmb(),
  smp_mb() or nothing but a release, sets the flag ``f``: WRITE_ONCE,
  smp_store_release, atomic_set, atomic_inc, xchg, or a spin_unlock() of a lock it
  took first (the waiter then spins on spin_is_locked());
* the wait: ``while (READ_ONCE(*f) == 0) barrier();`` or smp_load_acquire() or
  atomic_read() in the condition; the flag read before the loop and again at the
  end of its body (``r = READ_ONCE(*f); while (r == 0) { r = READ_ONCE(*f); }``,
  the read kept in a register the condition names), the first read kept in another;
  a cmpxchg that takes the flag (``while (atomic_cmpxchg(f, 1, 2) != 1)``);
* after the wait: none, smp_rmb(), smp_mb() (or the acquire) and reads of ``x``
  and ``y``, or a write CPU 0 reads before its signal (load buffering);
* a third CPU, in one test of three: another signaller (the flag set to 2, or reset
  to 0), or a second reader of ``x`` that does not wait.

With ``wide`` (``bench/spin_waits.py --wide``), also: a cmpxchg loop retrying with
the value it read (bounded, no spin), a wait whose body sets a register it does not
test, two waits in a row (the second for ``y``), the flag read one way before the
loop and another in it.

The condition asks for registers and sometimes the flag's final value, under
``exists`` mostly, ``~exists`` or ``forall`` sometimes.  ``generate(seed, i)`` is test
``S<seed>-<i>``: the same text every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Cpu:
    """One CPU's lines and registers, and the values each register may end with."""

    params: str
    lines: list[str] = field(default_factory=list)
    regs: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def reg(self, values: tuple[int, ...]) -> str:
        name = f"r{len(self.regs)}"
        self.regs[name] = values
        return name


PARAMS = "int *x, int *y, int *f, spinlock_t *l"
SPIN = "\n\t\tbarrier();"  # (herd7 takes no empty loop body, no cpu_relax())


def _signal(rng: random.Random, cpu: Cpu, lock: bool, lb: bool) -> None:
    """CPU 0: data writes, an ordering, the flag set (or the lock released)."""
    if lock:
        cpu.lines.append("spin_lock(l);")
    if lb:
        r = cpu.reg((0, 1))
        cpu.lines.append(f"{r} = READ_ONCE(*y);")
    else:
        cpu.lines.append(rng.choice(["WRITE_ONCE(*x, 1);", "*x = 1;"]))
        if rng.random() < 0.4:
            cpu.lines.append("WRITE_ONCE(*y, 1);")
    order = rng.choice(["", "", "smp_wmb();", "smp_mb();"])
    if order:
        cpu.lines.append(order)
    if lock:
        cpu.lines.append("spin_unlock(l);")
        return
    write = rng.choice(["WRITE_ONCE(*f, 1);", "smp_store_release(f, 1);",
                        "atomic_set(f, 1);", "atomic_inc(f);", "{r} = xchg(f, 1);",
                        "atomic_set_release(f, 1);"])
    cpu.lines.append(write.format(r=cpu.reg((0, 1, 2))) if "{r}" in write else write)


def _wait(rng: random.Random, cpu: Cpu, lock: bool, wide: bool) -> None:
    """CPU 1's spin-wait for the flag (or for the lock to be released)."""
    if lock:
        cpu.lines.append(rng.choice([f"while (spin_is_locked(l)){SPIN}",
                                     "spin_lock(l);\n\tspin_unlock(l);"]))
        return
    read = rng.choice(["READ_ONCE(*f)", "smp_load_acquire(f)", "atomic_read(f)",
                       "atomic_read_acquire(f)"])
    form = rng.choice(["cond", "cond", "end", "end", "snap", "cmpxchg"]
                      + (["retry", "mark", "twice", "mixed"] if wide else []))
    if form in WIDE:
        WIDE[form](rng, cpu, read)
    elif form == "cond":
        cpu.lines.append(f"while ({read} == 0){SPIN}")
    elif form == "cmpxchg":
        order = rng.choice(["", "_relaxed", "_acquire"])
        cpu.lines.append(f"while (atomic_cmpxchg{order}(f, 1, 2) != 1){SPIN}")
    else:
        r = cpu.reg((0, 1, 2))
        cpu.lines.append(f"{r} = {read};")
        if form == "snap":
            cpu.lines.append(f"{cpu.reg((0, 1, 2))} = {r};")
        test = rng.choice([f"{r} == 0", f"{r} != 1"])
        cpu.lines.append(f"while ({test}) {{\n\t\t{r} = {read};\n\t}}")


def _retry(rng: random.Random, cpu: Cpu, read: str) -> None:
    """A cmpxchg loop that adds 1, retrying with the value it read: no spin-wait, a
    loop the bound cuts (herd7's unrolling, smpcheck's --loop-bound)."""
    r, old = cpu.reg((0, 1, 2, 3)), cpu.reg((0, 1, 2, 3))
    order = rng.choice(["", "_relaxed", "_acquire"])
    cpu.lines += [f"{r} = {read};", f"{old} = atomic_cmpxchg{order}(f, {r}, {r} + 1);",
                  f"while ({old} != {r}) {{\n\t\t{r} = {old};\n\t\t"
                  f"{old} = atomic_cmpxchg{order}(f, {r}, {r} + 1);\n\t}}"]


def _mark(rng: random.Random, cpu: Cpu, read: str) -> None:
    """A wait whose body sets a register the condition does not test."""
    r = cpu.reg((0, 5))
    cpu.lines += [f"{r} = 5;", f"while ({read} == 0) {{\n\t\t{r} = 0;\n\t}}"]


def _twice(rng: random.Random, cpu: Cpu, read: str) -> None:
    """A wait for the flag, then one for ``y`` (which CPU 0 may never write)."""
    cpu.lines += [f"while ({read} == 0){SPIN}",
                  f"while (READ_ONCE(*y) == 0){SPIN}"]


def _mixed(rng: random.Random, cpu: Cpu, read: str) -> None:
    """The flag read before the loop one way and at the end of its body another."""
    r = cpu.reg((0, 1, 2))
    again = rng.choice(["READ_ONCE(*f)", "smp_load_acquire(f)"])
    cpu.lines += [f"{r} = {read};", f"while ({r} == 0) {{\n\t\t{r} = {again};\n\t}}"]


WIDE = {"retry": _retry, "mark": _mark, "twice": _twice, "mixed": _mixed}


def _after(rng: random.Random, cpu: Cpu, lb: bool) -> None:
    """CPU 1 after its wait: an ordering and the data reads (or the LB write)."""
    order = rng.choice(["", "", "smp_rmb();", "smp_mb();"])
    if order:
        cpu.lines.append(order)
    if lb:
        cpu.lines.append(rng.choice(["WRITE_ONCE(*y, 1);", "*y = 1;"]))
        return
    for loc in rng.sample(["x", "y"], rng.choice([1, 1, 2])):
        cpu.lines.append(f"{cpu.reg((0, 1))} = READ_ONCE(*{loc});")


def _third(rng: random.Random, lock: bool) -> Cpu:
    """A third CPU: another flag writer, or a reader that does not wait."""
    cpu = Cpu(PARAMS)
    kind = rng.choice(["flag", "reset", "reader"]) if not lock else "reader"
    if kind == "flag":
        cpu.lines += [rng.choice(["WRITE_ONCE(*x, 2);", "WRITE_ONCE(*y, 2);"]),
                      rng.choice(["smp_store_release(f, 2);", "WRITE_ONCE(*f, 2);"])]
    elif kind == "reset":
        cpu.lines += [f"{cpu.reg((0, 1, 2))} = READ_ONCE(*f);", "WRITE_ONCE(*f, 0);"]
    else:
        cpu.lines += [f"{cpu.reg((0, 1))} = READ_ONCE(*x);",
                      rng.choice(["", "smp_rmb();"]),
                      f"{cpu.reg((0, 1, 2))} = READ_ONCE(*f);"]
    return cpu


def _condition(rng: random.Random, cpus: list[Cpu]) -> str:
    """exists (mostly), ~exists or forall over some registers (and maybe f)."""
    atoms = [f"{i}:{r}={rng.choice(vals)}" for i, c in enumerate(cpus)
             for r, vals in c.regs.items()]
    rng.shuffle(atoms)
    atoms = atoms[:rng.choice([1, 2, 2, 3])]
    if rng.random() < 0.2 or not atoms:
        atoms.append(f"f={rng.choice([0, 1, 2])}")
    quantifier = rng.choice(["exists", "exists", "exists", "~exists", "forall"])
    joint = " \\/ " if quantifier == "forall" and rng.random() < 0.5 else " /\\ "
    return f"{quantifier} ({joint.join(atoms)})"


def generate(seed: int, index: int, wide: bool = False) -> str:
    """Test ``S<seed>-<index>`` (with ``wide``, waits of more forms: :data:`WIDE`)."""
    rng = random.Random(seed * 1_000_003 + index)
    lock, lb = rng.random() < 0.15, rng.random() < 0.2
    cpus = [Cpu(PARAMS), Cpu(PARAMS)]
    _signal(rng, cpus[0], lock, lb)
    _wait(rng, cpus[1], lock, wide)
    _after(rng, cpus[1], lb)
    if rng.random() < 0.33:
        cpus.append(_third(rng, lock))
    out = [f"C S{seed}-{index:03d}", "", "{", "}", ""]
    for i, c in enumerate(cpus):
        out.append(f"P{i}({c.params})\n{{")
        out += [f"\tint {r};" for r in c.regs]
        out += [f"\t{line}" for line in c.lines if line]
        out += ["}", ""]
    out.append(_condition(rng, cpus))
    return "\n".join(out) + "\n"
