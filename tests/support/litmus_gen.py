"""Random C litmus tests over kernel primitives, for hypothesis.

Each test has 2-4 CPUs over shared ``x``, ``y`` (and ``z`` with 3 or more CPUs)
and a spinlock ``l``; each CPU runs 1-3 steps (fewer with more CPUs) drawn from READ_ONCE /
WRITE_ONCE, smp_load_acquire / smp_store_release, smp_mb / smp_rmb /
smp_wmb, the xchg family, a spin_lock ... spin_unlock section, an
rcu_read_lock ... rcu_read_unlock section and synchronize_rcu.  The
condition asks for every register to be 0 (so the counts depend on the
final states), or for ``x=2`` when no CPU reads.
"""

from __future__ import annotations

from hypothesis import strategies as st

VARS = ("x", "y", "z")
XCHG = ("xchg", "xchg_relaxed", "xchg_acquire", "xchg_release")


@st.composite
def _access(draw: st.DrawFn, nvars: int) -> tuple[str, ...]:
    var = draw(st.sampled_from(VARS[:nvars]))
    kind = draw(st.sampled_from(("read", "write", "acquire", "release", "xchg", "fence")))
    if kind == "fence":
        return ("fence", draw(st.sampled_from(("smp_mb", "smp_rmb", "smp_wmb"))))
    if kind == "xchg":
        return ("xchg", draw(st.sampled_from(XCHG)), var, str(draw(st.integers(1, 2))))
    return (kind, var, str(draw(st.integers(1, 2))))


@st.composite
def _step(draw: st.DrawFn, nvars: int) -> tuple[object, ...]:
    shape = draw(st.sampled_from(("access", "access", "access", "lock", "rcu", "sync")))
    if shape == "access":
        return draw(_access(nvars))
    if shape == "sync":
        return ("sync",)
    body = draw(st.lists(_access(nvars), min_size=1, max_size=2))
    return (shape, *body)


class _Cpu:
    def __init__(self, index: int) -> None:
        self.index = index
        self.regs: list[str] = []
        self.lines: list[str] = []

    def reg(self) -> str:
        r = f"r{len(self.regs)}"
        self.regs.append(r)
        return r

    def access(self, a: tuple[str, ...]) -> None:
        kind = a[0]
        if kind == "read":
            self.lines.append(f"{self.reg()} = READ_ONCE(*{a[1]});")
        elif kind == "write":
            self.lines.append(f"WRITE_ONCE(*{a[1]}, {a[2]});")
        elif kind == "acquire":
            self.lines.append(f"{self.reg()} = smp_load_acquire({a[1]});")
        elif kind == "release":
            self.lines.append(f"smp_store_release({a[1]}, {a[2]});")
        elif kind == "xchg":
            self.lines.append(f"{self.reg()} = {a[1]}({a[2]}, {a[3]});")
        else:
            self.lines.append(f"{a[1]}();")

    def step(self, s: tuple[object, ...]) -> None:
        head = s[0]
        if head in ("lock", "rcu"):
            begin, end = (("spin_lock(l);", "spin_unlock(l);") if head == "lock"
                          else ("rcu_read_lock();", "rcu_read_unlock();"))
            self.lines.append(begin)
            for a in s[1:]:
                self.access(a)  # type: ignore[arg-type]
            self.lines.append(end)
        elif head == "sync":
            self.lines.append("synchronize_rcu();")
        else:
            self.access(s)  # type: ignore[arg-type]

    def text(self, nvars: int) -> str:
        params = ", ".join([f"int *{v}" for v in VARS[:nvars]] + ["spinlock_t *l"])
        decls = "".join(f"\tint {r};\n" for r in self.regs)
        body = "".join(f"\t{line}\n" for line in self.lines)
        return f"P{self.index}({params})\n{{\n{decls}{body}}}\n"


@st.composite
def litmus_tests(draw: st.DrawFn) -> str:
    """The text of a random C litmus test."""
    ncpus = draw(st.integers(2, 4))
    steps = {2: 3, 3: 2, 4: 1}[ncpus]
    nvars = 2 if ncpus == 2 else 3
    cpus = []
    for i in range(ncpus):
        cpu = _Cpu(i)
        for s in draw(st.lists(_step(nvars), min_size=1, max_size=steps)):
            cpu.step(s)
        cpus.append(cpu)
    regs = [f"{c.index}:{r}=0" for c in cpus for r in c.regs]
    cond = " /\\ ".join(regs) if regs else "x=2"
    threads = "\n".join(c.text(nvars) for c in cpus)
    return f"C generated\n\n{{}}\n\n{threads}\nexists ({cond})\n"
