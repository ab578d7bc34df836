"""Run-time values of cat models and the operators over them.

* an event set is an ``int`` bit mask (bit i: event i), as in
  :mod:`smpcheck.graph.relation`; a relation is a :class:`~smpcheck.graph.relation.Rel`;
* :data:`EMPTY` is the untyped empty value of ``0`` and ``{}``: it acts as the
  empty set or the empty relation, whichever its context needs;
* :class:`Event` and :class:`Pair` are elements taken out of an event set or a
  relation (by ``match`` or ``map``); they are promoted back to a singleton
  set / relation where one is expected;
* :class:`Tag` is ``'name``; a Python ``tuple`` is a cat tuple; a
  ``frozenset`` is an explicit set of values (e.g. a set of relations);
* functions are :class:`Closure` (defined in cat) or :class:`Builtin`.

Operators raise :class:`CatTypeError`; the evaluator turns it into a
UsageError that names the file and line of the offending expression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import and_, or_
from typing import Any

from smpcheck.cat import batch as B
from smpcheck.cat.batched import EMPTY as EMPTY
from smpcheck.cat.batched import BRel, BSet, NotBatchable
from smpcheck.cat.batched import mk_rel as mk_rel
from smpcheck.graph.relation import Rel, bits
from smpcheck.records import record


class CatTypeError(Exception):
    """An operator applied to values of the wrong kind (or an undefined name)."""


@record
class Tag:
    """A tag value ``'name``."""

    name: str

    def __repr__(self) -> str:
        return "'" + self.name


@record
class Event:
    """One event, taken out of an event set."""

    index: int


@record
class Pair:
    """One pair of a relation, taken out of it."""

    src: int
    dst: int


class Builtin:
    """A primitive function; ``fn(rt, arg)``; curried when ``arity`` > 1 (the arguments
    given so far: ``bound``).  Never changed once made; compared by identity."""

    __slots__ = ("name", "fn", "arity", "bound")

    def __init__(self, name: str, fn: Callable[..., Any], arity: int = 1,
                 bound: tuple[Any, ...] = ()) -> None:
        self.name = name
        self.fn = fn
        self.arity = arity
        self.bound = bound

    def __repr__(self) -> str:
        return f"Builtin(name={self.name!r}, fn={self.fn!r}, arity={self.arity!r}, " \
            f"bound={self.bound!r})"


Value = Any  # int | Rel | _Empty | Tag | Event | Pair | tuple | frozenset | Closure | Builtin


def kind_of(v: Value) -> str:
    """A short name of the kind of ``v``, for error messages.

    Every type error names its operands' kinds through here, so one that meets a
    batched value (:mod:`smpcheck.cat.batch`) becomes NotBatchable: judged one
    execution at a time, the operation either works or raises the real error."""
    t = type(v)
    if t is BSet or t is BRel:
        raise NotBatchable("an operator on a value that differs between executions")
    if t is int:
        return "event set"
    if t is Rel:
        return "relation"
    if v is EMPTY:
        return "empty"
    if t is frozenset:
        return "set of values"
    return {Tag: "tag", Event: "event", Pair: "pair", tuple: "tuple"}.get(t, "function")


def as_set(v: Value) -> int:
    """``v`` as an event-set mask (events are promoted)."""
    t = type(v)
    if t is int:
        return int(v)
    if v is EMPTY:
        return 0
    if t is Event:
        return 1 << int(v.index)
    raise CatTypeError(f"expected an event set, got {a_kind(v)}")


def as_rel(v: Value, n: int) -> Rel:
    """``v`` as a relation (pairs are promoted, EMPTY becomes the empty relation)."""
    t = type(v)
    if t is Rel:
        rel: Rel = v
        return rel
    if v is EMPTY:
        return Rel(n)
    if t is Pair:
        rows = [0] * n
        rows[v.src] = 1 << v.dst
        return mk_rel(n, tuple(rows))
    raise CatTypeError(f"expected a relation, got {a_kind(v)}")


def _promote(v: Value, n: int) -> Value:
    t = type(v)
    if t is Event:
        return 1 << v.index
    if t is Pair:
        return as_rel(v, n)
    return v


def a_kind(v: Value) -> str:
    """``kind_of(v)`` with its article: "an event set", "a relation"."""
    kind = kind_of(v)
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _pair_kinds(a: Value, b: Value, n: int, op: str) -> tuple[Value, Value]:
    a = _promote(a, n)
    b = _promote(b, n)
    if type(a) is not type(b):
        raise CatTypeError(f"'{op}' between {a_kind(a)} and {a_kind(b)}")
    return a, b


def union(a: Value, b: Value, n: int) -> Value:
    """``a | b``."""
    if a is EMPTY:
        return b
    if b is EMPTY:
        return a
    ta = type(a)
    if ta is int and type(b) is int:
        return a | b
    if ta is Rel and type(b) is Rel:
        return mk_rel(n, tuple(map(or_, a.rows, b.rows)))
    if _batched(a, b):
        return _batch_op(a, b, n, "|", B.union)
    a, b = _pair_kinds(a, b, n, "|")
    if type(a) is frozenset:
        return a | b
    return union(a, b, n)


def inter(a: Value, b: Value, n: int) -> Value:
    """``a & b``."""
    if a is EMPTY or b is EMPTY:
        return EMPTY
    ta = type(a)
    if ta is int and type(b) is int:
        return a & b
    if ta is Rel and type(b) is Rel:
        rows = tuple(map(and_, a.rows, b.rows))
        return mk_rel(n, rows) if any(rows) else EMPTY
    if _batched(a, b):
        return _batch_op(a, b, n, "&", B.inter)
    a, b = _pair_kinds(a, b, n, "&")
    if type(a) is frozenset:
        return a & b
    return inter(a, b, n)


def diff(a: Value, b: Value, n: int) -> Value:
    """``a \\ b``."""
    if a is EMPTY or b is EMPTY:
        return a
    ta = type(a)
    if ta is int and type(b) is int:
        return a & ~b
    if ta is Rel and type(b) is Rel:
        rows = tuple([x & ~y for x, y in zip(a.rows, b.rows, strict=True)])
        return mk_rel(n, rows) if any(rows) else EMPTY
    if _batched(a, b):
        return _batch_op(a, b, n, "\\", B.diff)
    a, b = _pair_kinds(a, b, n, "\\")
    if type(a) is frozenset:
        return a - b
    return diff(a, b, n)


def seq(a: Value, b: Value, n: int) -> Value:
    """``a ; b`` on relations."""
    if a is EMPTY or b is EMPTY:
        return EMPTY
    if _batched(a, b):
        return B.seq(_rel_or_batch(a, n), _rel_or_batch(b, n), n)
    out = as_rel(a, n).seq(as_rel(b, n))
    return out if any(out.rows) else EMPTY


def restrict(r: Value, dom: Value, rng: Value, n: int) -> Value:
    """``[dom] ; r ; [rng]`` (None: that side unrestricted)."""
    if r is EMPTY or dom is EMPTY or rng is EMPTY:
        return EMPTY
    if type(r) is BRel or type(dom) is BSet or type(rng) is BSet:
        return B.restrict(_rel_or_batch(r, n), dom if dom is None else _set_or_batch(dom),
                          rng if rng is None else _set_or_batch(rng), n)
    out = as_rel(r, n).restrict(None if dom is None else as_set(dom),
                                None if rng is None else as_set(rng))
    return out if any(out.rows) else EMPTY


def product(a: Value, b: Value, n: int) -> Value:
    """``a * b``: the cartesian product of two event sets."""
    if a is EMPTY or b is EMPTY:
        return EMPTY
    if _batched(a, b):
        return B.product(_set_or_batch(a), _set_or_batch(b), n)
    left = as_set(a)
    right = as_set(b)
    if not left or not right:
        return EMPTY
    return mk_rel(n, tuple([right if left >> i & 1 else 0 for i in range(n)]))


def toid(a: Value, n: int) -> Value:
    """``[S]``: the identity on an event set."""
    if a is EMPTY:
        return EMPTY
    if type(a) is BSet:
        return B.toid(a, n)
    s = as_set(a)
    if not s:
        return EMPTY
    return mk_rel(n, tuple([(1 << i) & s for i in range(n)]))


def complement(a: Value, n: int) -> Value:
    """``~a`` for an event set or a relation."""
    full = (1 << n) - 1
    t = type(a)
    if t is int or t is Event:
        return full & ~as_set(a)
    if t is Rel or t is Pair:
        return mk_rel(n, tuple([full & ~r for r in as_rel(a, n).rows]))
    if t is BSet or t is BRel:
        return B.complement(a, n)
    raise CatTypeError(f"cannot complement {a_kind(a)}")


def plus(a: Value, n: int) -> Value:
    """``a+``: transitive closure."""
    if a is EMPTY:
        return EMPTY
    if type(a) is BRel:
        return B.plus(a, n)
    return as_rel(a, n).plus()  # (Rel's: compiled in the core)


def opt(a: Value, n: int) -> Value:
    """``a?``: reflexive closure."""
    if a is EMPTY:
        return mk_rel(n, tuple([1 << i for i in range(n)]))
    if type(a) is BRel:
        return B.opt(a, n)
    return as_rel(a, n).opt()


def star(a: Value, n: int) -> Value:
    """``a*``: reflexive-transitive closure."""
    return opt(plus(a, n), n)


def inverse(a: Value, n: int) -> Value:
    """``a^-1``."""
    if a is EMPTY:
        return EMPTY
    if type(a) is BRel:
        return B.inverse(a, n)
    return as_rel(a, n).inverse()  # (Rel's: compiled in the core)


def add(elem: Value, s: Value, n: int) -> Value:
    """``elem ++ s``: ``s`` with one more element."""
    te = type(elem)
    ts = type(s)
    if te is Event and (ts is int or s is EMPTY):
        return as_set(s) | (1 << elem.index)
    if te is Pair and (ts is Rel or s is EMPTY):
        return union(as_rel(elem, n), s, n)
    if te is Rel and ts is Rel:
        return union(elem, s, n)
    if s is EMPTY:
        return frozenset((elem,))
    if ts is frozenset:
        return s | {elem}
    raise CatTypeError(f"'++' adds an element to a set, not to {a_kind(s)}")


def is_empty(a: Value) -> bool:
    """Whether ``a`` is an empty set, relation or set of values."""
    t = type(a)
    if t is Rel:
        return not any(a.rows)
    if t is int or t is frozenset:
        return not a
    if a is EMPTY:
        return True
    raise CatTypeError(f"cannot test {a_kind(a)} for emptiness")  # NotBatchable if batched


def elements(v: Value, n: int) -> list[Value]:
    """The elements of a set, relation or set of values, in a stable order."""
    t = type(v)
    if v is EMPTY:
        return []
    if t is int:
        return [Event(i) for i in bits(v)]
    if t is Rel:
        return [Pair(a, b) for a, r in enumerate(v.rows) for b in bits(r)]
    if t is frozenset:
        return sorted(v, key=order_key)
    raise CatTypeError(f"expected a set, got {a_kind(v)}")


def from_elements(items: Iterable[Value], n: int) -> Value:
    """Build a set from values: events give an event set, pairs a relation."""
    items = list(items)
    if not items:
        return EMPTY
    if all(type(x) is Event for x in items):
        m = 0
        for x in items:
            m |= 1 << x.index
        return m
    if all(type(x) is Pair for x in items):
        rows = [0] * n
        for x in items:
            rows[x.src] |= 1 << x.dst
        return mk_rel(n, tuple(rows))
    return frozenset(items)


def same(a: Value, b: Value) -> bool:
    """Whether ``a`` and ``b`` are the same value in every execution (batched or not):
    batched values are lowered once uniform, so the forms are canonical."""
    if type(a) in B.BATCHED or type(b) in B.BATCHED:
        return type(a) is type(b) and bool(a == b)
    return equal(a, b)


def _batched(a: Value, b: Value) -> bool:
    return type(a) in B.BATCHED or type(b) in B.BATCHED


def _set_or_batch(v: Value) -> Value:
    return v if type(v) is BSet else as_set(v)


def _rel_or_batch(v: Value, n: int) -> Value:
    return v if type(v) is BRel else as_rel(v, n)


def _batch_op(a: Value, b: Value, n: int, op: str, on_rels: Callable[..., Value]) -> Value:
    """``a op b`` where one side is batched: sets with sets, relations with relations."""
    a, b = _promote(a, n), _promote(b, n)
    set_a = type(a) is int or type(a) is BSet
    set_b = type(b) is int or type(b) is BSet
    if set_a and set_b:
        return B.set_op(a, b, n, op)
    if not set_a and not set_b and type(a) in (Rel, BRel) and type(b) in (Rel, BRel):
        return on_rels(a, b, n)
    raise CatTypeError(f"'{op}' between {a_kind(a)} and {a_kind(b)}")


def order_key(v: Value) -> tuple[Any, ...]:
    """A sort key giving values a deterministic order."""
    t = type(v)
    if v is EMPTY:
        return (-1,)
    if t is int:
        return (0, v)
    if t is Rel:
        return (1, v.rows)
    if t is Tag:
        return (2, v.name)
    if t is Event:
        return (3, v.index)
    if t is Pair:
        return (4, v.src, v.dst)
    if t is tuple:
        return (5, tuple(order_key(x) for x in v))
    if t is frozenset:
        return (6, tuple(sorted(order_key(x) for x in v)))
    return (9, id(v))


def equal(a: Value, b: Value) -> bool:
    """Value equality where EMPTY equals any empty set or relation (a decision:
    NotBatchable on batched values; see :func:`same`)."""
    if type(a) in B.BATCHED or type(b) in B.BATCHED:
        raise NotBatchable("comparing values that differ between executions")
    if a is EMPTY or b is EMPTY:
        other = b if a is EMPTY else a
        try:
            return is_empty(other)
        except CatTypeError:
            return False
    return bool(a == b)
