"""Small object-lifetime programs, written two ways: as a smpcheck model and as a C litmus test.

A shape has one heap object (fields ``a`` and maybe ``b``), two or three CPUs
and exactly one way to free the object: one CPU's ``kfree``, or a reference
count that each of two or three CPUs drops (``atomic_dec_return*``), the one
that drops it to zero freeing.  The CPUs read and write the fields
(``READ_ONCE``/``WRITE_ONCE``, plain, acquire/release), fence, and hand over
with flags ``x`` and ``y``, each set to 1 by one CPU: another CPU runs the rest
of its code only if it reads 1 (a handoff) or only if it reads 0 (a
handshake, store-buffering when both sides do it).  A handoff from an earlier
CPU whose flag is set unconditionally may be a spin loop in the model (the
litmus test has an ``if``: the same executions reach the rest of the code).

The litmus test is the same program where ``kfree(obj)`` is a ``WRITE_ONCE`` of
``POISON`` (99) to each field and of 1 to ``fr``; its condition asks whether
a read of a field got the poison, or the object was freed and a field's final
value is not the poison (a store landed coherence-after it).  smpcheck must
report a use-after-free on the model under a memory model exactly when that
condition is reachable under the same memory model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import strategies as st

POISON = 99
T = TypeVar("T")
Pick = Callable[[Sequence[Any]], Any]


@dataclass(frozen=True)
class Access:
    """A read or write of a field: ``mode`` once, plain, acquire (reads), release (writes)."""

    kind: str
    field: str
    mode: str
    value: int = 1


@dataclass(frozen=True)
class Fence:
    name: str


@dataclass(frozen=True)
class Signal:
    flag: str
    mode: str  # once, release


@dataclass(frozen=True)
class Check:
    """Run ``body`` (the rest of the CPU's code) if ``flag`` reads ``want``."""

    flag: str
    mode: str  # once, acquire
    want: int  # 1: a handoff, 0: a handshake
    spin: bool  # in the model: spin until it reads 1 (the litmus test: an if)
    body: tuple[Any, ...]


@dataclass(frozen=True)
class Free:
    pass


@dataclass(frozen=True)
class Put:
    """``if (atomic_dec_return<ordering>(ref) == 0) kfree(obj)``."""

    ordering: str  # "", "_relaxed", "_acquire", "_release"


@dataclass(frozen=True)
class Shape:
    fields: tuple[str, ...]
    cpus: tuple[tuple[Any, ...], ...]
    refs: int  # the reference count's initial value (0: no count)


# -- drawing -------------------------------------------------------------------------------
def _access(pick: Pick, fields: tuple[str, ...]) -> Any:
    kind = pick(("read", "read", "write", "fence"))
    if kind == "fence":
        return Fence(pick(("smp_mb", "smp_rmb", "smp_wmb")))
    mode = pick(("once", "plain", "acquire" if kind == "read" else "release"))
    return Access(kind, pick(fields), mode, pick((1, 2)))


def build_shape(pick: Pick) -> Shape:
    """A shape, each choice made by ``pick`` (hypothesis' draw, or a seeded random)."""
    ncpus = pick((2, 2, 3))
    fields = ("a",) if pick((1, 2)) == 1 else ("a", "b")
    refcount = pick((False, True))
    holders = list(range(ncpus)) if refcount and ncpus == 2 else (
        sorted(pick(((0, 1), (0, 2), (1, 2), (0, 1, 2)))) if refcount else [])
    freer = None if refcount else pick(range(ncpus))
    setter = {f: pick(range(ncpus)) for f in "xy" if pick((False, True, True))}
    if pick((False, False, True)):  # a handshake: CPUs 0 and 1 each set a flag, then check
        setter = {"x": 0, "y": 1}  # the other's (store buffering)
    cpus = []
    for i in range(ncpus):
        code: list[Any] = [_access(pick, fields) for _ in range(pick((0, 1, 1, 2)))]
        if i == freer:
            code.insert(pick(range(len(code) + 1)), Free())
        if i in holders:  # (mostly last: accesses after dropping a reference are bugs)
            at = len(code) if pick((True, True, False)) else pick(range(len(code) + 1))
            code.insert(at, Put(pick(("", "_relaxed", "_acquire", "_release"))))
        for f in sorted(f for f, cpu in setter.items() if cpu == i):  # (often first)
            at = 0 if pick((True, False)) else pick(range(len(code) + 1))
            code.insert(at, Signal(f, pick(("once", "release"))))
            if at == 0 and pick((False, True)):
                code.insert(1, Fence(pick(("smp_mb", "smp_wmb", "smp_rmb"))))
        others = sorted(f for f, cpu in setter.items() if cpu != i)
        if others and pick((False, True, True)):
            f = pick(others)
            want = pick((0, 1))
            signalled = [k + 1 for k, s in enumerate(code) if isinstance(s, (Signal, Fence))]
            at = pick(range(len(code) + 1)) if not signalled or pick((False, True)) else max(
                signalled[:2])
            code = [*code[:at], Check(f, pick(("once", "acquire")), want,
                                      want == 1 and setter[f] < i and pick((False, True)),
                                      tuple(code[at:]))]
        cpus.append(tuple(code))
    guarded = {s.flag for code in cpus for c in code if isinstance(c, Check)
               for s in _flat(c.body) if isinstance(s, Signal)}
    return Shape(fields, tuple(tuple(_no_spin(s, guarded) for s in code) for code in cpus),
                 len(holders))


def _flat(code: tuple[Any, ...]) -> list[Any]:
    return [x for s in code for x in ([s, *_flat(s.body)] if isinstance(s, Check) else [s])]


def _no_spin(stmt: Any, guarded: set[str]) -> Any:
    """No spin loop on a flag whose setter may skip setting it (it would wait forever)."""
    if isinstance(stmt, Check):
        return Check(stmt.flag, stmt.mode, stmt.want, stmt.spin and stmt.flag not in guarded,
                     tuple(_no_spin(s, guarded) for s in stmt.body))
    return stmt


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    """Shapes for hypothesis."""
    return build_shape(lambda options: draw(st.sampled_from(list(options))))


# -- the model -------------------------------------------------------------------------------
_PY_READ = {"once": "READ_ONCE(obj.{f})", "plain": "obj.{f}",
            "acquire": "smp_load_acquire(obj.{f})"}
_PY_WRITE = {"once": "WRITE_ONCE(obj.{f}, {v})", "plain": "obj.{f} = {v}",
             "release": "smp_store_release(obj.{f}, {v})"}


def _py_lines(stmt: Any, regs: list[int]) -> list[str]:
    if isinstance(stmt, Access):
        if stmt.kind == "read":
            regs[0] += 1
            return [f"r{regs[0] - 1} = " + _PY_READ[stmt.mode].format(f=stmt.field)]
        return [_PY_WRITE[stmt.mode].format(f=stmt.field, v=stmt.value)]
    if isinstance(stmt, Fence):
        return [f"{stmt.name}()"]
    if isinstance(stmt, Signal):
        return [f"WRITE_ONCE({stmt.flag}, 1)" if stmt.mode == "once"
                else f"smp_store_release({stmt.flag}, 1)"]
    if isinstance(stmt, Free):
        return ["kfree(obj)"]
    if isinstance(stmt, Put):
        return [f"if atomic_dec_return{stmt.ordering}(ref) == 0:", "    kfree(obj)"]
    load = f"READ_ONCE({stmt.flag})" if stmt.mode == "once" else f"smp_load_acquire({stmt.flag})"
    body = [line for s in stmt.body for line in _py_lines(s, regs)] or ["pass"]
    if stmt.spin:
        return [f"while {load} != 1:", "    cpu_relax()", *body]
    return [f"if {load} == {stmt.want}:", *("    " + line for line in body)]


def to_model(shape: Shape) -> str:
    """The shape as a smpcheck model file."""
    out = ["from smpcheck import *", "", "", "class foo(Struct):"]
    out += [f"    {f} = 0" for f in shape.fields]
    out += ["", "", "obj = preallocated(foo())", "x = Var(0)", "y = Var(0)",
            f"ref = Var({shape.refs}, 'atomic')", ""]
    for i, code in enumerate(shape.cpus):
        regs = [0]
        body = [line for s in code for line in _py_lines(s, regs)] or ["pass"]
        out += ["", f"def P{i}():", *("    " + line for line in body), ""]
    names = ", ".join(f"P{i}" for i in range(len(shape.cpus)))
    out += ["", f'MODEL = Model("shape", [{names}])', ""]
    return "\n".join(out)


# -- the litmus test -------------------------------------------------------------------------
_C_READ = {"once": "READ_ONCE(*{f})", "plain": "*{f}", "acquire": "smp_load_acquire({f})"}
_C_WRITE = {"once": "WRITE_ONCE(*{f}, {v});", "plain": "*{f} = {v};",
            "release": "smp_store_release({f}, {v});"}


class _CCpu:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.regs: list[str] = []
        self.field_regs: list[str] = []

    def reg(self, of_field: bool) -> str:
        r = f"r{len(self.regs)}"
        self.regs.append(r)
        if of_field:
            self.field_regs.append(r)
        return r

    def free(self) -> list[str]:
        return [f"WRITE_ONCE(*{f}, {POISON});" for f in self.fields] + ["WRITE_ONCE(*fr, 1);"]

    def lines(self, stmt: Any) -> list[str]:
        if isinstance(stmt, Access):
            if stmt.kind == "read":
                return [f"{self.reg(True)} = " + _C_READ[stmt.mode].format(f=stmt.field) + ";"]
            return [_C_WRITE[stmt.mode].format(f=stmt.field, v=stmt.value)]
        if isinstance(stmt, Fence):
            return [f"{stmt.name}();"]
        if isinstance(stmt, Signal):
            return [f"WRITE_ONCE(*{stmt.flag}, 1);" if stmt.mode == "once"
                    else f"smp_store_release({stmt.flag}, 1);"]
        if isinstance(stmt, Free):
            return self.free()
        if isinstance(stmt, Put):
            r = self.reg(False)
            return [f"{r} = atomic_dec_return{stmt.ordering}(ref);", f"if ({r} == 0) {{",
                    *("\t" + line for line in self.free()), "}"]
        r = self.reg(False)
        load = (f"READ_ONCE(*{stmt.flag})" if stmt.mode == "once"
                else f"smp_load_acquire({stmt.flag})")
        body = [line for s in stmt.body for line in self.lines(s)]
        if not body:  # (herd7 refuses an empty block)
            return [f"{r} = {load};"]
        return [f"{r} = {load};", f"if ({r} == {stmt.want}) {{",
                *("\t" + line for line in body), "}"]


def to_litmus(shape: Shape, name: str = "uaf-shape") -> str:
    """The shape as a C litmus test (kfree: the fields written POISON, ``fr`` written 1)."""
    params = ", ".join([f"int *{f}" for f in shape.fields]
                       + ["int *x", "int *y", "atomic_t *ref", "int *fr"])
    threads = []
    poisoned = []
    for i, code in enumerate(shape.cpus):
        cpu = _CCpu(shape.fields)
        body = [line for s in code for line in cpu.lines(s)]
        decls = [f"\tint {r};" for r in cpu.regs]
        threads.append("\n".join([f"P{i}({params})", "{", *decls, *([""] if decls else []),
                                  *("\t" + line for line in body), "}"]))
        poisoned += [f"{i}:{r}={POISON}" for r in cpu.field_regs]
    overwritten = [f"(fr=1 /\\ ~{f}={POISON})" for f in shape.fields]
    init = f"\tatomic_t ref = ATOMIC_INIT({shape.refs});\n" if shape.refs else ""
    cond = " \\/ ".join(poisoned + overwritten)
    return (f"C {name}\n\n{{\n{init}}}\n\n" + "\n\n".join(threads)
            + f"\n\nexists ({cond})\n")
