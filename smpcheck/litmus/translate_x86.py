"""X86 and X86_64 litmus threads as CPU functions that interpret their instructions.

Registers live in a dict keyed by register family (``EAX``, ``%eax``, ``rax``
and ``AL`` are all the A register), so an X86_64 condition may name ``rax``
for code that writes ``%eax``; values are not truncated to the operand size.
Memory operands name shared variables (``[x]``, ``(x)``) or registers holding
their addresses (``[EAX]``, ``(%rax)``); byte offsets are not supported.

The instructions, as the kernel primitives that give x86's semantics:

* ``MOV`` to or from memory: READ_ONCE / WRITE_ONCE (marked, so no data-race
  flags); between registers and immediates, register moves.
* ``MFENCE``: smp_mb(); ``LFENCE``, ``SFENCE``: barrier() (x86-TSO orders
  what they order already); ``NOP``: nothing.
* ``XCHG`` with memory (always locked): xchg(); ``LOCK XADD``, ``LOCK ADD/SUB/
  AND/OR/XOR/INC/DEC/NOT``, ``LOCK CMPXCHG``: the fully ordered atomic RMWs
  (atomic_fetch_add, atomic_fetch_sub, ..., cmpxchg).  Without ``LOCK`` the
  memory forms are a load and a store, not atomic.
* arithmetic on registers; ``CMP`` and the arithmetic set the flags that
  ``JE``/``JNE``/``JL``/... test; a backward jump closes a loop, instrumented
  like a C ``while`` loop (a spin-wait when no register value is carried from
  one iteration to the next).

Unsupported instructions (``UXCH``, ``CMOVC``, ``MOVNTI``, ``SETNB``, ``LOCK
NEG``) and operands that make no sense (``MOV [x],[y]``, an immediate
destination) raise LitmusError with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import smpcheck.kernel as k
from smpcheck.graph.events import Source
from smpcheck.kernel.lowlevel import Cpu, loop_enter, loop_head, this_cpu
from smpcheck.litmus.parse_x86 import is_register
from smpcheck.litmus.syntax import Imm, Instr, LabelRef, LocRef, Mem, Operand, Reg, X86Test
from smpcheck.litmus.translate import (
    Memory,
    SourceLines,
    check_memory_loc,
    declare_named,
    init_globals,
    init_registers,
    make_model,
    prop_locations,
)
from smpcheck.litmus.translate_ops import combine, pointer, truth
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.model.values import raw

__smp_engine__ = True

RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, AttributeError, IndexError, KeyError)

_FAMILY = re.compile(r"^[ER]?([ABCD])[XLH]$|^[ER]?(SI|DI|SP|BP)L?$|^(R\d+)[DWB]?$|^(RIP)$")


def family(reg: str) -> str:
    """The register family of a register name: ``eax``, ``%rax``, ``AL`` -> ``A``."""
    m = _FAMILY.match(reg.upper().lstrip("%"))
    if m is None:
        raise ValueError(reg)
    return next(g for g in m.groups() if g)


class Frame:
    """One run of a thread: registers by family, the flags value, the CPU."""

    __slots__ = ("regs", "flags", "cpu")

    def __init__(self, regs: dict[str, Any], cpu: Cpu) -> None:
        self.regs = regs
        self.flags: Any = 0
        self.cpu = cpu


Loop = tuple[tuple[str, int], bool, tuple[str, ...]]  # site, spins, registers written
Step = Callable[[Frame], int | None]  # the index of the next instruction, None: the next one

# Locked RMW forms: mnemonic -> kernel function (value, location) giving the old value.
_LOCKED = {"ADD": k.atomic_fetch_add, "SUB": k.atomic_fetch_sub, "AND": k.atomic_fetch_and,
           "OR": k.atomic_fetch_or, "XOR": k.atomic_fetch_xor}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "ADD": lambda a, b: a + b, "SUB": lambda a, b: a - b, "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b, "XOR": lambda a, b: a ^ b}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "INC": lambda a: a + 1, "DEC": lambda a: a - 1, "NEG": lambda a: -a, "NOT": lambda a: ~a}
_JUMPS: dict[str, Callable[[Any], bool]] = {
    "JMP": lambda f: True, "JE": lambda f: f == 0, "JZ": lambda f: f == 0,
    "JNE": lambda f: f != 0, "JNZ": lambda f: f != 0, "JL": lambda f: f < 0,
    "JLT": lambda f: f < 0, "JS": lambda f: f < 0, "JLE": lambda f: f <= 0,
    "JG": lambda f: f > 0, "JGT": lambda f: f > 0, "JGE": lambda f: f >= 0,
    "JNS": lambda f: f >= 0}
_UNSUPPORTED = {"UXCH", "CMOVC", "MOVNTI", "SETNB"}
_LOCKABLE = {"XCHG", "XADD", "CMPXCHG", "INC", "DEC", "NOT", "NEG", *_ARITH}


def translate_x86(test: X86Test, lines: SourceLines) -> tuple[Model, dict[str, Loc]]:
    """The model of an X86 / X86_64 litmus test."""
    memory = Memory(lines)
    init_globals(test, memory, {})
    declare_named(test, memory)
    init_regs: list[dict[str, Any]] = [{} for _ in test.threads]
    for entry, value in init_registers(test, memory):
        if not is_register(entry.name):
            raise lines.error(f"{entry.name} is not an X86 register", entry.line, entry.name)
        init_regs[entry.thread or 0][family(entry.name)] = value
    shown: list[set[str]] = [set() for _ in test.threads]
    for loc in [*test.locations, *prop_locations(test.condition.prop),
                *prop_locations(test.filter)]:
        if loc.thread is not None and loc.thread < len(test.threads) and is_register(loc.name):
            shown[loc.thread].add(loc.name)
    cpus = [ThreadCompiler(t.index, t.instrs, memory, lines, init_regs[i], shown[i])
            .cpu_function() for i, t in enumerate(test.threads)]

    def check(loc: LocRef) -> None:
        if loc.thread is None:
            check_memory_loc(memory, loc)
        elif loc.thread >= len(test.threads):
            raise lines.error(f"the condition names {loc.thread}:{loc.name} but the test has "
                              f"no thread P{loc.thread}", loc.line, f"{loc.thread}:{loc.name}")
        elif not is_register(loc.name):
            raise lines.error(f"the condition names {loc.thread}:{loc.name}, which is not an "
                              "X86 register", loc.line, f"{loc.thread}:{loc.name}")

    return make_model(test, cpus, memory, check)


def render(instr: Instr) -> str:
    """An instruction as written: ``LOCK XADD [x],EAX`` or ``lock xaddl %eax,(x)``."""
    att = instr.syntax == "att"
    op = instr.op.lower() if att else instr.op
    if att and instr.size:
        op += {8: "b", 16: "w", 32: "l", 64: "q"}[instr.size]
    if instr.lock:
        op = ("lock " if att else "LOCK ") + op
    return f"{op} {','.join(_operand_text(o, att) for o in instr.operands)}".strip()


def _operand_text(o: Operand, att: bool) -> str:
    if isinstance(o, Reg):
        return f"%{o.name}" if att else o.name
    if isinstance(o, Imm):
        return f"${o.value}"
    if isinstance(o, LabelRef):
        return o.name
    where = o.symbol or (f"%{o.base}" if att else o.base)
    if att:
        return f"{o.offset or ''}({where})"
    return f"[{where}{f'{o.offset:+d}' if o.offset else ''}]"


class ThreadCompiler:
    """Compiles one thread's instructions into steps over a :class:`Frame`."""

    def __init__(self, index: int, instrs: tuple[Instr, ...], memory: Memory,
                 lines: SourceLines, init: dict[str, Any], shown: set[str]) -> None:
        self.index = index
        self.instrs = instrs
        self.memory = memory
        self.lines = lines
        self.init = init
        self.shown = sorted(shown)
        self.labels = self._labels()
        self.loops = self._loops()
        self.steps = [self.step(i, instr) for i, instr in enumerate(instrs)]
        self.srcs = [Source(lines.path, i.line, render(i)) for i in instrs]

    def error(self, message: str, instr: Instr) -> Exception:
        return self.lines.error(f"P{self.index}: {message}", instr.line, instr.op)

    def _labels(self) -> dict[str, int]:
        labels: dict[str, int] = {}
        for i, instr in enumerate(self.instrs):
            if instr.label is not None:
                if instr.label in labels:
                    raise self.error(f"label {instr.label} is defined twice", instr)
                labels[instr.label] = i
        return labels

    def _loops(self) -> dict[int, Loop]:
        """Loop heads: the target of each backward jump, its site, whether it spins,
        and the registers its body writes."""
        loops: dict[int, Loop] = {}
        for j, instr in enumerate(self.instrs):
            if instr.op in _JUMPS:
                target = self._target(instr)
                if target <= j:
                    head, body = self.instrs[target], self.instrs[target:j + 1]
                    written = sorted(set().union(*(_reg_writes(i) for i in body)))
                    loops[target] = ((self.lines.path, head.line), not _carries_state(body),
                                     tuple(written))
        return loops

    def _target(self, instr: Instr) -> int:
        label = instr.operands[0]
        if not isinstance(label, LabelRef) or label.name not in self.labels:
            name = getattr(label, "name", "?")
            raise self.error(f"{instr.op} to an unknown label {name}", instr)
        return self.labels[label.name]

    def cpu_function(self) -> Callable[[], dict[str, Any]]:
        steps, srcs, loops, init = self.steps, self.srcs, self.loops, self.init
        shown, lines, n = self.shown, self.lines, len(self.steps)

        def cpu() -> dict[str, Any]:
            frame = Frame(dict(init), this_cpu())
            pc, came_from = 0, -1
            while pc < n:
                frame.cpu.source_override = srcs[pc]
                if pc in loops:
                    _loop_head(frame, loops[pc], entering=came_from < pc)
                try:
                    nxt = steps[pc](frame)
                except RUNTIME_ERRORS as exc:
                    raise lines.error(f"P{frame.cpu.tid}: {exc}", srcs[pc].line) from None
                came_from, pc = pc, pc + 1 if nxt is None else nxt
            return {name: raw(frame.regs.get(family(name), 0)) for name in shown}

        cpu.__name__ = f"P{self.index}"
        return cpu

    # -- one instruction -----------------------------------------------------------
    def step(self, i: int, instr: Instr) -> Step:
        op = instr.op
        if op in _UNSUPPORTED:
            raise self.error(f"{op} is not supported", instr)
        if instr.lock and op not in _LOCKABLE:
            raise self.error(f"the LOCK prefix is not allowed on {op}", instr)
        ops = instr.intel_operands
        if op in _JUMPS:
            target, cond = self._target(instr), _JUMPS[op]
            return lambda frame: target if truth(combine(cond, frame.flags)) else None
        for o in ops:
            if isinstance(o, LabelRef):
                raise self.error(f"{op} takes no label operand ({o.name})", instr)
        if op in ("MFENCE", "LFENCE", "SFENCE", "NOP"):
            fence = {"MFENCE": k.smp_mb, "LFENCE": k.barrier, "SFENCE": k.barrier}.get(op)
            return (lambda frame: (fence(), None)[1]) if fence else (lambda frame: None)
        if op == "MOV":
            return self._mov(instr, ops[0], ops[1])
        if op in ("XCHG", "XADD", "CMPXCHG"):
            return self._exchange(instr, ops[0], ops[1])
        if op == "CMP":
            a, b = self.read(ops[0], instr), self.read(ops[1], instr)
            return lambda frame: _set_flags(frame, combine(lambda x, y: x - y, a(frame), b(frame)))
        if op in _ARITH:
            return self._arith(instr, ops[0], self.read(ops[1], instr), _ARITH[op])
        return self._arith(instr, ops[0], None, _UNARY[op])

    # -- operands --------------------------------------------------------------------
    def location(self, m: Mem, instr: Instr) -> Callable[[Frame], Any]:
        """The pointer a memory operand designates."""
        if m.offset:
            raise self.error("byte offsets in memory operands are not supported", instr)
        if m.symbol is not None:
            ref = self.memory.declare(m.symbol)
            return lambda frame: ref
        base, lines, line = family(m.base or ""), self.lines, instr.line
        return lambda frame: pointer(frame.regs.get(base, 0), f"[{m.base}]", line, lines)

    def read(self, o: Operand, instr: Instr) -> Callable[[Frame], Any]:
        """The value of a source operand (a memory operand is a READ_ONCE)."""
        if isinstance(o, Imm):
            value = o.value
            return lambda frame: value
        if isinstance(o, Reg):
            fam = family(o.name)
            return lambda frame: frame.regs.get(fam, 0)
        assert isinstance(o, Mem)
        where = self.location(o, instr)
        return lambda frame: k.READ_ONCE(where(frame))

    def write(self, o: Operand, instr: Instr) -> Callable[[Frame, Any], None]:
        """Store into a destination operand (a memory operand is a WRITE_ONCE)."""
        if isinstance(o, Reg):
            fam = family(o.name)

            def set_reg(frame: Frame, v: Any) -> None:
                frame.regs[fam] = v

            return set_reg
        if isinstance(o, Mem):
            where = self.location(o, instr)
            return lambda frame, v: k.WRITE_ONCE(where(frame), v)
        raise self.error(f"the destination of {instr.op} cannot be an immediate", instr)

    # -- instruction families ----------------------------------------------------------
    def _mov(self, instr: Instr, dst: Operand, src: Operand) -> Step:
        if isinstance(dst, Mem) and isinstance(src, Mem):
            raise self.error("MOV cannot move memory to memory", instr)
        get, put = self.read(src, instr), self.write(dst, instr)
        return lambda frame: put(frame, get(frame))

    def _exchange(self, instr: Instr, dst: Operand, src: Operand) -> Step:
        op = instr.op
        if op == "XCHG" and isinstance(dst, Reg) and isinstance(src, Mem):
            dst, src = src, dst
        if not isinstance(src, Reg) or isinstance(dst, Imm):
            raise self.error(f"{op} needs a register source and a register or memory "
                             "destination", instr)
        get_r, put_r = self.read(src, instr), self.write(src, instr)
        if isinstance(dst, Mem) and (instr.lock or op == "XCHG"):
            where = self.location(dst, instr)
            return self._locked_exchange(op, where, get_r, put_r)
        get_d, put_d = self.read(dst, instr), self.write(dst, instr)
        acc_get, acc_put = self.read(Reg("EAX"), instr), self.write(Reg("EAX"), instr)

        def plain(frame: Frame) -> None:
            old, r = get_d(frame), get_r(frame)
            if op == "XCHG":
                put_d(frame, r)
                put_r(frame, old)
            elif op == "XADD":
                put_d(frame, combine(lambda a, b: a + b, old, r))
                put_r(frame, old)
            else:  # CMPXCHG without LOCK: compare with EAX, write if equal
                acc = acc_get(frame)
                _set_flags(frame, combine(lambda a, b: int(a != b), old, acc))
                if truth(combine(lambda a, b: a == b, old, acc)):
                    put_d(frame, r)
                else:
                    acc_put(frame, old)

        return plain

    def _locked_exchange(self, op: str, where: Callable[[Frame], Any],
                         get_r: Callable[[Frame], Any],
                         put_r: Callable[[Frame, Any], None]) -> Step:
        acc = family("EAX")

        def locked(frame: Frame) -> None:
            if op == "XCHG":
                put_r(frame, k.xchg(where(frame), get_r(frame)))
            elif op == "XADD":
                put_r(frame, k.atomic_fetch_add(get_r(frame), where(frame)))
            else:
                expect = frame.regs.get(acc, 0)
                old = k.cmpxchg(where(frame), expect, get_r(frame))
                _set_flags(frame, combine(lambda a, b: int(a != b), old, expect))
                frame.regs[acc] = old

        return locked

    def _arith(self, instr: Instr, dst: Operand, src: Callable[[Frame], Any] | None,
               fn: Callable[..., Any]) -> Step:
        if isinstance(dst, Mem) and instr.lock:
            return self._locked_arith(instr, self.location(dst, instr), src)
        get, put = self.read(dst, instr), self.write(dst, instr)

        def apply(frame: Frame) -> None:
            args = (get(frame),) if src is None else (get(frame), src(frame))
            result = combine(fn, *args)
            put(frame, result)
            _set_flags(frame, result)

        return apply

    def _locked_arith(self, instr: Instr, where: Callable[[Frame], Any],
                      src: Callable[[Frame], Any] | None) -> Step:
        op = instr.op
        if op == "NEG":
            raise self.error("LOCK NEG is not supported", instr)
        fetch = _LOCKED.get(op) or {"INC": k.atomic_fetch_add, "DEC": k.atomic_fetch_sub,
                                    "NOT": k.atomic_fetch_xor}[op]
        fn = _ARITH.get(op) or {"INC": _ARITH["ADD"], "DEC": _ARITH["SUB"],
                                "NOT": _ARITH["XOR"]}[op]
        constant = {"INC": 1, "DEC": 1, "NOT": -1}.get(op, 0)

        def locked(frame: Frame) -> None:
            v = constant if src is None else src(frame)
            old = fetch(v, where(frame))
            _set_flags(frame, combine(fn, old, v))

        return locked


def _set_flags(frame: Frame, value: Any) -> None:
    frame.flags = value


def _loop_head(frame: Frame, loop: Loop, entering: bool) -> None:
    site, spin, written = loop
    if entering:
        loop_enter(site)
    # (the flags are not compared: a loop's compare sets them before its jump tests them)
    loop_head(site, tuple(frame.regs.get(r, 0) for r in written))
    frame.cpu.relaxed = spin or frame.cpu.relaxed


def _carries_state(body: tuple[Instr, ...]) -> bool:
    """Whether a loop body computes a register from a register the body writes."""
    written = set().union(*(_reg_writes(i) for i in body))
    return any(_reg_writes(i) and _reg_reads(i) & written for i in body)


def _reg_writes(instr: Instr) -> set[str]:
    ops = instr.intel_operands
    if instr.op in ("XCHG", "XADD"):
        return {family(o.name) for o in ops if isinstance(o, Reg)}
    if instr.op == "CMPXCHG":
        return {"A"}
    if instr.op in ("MOV", *_ARITH, *_UNARY) and ops and isinstance(ops[0], Reg):
        return {family(ops[0].name)}
    return set()


def _reg_reads(instr: Instr) -> set[str]:
    """Registers whose values an instruction uses (moved values, operands, addresses)."""
    ops = instr.intel_operands
    used = ops[1:] if instr.op == "MOV" else ops
    out = {family(o.name) for o in used if isinstance(o, Reg)}
    out |= {family(o.base) for o in ops if isinstance(o, Mem) and o.base}
    return out | ({"A"} if instr.op == "CMPXCHG" else set())
