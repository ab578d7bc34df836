"""Random C litmus tests for the differential harness.

A test has 2-3 CPUs over ``int`` locations ``x``, ``y`` (and ``z``), a spinlock
``l``, an SRCU domain ``s`` and an atomic counter ``a``.  Each CPU runs 1-4
statements drawn from every kind of access the kernel's litmus tests use:

* reads: READ_ONCE, plain, smp_load_acquire, rcu_dereference;
* writes: WRITE_ONCE, plain, smp_store_release, rcu_assign_pointer, of a
  constant or of an earlier register (a data dependency);
* a control dependency: ``if (rN == c) { statement }``, on one line or three;
* every fence of linux-kernel.def;
* RMWs: the xchg and cmpxchg families in each ordering (a cmpxchg often fails),
  atomic_inc and the atomic_fetch_add / atomic_add_return families;
* a spin_lock ... spin_unlock section, a spin_trylock, spin_is_locked, a
  spin_unlock that matches no lock (lock.cat keeps it out of coherence order
  and lets spin_is_locked read it), RCU and SRCU read-side sections,
  synchronize_rcu and synchronize_srcu.

A theme (:data:`THEMES`) may weight some statements: ``locks`` draws mostly lock
operations, where unlocks that match no lock meet spin_is_locked(), and a lock
left held; ``lone`` those alone, with no access.

The condition is an ``exists`` over some registers and a location.  Tests are
text: every path (the explorer, brute force, the cat interpreter, herd7) reads
the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

VARS = ("x", "y", "z")
ORDERS = ("", "_relaxed", "_acquire", "_release")
FENCES = ("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic")
READS = ("READ_ONCE(*{v})", "*{v}", "smp_load_acquire({v})", "rcu_dereference(*{v})")
WRITES = ("WRITE_ONCE(*{v}, {e});", "*{v} = {e};", "smp_store_release({v}, {e});",
          "rcu_assign_pointer(*{v}, {e});")


@dataclass
class _Cpu:
    """One CPU being drawn: its lines and registers."""

    lines: list[str] = field(default_factory=list)
    regs: list[str] = field(default_factory=list)

    def reg(self) -> str:
        r = f"r{len(self.regs)}"
        self.regs.append(r)
        return r


@st.composite
def _value(draw: st.DrawFn, cpu: _Cpu) -> str:
    """A constant, or an expression of an earlier register (a data dependency)."""
    if cpu.regs and draw(st.booleans()):
        r = draw(st.sampled_from(cpu.regs))
        return draw(st.sampled_from((r, f"{r} + 1")))
    return str(draw(st.integers(1, 2)))


def _access(draw: st.DrawFn, cpu: _Cpu, nvars: int, indent: str) -> None:
    """One read, write, fence or RMW."""
    v = draw(st.sampled_from(VARS[:nvars]))
    kind = draw(st.sampled_from(("read", "read", "write", "write", "fence", "rmw", "atomic")))
    if kind == "read":
        cpu.lines.append(f"{indent}{cpu.reg()} = {draw(st.sampled_from(READS)).format(v=v)};")
    elif kind == "write":
        e = draw(_value(cpu))
        cpu.lines.append(indent + draw(st.sampled_from(WRITES)).format(v=v, e=e))
    elif kind == "fence":
        cpu.lines.append(f"{indent}{draw(st.sampled_from(FENCES))}();")
    elif kind == "rmw":
        order = draw(st.sampled_from(ORDERS))
        if draw(st.booleans()):
            args = f"{v}, {draw(st.integers(1, 2))}"
            cpu.lines.append(f"{indent}{cpu.reg()} = xchg{order}({args});")
        else:
            args = f"{v}, {draw(st.integers(0, 2))}, {draw(st.integers(1, 2))}"
            cpu.lines.append(f"{indent}{cpu.reg()} = cmpxchg{order}({args});")
    else:
        op = draw(st.sampled_from(("inc", "fetch_add", "add_return")))
        if op == "inc":
            cpu.lines.append(f"{indent}atomic_inc(a);")
        else:
            order = draw(st.sampled_from(ORDERS))
            cpu.lines.append(f"{indent}{cpu.reg()} = atomic_{op}{order}(1, a);")


#: The statements each theme draws from (a shape twice is drawn twice as often).
THEMES = {
    "all": ("access", "access", "access", "ctrl", "lock", "trylock", "rcu", "srcu", "sync",
            "is_locked", "unlock"),
    # unlocks that match no lock, read by spin_is_locked() (lock.cat's rf-ru), among
    # sections, trylocks and a few accesses
    "locks": ("access", "lock", "held", "trylock", "is_locked", "is_locked", "unlock",
              "unlock", "unlock"),
    "lone": ("held", "is_locked", "is_locked", "unlock", "unlock"),  # (no access at all)
}


def _statement(draw: st.DrawFn, cpu: _Cpu, nvars: int, theme: str = "all") -> None:
    """An access, a control dependency, or a lock, RCU or SRCU section."""
    shape = draw(st.sampled_from(THEMES[theme]))
    if shape == "access":
        _access(draw, cpu, nvars, "\t")
    elif shape == "ctrl" and cpu.regs:
        r = draw(st.sampled_from(cpu.regs))
        start = len(cpu.lines)
        cpu.lines.append(f"\tif ({r} == {draw(st.integers(0, 2))}) {{")
        _access(draw, cpu, nvars, "\t\t")
        cpu.lines.append("\t}")
        if draw(st.booleans()):  # the branch and its body on one line (one source line,
            # several statements: what a statement's events carry must tell them apart)
            cpu.lines[start:] = ["\t" + " ".join(line.strip() for line in cpu.lines[start:])]
    elif shape == "lock":
        cpu.lines.append("\tspin_lock(l);")
        if draw(st.booleans()):
            cpu.lines.append("\tsmp_mb__after_spinlock();")
        _access(draw, cpu, nvars, "\t")
        cpu.lines.append("\tspin_unlock(l);")
    elif shape == "trylock":
        r = cpu.reg()
        cpu.lines.append(f"\t{r} = spin_trylock(l);")
        cpu.lines.append(f"\tif ({r}) {{")
        _access(draw, cpu, nvars, "\t\t")
        cpu.lines.append("\t\tspin_unlock(l);")
        cpu.lines.append("\t}")
    elif shape == "held":  # (a lock left held: what follows it is its section)
        cpu.lines.append("\tspin_lock(l);")
    elif shape == "is_locked":
        cpu.lines.append(f"\t{cpu.reg()} = spin_is_locked(l);")
    elif shape == "unlock":  # (matching no lock unless a trylock just took it)
        cpu.lines.append("\tspin_unlock(l);")
    elif shape == "rcu":
        cpu.lines.append("\trcu_read_lock();")
        _access(draw, cpu, nvars, "\t")
        cpu.lines.append("\trcu_read_unlock();")
    elif shape == "srcu":
        r = cpu.reg()
        cpu.lines.append(f"\t{r} = srcu_read_lock(s);")
        _access(draw, cpu, nvars, "\t")
        cpu.lines.append(f"\tsrcu_read_unlock(s, {r});")
    else:
        cpu.lines.append(draw(st.sampled_from(("\tsynchronize_rcu();",
                                                "\tsynchronize_srcu(s);"))))


@st.composite
def litmus_tests(draw: st.DrawFn, max_cpus: int = 3, max_steps: int = 3,
                 theme: str = "all") -> str:
    """The text of one C litmus test (see the module docstring) with statements of
    ``theme`` (:data:`THEMES`)."""
    ncpus = draw(st.integers(2, max_cpus))
    nvars = draw(st.integers(1, 3 if ncpus > 2 else 2))
    cpus = []
    for _ in range(ncpus):
        cpu = _Cpu()
        for _ in range(draw(st.integers(1, max_steps))):
            _statement(draw, cpu, nvars, theme)
        cpus.append(cpu)
    init = [f"{v}={draw(st.integers(0, 1))};" for v in VARS[:nvars] if draw(st.booleans())]
    params = ", ".join([*(f"int *{v}" for v in VARS[:nvars]), "spinlock_t *l",
                        "struct srcu_struct *s", "int *a"])
    out = ["C gen", "", "{", *init, "}", ""]
    for i, cpu in enumerate(cpus):
        out.append(f"P{i}({params})")
        out.append("{")
        out += [f"\tint {r};" for r in cpu.regs]
        out += cpu.lines
        out += ["}", ""]
    out.append(f"exists ({draw(_condition(cpus, nvars))})")
    return "\n".join(out) + "\n"


@st.composite
def _condition(draw: st.DrawFn, cpus: list[_Cpu], nvars: int) -> str:
    regs = [f"{i}:{r}" for i, cpu in enumerate(cpus) for r in cpu.regs]
    chosen = draw(st.lists(st.sampled_from(regs), max_size=3, unique=True)) if regs else []
    terms = [f"{r}={draw(st.integers(0, 2))}" for r in chosen]
    if not terms or draw(st.booleans()):
        terms.append(f"{draw(st.sampled_from(VARS[:nvars]))}={draw(st.integers(0, 2))}")
    return " /\\ ".join(terms)


def has_lone_unlock(text: str) -> bool:
    """Whether a drawn test has a spin_unlock() that matches no lock: the litmus front
    end gives it herd's meaning (lock.cat's unmatched UL), the kernel API a store."""
    held = False
    for line in text.splitlines():
        if line.startswith("P"):
            held = False
        elif line == "\tspin_lock(l);":
            held = True
        elif line == "\tspin_unlock(l);":
            if not held:
                return True
            held = False
    return False
