"""Brute-force candidate executions of herd's X86 litmus tests (MOV, MFENCE, XCHG).

Test-only, like :mod:`tests.support.litmus_brute`: each thread is run once per
guess of its loads' values; the combiner adds every rf and co choice.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

from smpcheck.litmus import syntax as L
from tests.support.litmus_brute import Candidate, NeedValue, TEv, Trace, Unsupported, combine


def register(name: str) -> str:
    """One name per register whatever its width: EAX, eax, rax -> AX."""
    name = name.upper()
    if len(name) == 3 and name[0] in "ER" and not name[1].isdigit():
        return name[1:]
    return name


class Registers(dict[tuple[int, str], Any]):
    """Final registers, looked up by any spelling of the register."""

    def __missing__(self, key: tuple[int, str]) -> Any:
        return dict.__getitem__(self, (key[0], register(key[1])))


def _locations(test: L.X86Test) -> dict[str, Any]:
    init: dict[str, Any] = {}
    for th in test.threads:
        for ins in th.instrs:
            for op in ins.operands:
                if isinstance(op, L.Mem):
                    if op.symbol is None or op.offset:
                        raise Unsupported("indirect memory operand")
                    init.setdefault(op.symbol, 0)
    for entry in test.init:
        if entry.thread is None:
            v = entry.value
            init[entry.name] = v.value if isinstance(v, L.Num) else 0
    return init


def _run(thread: L.X86Thread, guesses: list[Any]) -> Trace:
    trace = Trace()
    regs: dict[str, Any] = {}
    used = 0

    def guess() -> Any:
        nonlocal used
        if used == len(guesses):
            raise NeedValue
        used += 1
        return guesses[used - 1]

    def value(op: L.Operand) -> Any:
        if isinstance(op, L.Imm):
            return op.value
        if isinstance(op, L.Reg):
            return regs.get(register(op.name), 0)
        raise Unsupported(str(op))

    for ins in thread.instrs:
        ops = ins.intel_operands
        if ins.op == "MFENCE":
            trace.events.append(TEv("F", None, None, ("MFENCE",)))
        elif ins.op == "MOV" and isinstance(ops[0], L.Mem):
            trace.events.append(TEv("W", ops[0].symbol, value(ops[1]), ()))
        elif ins.op == "MOV" and isinstance(ops[0], L.Reg) and isinstance(ops[1], L.Mem):
            v = guess()
            trace.events.append(TEv("R", ops[1].symbol, v, ()))
            regs[register(ops[0].name)] = v
        elif ins.op == "MOV" and isinstance(ops[0], L.Reg):
            regs[register(ops[0].name)] = value(ops[1])
        elif ins.op == "XCHG" and isinstance(ops[0], L.Mem) and isinstance(ops[1], L.Reg):
            old = guess()
            trace.events.append(TEv("R", ops[0].symbol, old, ()))
            trace.events.append(TEv("W", ops[0].symbol, value(ops[1]), (), rmw=True))
            regs[register(ops[1].name)] = old
        else:
            raise Unsupported(ins.op)
    trace.regs = regs
    return trace


def _traces(thread: L.X86Thread, domain: list[Any]) -> list[Trace]:
    out: list[Trace] = []
    stack: list[list[Any]] = [[]]
    while stack:
        guesses = stack.pop()
        try:
            out.append(_run(thread, guesses))
        except NeedValue:
            stack.extend(guesses + [v] for v in domain)
    return out


def x86_candidates(test: L.X86Test) -> Iterator[Candidate]:
    """Every herd-style candidate execution of an X86 test."""
    init = _locations(test)
    consts = {0} | set(init.values()) | {
        op.value for th in test.threads for ins in th.instrs for op in ins.operands
        if isinstance(op, L.Imm)}
    per_thread = [_traces(th, sorted(consts)) for th in test.threads]
    for traces in product(*per_thread):
        for cand in combine(list(traces), init):
            cand.regs = Registers(cand.regs)
            yield cand
