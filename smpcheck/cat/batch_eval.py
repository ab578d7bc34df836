"""Judging many executions in one run of a model (see :mod:`smpcheck.cat.batch`).

:func:`evaluate_batch` gives, for each execution, the :class:`CatResult` that
``evaluate(prog, exe, pin_to_execution(exe))`` gives, but runs the model once
per group of executions that share their events: base values that differ
between the group's executions are stacked into batched values, checks
record the mask of executions they fail in, and each ``with x from S`` is
pinned per execution as :func:`~smpcheck.cat.evaluate.pin_to_execution`
pins it.  Executions the run cannot slice (a value-dependent ``match`` or
``if``, a ``with`` whose choice is ambiguous) are judged one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from smpcheck.cat import batch as B
from smpcheck.cat import values as V
from smpcheck.cat.batched import NotBatchable
from smpcheck.cat.compiler import ROOT, WithStep
from smpcheck.cat.evaluate import (
    CatResult,
    Execution,
    Runtime,
    evaluate,
    missing_names,
    pin_to_execution,
)
from smpcheck.cat.program import Program
from smpcheck.cat.values import EMPTY, CatTypeError, Value
from smpcheck.errors import UsageError
from smpcheck.graph.relation import Rel, bits


class BatchRuntime(Runtime):
    """The state of one run over a batch: outcomes are masks of executions."""

    __slots__ = ("all", "alive", "fallback", "records", "batch_values")

    def __init__(self, g: list[Value], exe: Execution, all_: int,
                 values: list[Callable[[], Any]]) -> None:
        super().__init__(g, exe, False)
        self.all = all_
        self.alive = all_  # executions not yet rejected by a with, nor set aside
        self.fallback = 0  # executions to judge one at a time
        self.records: list[tuple[str, str, int, Value]] = []  # (kind, name, mask, witness)
        self.batch_values = values  # each execution's values(), called on first use

    def record(self, mode: str, name: str, ok: bool | int, negated: bool, v: Value) -> None:
        holds = (self.all if ok else 0) if type(ok) is bool else int(ok)
        if negated:
            holds = self.all & ~holds
        hit = holds if mode == "flag" else self.all & ~holds
        hit &= self.alive
        if hit:
            kind = {"check": "failed", "flag": "flags"}.get(mode, "undefined")
            self.records.append((kind, name, hit, v))

    def set_aside(self, mask: int, failure: str | None = None) -> None:
        """Stop evaluating the executions of ``mask``: rejected with ``failure``, or
        (None) to be judged one at a time."""
        mask &= self.alive
        if failure is None:
            self.fallback |= mask
        elif mask:
            self.records.append(("failed", failure, mask, EMPTY))
        self.alive &= ~mask
        self.stopped = not self.alive

    def result(self, e: int, names: dict[str, int]) -> CatResult:
        """Execution ``e``'s verdict."""
        lists: dict[str, list[str]] = {"failed": [], "flags": [], "undefined": []}
        witnesses: dict[str, Value] = {}
        for kind, name, mask, v in self.records:
            if mask >> e & 1:
                lists[kind].append(name)
                witnesses[name] = B.project(v, e)
        failed = lists["failed"]
        return CatResult(not failed, failed, lists["flags"], lists["undefined"], self.n,
                         witnesses, _Projected(self, e), names)


class _Projected(Sequence[Value]):
    """A batch run's slot values as one execution sees them (projected on demand; a
    deferred let nothing read computed first)."""

    def __init__(self, rt: BatchRuntime, e: int) -> None:
        self.rt = rt
        self.e = e

    def __getitem__(self, i: Any) -> Any:
        return B.project(self.rt.settle(i), self.e)

    def __len__(self) -> int:
        return len(self.rt.g)


def evaluate_batch(prog: Program, exes: Sequence[Execution]) -> list[CatResult]:
    """Each execution's verdict, with every ``with`` pinned to the execution's own
    rf and co (as :func:`~smpcheck.cat.evaluate.pin_to_execution`)."""
    results: list[CatResult | None] = [None] * len(exes)
    groups: dict[Any, list[int]] = {}
    shapes: dict[tuple[int, int], Any] = {}  # executions made by replacing() share these
    for k, exe in enumerate(exes):
        ids = (id(exe.tags), id(exe.loc))
        shape = shapes.get(ids)
        if shape is None:
            shape = shapes[ids] = _shape(exe)
        groups.setdefault((shape, frozenset(exe.base)), []).append(k)
    for members in groups.values():
        for k, res in zip(members, _group(prog, [exes[k] for k in members]), strict=True):
            results[k] = res
    return results  # type: ignore[return-value]


def _shape(exe: Execution) -> tuple[Any, ...]:
    """What executions of one run must share besides which base values they give:
    what the model reads other than the base values (which may differ)."""
    tags = tuple(sorted((k, int(v) if isinstance(v, int) else tuple(v))
                        for k, v in exe.tags.items()))
    return exe.n, exe.loc.rows, tags


def _one(prog: Program, exe: Execution) -> CatResult:
    return evaluate(prog, exe, resolver=pin_to_execution(exe))


def _group(prog: Program, exes: list[Execution]) -> list[CatResult]:
    if len(exes) == 1:
        return [_one(prog, exes[0])]
    first = exes[0]
    n = first.n
    g: list[Value] = [None] * len(prog.slot_names)
    bases = [exe.base for exe in exes]  # (Execution.get's dicts: a call less per value)
    stacked: dict[str, Value] = {}
    for name, slot in prog.base_slots.items():
        vals = [base.get(name) for base in bases]
        g[slot] = stacked[name] = None if vals[0] is None else B.stack(vals, n)
    missing_names(prog, g)
    rt = BatchRuntime(g, first, (1 << len(exes)) - 1, [exe.values for exe in exes])
    rt.defer_for(prog)
    try:
        _run(prog, rt, _target(first, exes, stacked))
    except NotBatchable:
        return [_one(prog, exe) for exe in exes]
    names = dict(prog.base_slots)
    names.update(prog.globals)
    return [_one(prog, exe) if rt.fallback >> e & 1 else rt.result(e, names)
            for e, exe in enumerate(exes)]


def _target(first: Execution, exes: list[Execution], stacked: dict[str, Value]
            ) -> tuple[Value, bool]:
    """What a ``with`` must fit in each execution (rf | co), and whether co is given;
    ``stacked``: the base values already stacked for the run (rf and co among them
    when the model reads them: a stack of a batch's rows each, not made twice)."""
    n = first.n

    def stack(name: str) -> Value:
        v = stacked.get(name)
        return v if v is not None else B.stack([exe.get(name) for exe in exes], n)

    rf = stack("rf")
    has_co = first.get("co") is not None
    if not has_co:
        return V.as_rel(rf, n) if type(rf) is not B.BRel else rf, False
    return V.union(rf, stack("co"), n), True


def _run(prog: Program, rt: BatchRuntime, target: tuple[Value, bool]) -> None:
    for st in prog.steps:
        if type(st) is WithStep:
            _with(rt, st, *target)
        else:
            st(rt, ROOT)  # type: ignore[operator]
        if rt.stopped:
            return


def _with(rt: BatchRuntime, st: WithStep, target: Value, has_co: bool) -> None:
    """Bind ``st.var`` to the alternative each execution's rf and co pin."""
    try:
        alts = V.elements(st.code(rt, ROOT), rt.n)
    except CatTypeError as exc:
        raise UsageError(f"with {st.var} from ...: {exc}", None, st.line) from None
    if not alts:
        rt.set_aside(rt.all, f"with {st.var}")
        return
    n, all_ = rt.n, rt.all
    fits = [B.within(a if type(a) is not V.Pair else V.as_rel(a, n), target, n, all_)
            if type(a) in (Rel, V.Pair, B.BRel) or a is EMPTY else 0 for a in alts]
    if len(alts) == 1:  # kept where it fits; elsewhere rejected, or tried all the same
        if has_co:
            rt.set_aside(all_ & ~fits[0], f"with {st.var}")
        rt.g[st.slot] = alts[0]
        return
    if any(type(a) is B.BRel for a in alts):
        raise NotBatchable("a with over alternatives that differ between executions")
    chosen: dict[int, int] = {}  # alternative -> executions choosing it
    for e in bits(rt.alive):
        pick = _pick([k for k, f in enumerate(fits) if f >> e & 1], alts, n)
        if pick is None:
            rt.set_aside(1 << e)
        elif pick < 0:
            rt.set_aside(1 << e, f"with {st.var}" if has_co else None)
        else:
            chosen[pick] = chosen.get(pick, 0) | 1 << e
    rt.g[st.slot] = _chosen_value(chosen, alts, n, all_)


def _pick(fitting: list[int], alts: list[Value], n: int) -> int | None:
    """pin_to_execution's choice among the alternatives that fit: the index, -1 when
    none fits, None when several fit and none contains the others (all are tried)."""
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        return -1
    rels = {k: V.as_rel(alts[k], n) for k in fitting}
    big = max(fitting, key=lambda k: sum(map(int.bit_count, rels[k].rows)))
    if all(V.is_empty(V.diff(rels[k], rels[big], n)) for k in fitting):
        return big
    return None


def _chosen_value(chosen: dict[int, int], alts: list[Value], n: int, all_: int) -> Value:
    """The batched value holding alternative k in the executions of ``chosen[k]``."""
    rows: list[dict[int, int]] = [{} for _ in range(n)]
    for k, mask in chosen.items():
        a = alts[k]
        if a is EMPTY:
            continue
        for i, row in enumerate(V.as_rel(a, n).rows):
            d = rows[i]
            for j in bits(row):
                d[j] = d.get(j, 0) | mask
    return B.rel_of(rows, all_, n)
