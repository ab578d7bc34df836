"""Bit-sliced cat values: one value standing for a whole batch of executions.

Executions with the same events (the same n, event classes, po, tags,
locations and dependencies) differ only in rf, co and what follows from them.
A batch of B such executions is judged by one run of the model: a set that
differs between them is one mask per event (:class:`BSet`), a relation one
mask per pair (:class:`BRel`), bit e of a mask saying whether the element is
there in execution e.  Every operator of cat is pointwise in the executions,
so it is computed on the masks -- union is OR, intersection AND, ``a ; b``
the OR over middle events of ANDs -- and the run costs about what one
execution costs.  A value that is the same in every execution stays an
ordinary ``int`` set or :class:`~smpcheck.graph.relation.Rel` (results are lowered
back as soon as they are uniform), so the part of the model that depends
only on the events is computed as for one execution.

What cannot be sliced -- control that depends on such a value (``match``,
``if``, ``map`` over a set that differs between executions) -- raises
:class:`NotBatchable`, and the caller judges those executions one at a time.
Masks never hold 0 in a relation's row: absent pairs are absent keys.
"""

from __future__ import annotations

from typing import Any

from smpcheck.cat.batched import BATCHED as BATCHED
from smpcheck.cat.batched import EMPTY, Rows, mk_rel
from smpcheck.cat.batched import BRel as BRel
from smpcheck.cat.batched import BSet as BSet
from smpcheck.graph.relation import Rel, bits


def _mk_rel(n: int, rows: list[int]) -> Any:
    return mk_rel(n, tuple(rows)) if any(rows) else EMPTY


# -- between scalar and batched --------------------------------------------------

def set_of(m: tuple[int, ...] | list[int], all_: int) -> Any:
    """The set with masks ``m``: an ``int`` when it is the same in every execution."""
    s = 0
    for i, x in enumerate(m):
        if x == all_:
            s |= 1 << i
        elif x:
            return BSet(tuple(m), all_)
    return s


def rel_of(rows: Rows, all_: int, n: int) -> Any:
    """The relation with rows ``rows``: a Rel (or EMPTY) when the same everywhere."""
    out = []
    for r in rows:
        acc = 0
        for j, m in r.items():
            if m != all_:
                return BRel(tuple(rows), all_)
            acc |= 1 << j
        out.append(acc)
    return _mk_rel(n, out)


def set_masks(v: Any, n: int, all_: int) -> tuple[int, ...]:
    """A set's masks (an ``int`` set is there in every execution)."""
    if type(v) is BSet:
        return v.m
    return tuple([all_ if v >> i & 1 else 0 for i in range(n)])


def rel_rows(v: Any, all_: int) -> tuple[dict[int, int], ...]:
    """A relation's rows of masks (a Rel is there in every execution)."""
    if type(v) is BRel:
        return v.rows
    return tuple([{j: all_ for j in bits(r)} if r else {} for r in v.rows])


def project(v: Any, e: int) -> Any:
    """What a (possibly batched) value is in execution ``e`` of its batch."""
    t = type(v)
    if t is BSet:
        return sum(1 << i for i, x in enumerate(v.m) if x >> e & 1)
    if t is BRel:
        return _mk_rel(len(v.rows), [sum(1 << j for j, x in r.items() if x >> e & 1)
                                     for r in v.rows])
    if t is tuple:
        return tuple(project(x, e) for x in v)
    if t is frozenset:
        return frozenset(project(x, e) for x in v)
    return v


def stack(values: list[Any], n: int) -> Any:
    """One value for a batch whose execution e has ``values[e]`` (sets or relations)."""
    first = values[0]
    if all(v is first or v == first for v in values):
        return first
    all_ = (1 << len(values)) - 1
    if type(first) is int:
        m = [0] * n
        for e, s in enumerate(values):
            for i in bits(s):
                m[i] |= 1 << e
        return set_of(m, all_)
    rows: Rows = []
    for col in zip(*[r.rows for r in values], strict=True):  # row i in every execution
        first_row = col[0]
        if col.count(first_row) == len(col):
            rows.append({j: all_ for j in bits(first_row)})
            continue
        d: dict[int, int] = {}
        for row in set(col):
            if row:
                mask = _mask_where(col, row)
                for j in bits(row):
                    d[j] = d.get(j, 0) | mask
        rows.append(d)
    return rel_of(rows, all_, n)


def _mask_where(col: tuple[int, ...], value: int) -> int:
    """The executions e where ``col[e] == value`` (one string pass: far cheaper than
    OR-ing thousands of wide one-bit masks)."""
    return int("".join(["1" if x == value else "0" for x in reversed(col)]), 2)


# -- set and relation operators (one operand at least batched) ---------------------

def _all(a: Any, b: Any) -> int:
    return int(a.all if type(a) in BATCHED else b.all)


def set_op(a: Any, b: Any, n: int, op: str) -> Any:
    """``a | b``, ``a & b`` or ``a \\ b`` on sets."""
    all_ = _all(a, b)
    ma, mb = set_masks(a, n, all_), set_masks(b, n, all_)
    if op == "|":
        m = [x | y for x, y in zip(ma, mb, strict=True)]
    elif op == "&":
        m = [x & y for x, y in zip(ma, mb, strict=True)]
    else:
        m = [x & ~y for x, y in zip(ma, mb, strict=True)]
    return set_of(m, all_)


def union(a: Any, b: Any, n: int) -> Any:
    """``a | b`` on relations."""
    if type(a) is not BRel:
        a, b = b, a
    all_ = a.all
    rows = [dict(r) for r in a.rows]
    if type(b) is BRel:
        for r, rb in zip(rows, b.rows, strict=True):
            for j, m in rb.items():
                r[j] = r.get(j, 0) | m
    else:
        for r, row in zip(rows, b.rows, strict=True):
            for j in bits(row):
                r[j] = all_
    return rel_of(rows, all_, n)


def inter(a: Any, b: Any, n: int) -> Any:
    """``a & b`` on relations."""
    if type(a) is not BRel:
        a, b = b, a
    rows: Rows = []
    if type(b) is BRel:
        for ra, rb in zip(a.rows, b.rows, strict=True):
            if len(rb) < len(ra):
                ra, rb = rb, ra
            d = {}
            for j, m in ra.items():
                x = rb.get(j, 0) & m
                if x:
                    d[j] = x
            rows.append(d)
    else:
        rows = [{j: m for j, m in ra.items() if row >> j & 1} if row else {}
                for ra, row in zip(a.rows, b.rows, strict=True)]
    return rel_of(rows, a.all, n)


def diff(a: Any, b: Any, n: int) -> Any:
    """``a \\ b`` on relations."""
    all_ = _all(a, b)
    rows: Rows = []
    if type(b) is not BRel:
        rows = [{j: m for j, m in ra.items() if not row >> j & 1}
                for ra, row in zip(a.rows, b.rows, strict=True)]
    else:
        for ra, rb in zip(rel_rows(a, all_), b.rows, strict=True):
            d = {}
            for j, m in ra.items():
                x = m & ~rb.get(j, 0)
                if x:
                    d[j] = x
            rows.append(d)
    return rel_of(rows, all_, n)


def seq(a: Any, b: Any, n: int) -> Any:
    """``a ; b``."""
    if type(b) is not BRel:
        out = [_seq_uniform_right(ra, b.rows) for ra in a.rows]
    elif type(a) is not BRel:
        out = [_seq_uniform_left(row, b.rows) for row in a.rows]
    else:
        out = [_seq_batched(ra, b.rows) for ra in a.rows]
    return rel_of(out, _all(a, b), n)


def _seq_uniform_right(ra: dict[int, int], brows: Any) -> dict[int, int]:
    """A row of ``a ; b`` when only ``a`` differs between executions."""
    by_mask: dict[int, int] = {}  # executions -> successors they reach
    for k, m in ra.items():
        if brows[k]:
            by_mask[m] = by_mask.get(m, 0) | brows[k]
    return _spread(by_mask)


def _seq_uniform_left(row: int, brows: Any) -> dict[int, int]:
    """A row of ``a ; b`` when only ``b`` differs between executions."""
    d: dict[int, int] = {}
    for k in bits(row):
        for j, x in brows[k].items():
            d[j] = d.get(j, 0) | x
    return d


def _seq_batched(ra: dict[int, int], brows: Any) -> dict[int, int]:
    """A row of ``a ; b`` when both differ between executions."""
    d: dict[int, int] = {}
    for k, m in ra.items():
        for j, x in brows[k].items():
            x &= m
            if x:
                d[j] = d.get(j, 0) | x
    return d


def _spread(by_mask: dict[int, int]) -> dict[int, int]:
    d: dict[int, int] = {}
    for m, succ in by_mask.items():
        for j in bits(succ):
            d[j] = d.get(j, 0) | m
    return d


def restrict(r: Any, dom: Any, rng: Any, n: int) -> Any:
    """``[dom] ; r ; [rng]`` (None: no restriction on that side)."""
    all_ = _all(r, dom if type(dom) is BSet else rng)
    rows = [dict(x) for x in rel_rows(r, all_)]
    if dom is not None:
        dm = set_masks(dom, n, all_)
        for i, d in enumerate(rows):
            mi = dm[i]
            if mi != all_:
                rows[i] = {j: y for j, x in d.items() if (y := x & mi)}
    if rng is not None:
        rm = set_masks(rng, n, all_)
        rows = [{j: y for j, x in d.items() if (y := x & rm[j])} for d in rows]
    return rel_of(rows, all_, n)


def toid(s: BSet, n: int) -> Any:
    """``[S]``."""
    return rel_of([{i: x} if x else {} for i, x in enumerate(s.m)], s.all, n)


def product(a: Any, b: Any, n: int) -> Any:
    """``a * b`` of two sets."""
    all_ = _all(a, b)
    ma, mb = set_masks(a, n, all_), set_masks(b, n, all_)
    return rel_of([{j: y for j, x in enumerate(mb) if (y := x & mi)} if mi else {}
                   for mi in ma], all_, n)


def complement(a: Any, n: int) -> Any:
    """``~a``."""
    all_ = a.all
    if type(a) is BSet:
        return set_of([all_ & ~x for x in a.m], all_)
    return rel_of([{j: y for j in range(n) if (y := all_ & ~r.get(j, 0))} for r in a.rows],
                  all_, n)


def inverse(a: BRel, n: int) -> Any:
    """``a^-1``."""
    rows: Rows = [{} for _ in range(n)]
    for i, r in enumerate(a.rows):
        for j, m in r.items():
            rows[j][i] = m
    return rel_of(rows, a.all, n)


def plus(a: BRel, n: int) -> Any:
    """``a+``: Warshall's algorithm, on masks."""
    rows = [dict(r) for r in a.rows]
    for k in range(n):
        items = list(rows[k].items())
        if not items:
            continue
        for ri in rows:
            m = ri.get(k)
            if m is None:
                continue
            for j, x in items:
                x &= m
                if x:
                    y = ri.get(j, 0)
                    if x & ~y:
                        ri[j] = y | x
    return rel_of(rows, a.all, n)


def opt(a: BRel, n: int) -> Any:
    """``a?``."""
    rows = [dict(r) for r in a.rows]
    for i, r in enumerate(rows):
        r[i] = a.all
    return rel_of(rows, a.all, n)


def domain(a: BRel) -> Any:
    """The executions where each event has a successor."""
    m = []
    for r in a.rows:
        acc = 0
        for x in r.values():
            acc |= x
        m.append(acc)
    return set_of(m, a.all)


def range_of(a: BRel) -> Any:
    """The executions where each event has a predecessor."""
    m = [0] * len(a.rows)
    for r in a.rows:
        for j, x in r.items():
            m[j] |= x
    return set_of(m, a.all)


# -- checks: the executions where a test holds ------------------------------------

def nonempty(a: Any) -> int:
    """The executions where ``a`` is not empty."""
    acc = 0
    if type(a) is BSet:
        for x in a.m:
            acc |= x
        return acc
    for r in a.rows:
        for x in r.values():
            acc |= x
    return acc


def reflexive(a: BRel) -> int:
    """The executions where some event is related to itself."""
    acc = 0
    for i, r in enumerate(a.rows):
        acc |= r.get(i, 0)
    return acc


def cyclic(a: BRel, n: int) -> int:
    """The executions where ``a`` has a cycle."""
    closed = plus(a, n)
    if type(closed) is BRel:
        return reflexive(closed)
    from smpcheck.graph.relation import find_cycle

    if type(closed) is Rel and find_cycle(closed) is not None:
        return int(a.all)
    return 0


def within(a: Any, target: Any, n: int, all_: int) -> int:
    """The executions where relation ``a`` (or EMPTY) is contained in ``target``."""
    ok = all_
    if not isinstance(a, BATCHED + (Rel,)):
        return ok
    arows = rel_rows(a, all_)
    trows = rel_rows(target, all_)
    for ra, rt in zip(arows, trows, strict=True):
        for j, m in ra.items():
            ok &= ~m | rt.get(j, 0)
            if not ok:
                return 0
    return ok
