"""herd's built-in functions and standard include files, written for smpcheck.

Built-ins (callable from any model): ``domain``, ``range``, ``map``, ``fold``,
``cross``, ``classes-loc`` / ``partition``, ``linearisations``,
``different-values``, ``same-values``, ``singlestep``, ``tag2instrs`` and
``coherence-orders``.  Library files, found after the user's search path:
``stdlib.cat`` (included before every model), ``cross.cat``, ``cos.cat``,
``cos-opt.cat`` (cos.cat after herd's ``ConsCo`` check) and ``x86fences.cat``.
Their text below is smpcheck's own, written from the meaning the herd7 manual
gives these names.

Names of the execution (the contract with whoever builds executions) are
listed in :data:`REQUIRED`, :data:`OPTIONAL` and :data:`DERIVED`; see the
package documentation for what each one must hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smpcheck.cat import batch as B
from smpcheck.cat import values as V
from smpcheck.cat.values import EMPTY, CatTypeError, Value
from smpcheck.graph.relation import Rel, bits

if TYPE_CHECKING:  # (the runtime the compiled closures read natively)
    from smpcheck.cat.evaluate import Runtime

# -- names of the execution ---------------------------------------------------

#: Names the execution must give (``loc`` may come as ``location``, ``int`` as ``thread``).
REQUIRED = frozenset({"R", "W", "IW", "po", "rf", "loc", "int"})

#: Names the execution may give; absent ones are empty (``co``: see cos.cat).
OPTIONAL = frozenset({
    "F", "FW", "B", "RMW", "LKR", "LKW", "UL", "LF", "RL", "RU",
    "MFENCE", "SFENCE", "LFENCE", "SRCU",
    "addr", "data", "ctrl", "rmw", "amo", "co",
})

#: Names computed from the others when absent: ``M = R | W``,
#: ``ext = ~int``, ``_`` all events, ``id``, ``emptyset``; ``RMW`` defaults to
#: the events of ``rmw``.
DERIVED = frozenset({"M", "ext", "_", "id", "emptyset"})

BASE_NAMES = REQUIRED | OPTIONAL | DERIVED


# -- built-in functions ---------------------------------------------------------


def _domain(rt: Runtime, r: Value) -> Value:
    if type(r) is B.BRel:
        return B.domain(r)
    return 0 if r is EMPTY else V.as_rel(r, rt.n).domain()


def _range(rt: Runtime, r: Value) -> Value:
    if type(r) is B.BRel:
        return B.range_of(r)
    return 0 if r is EMPTY else V.as_rel(r, rt.n).range()


def _map(rt: Runtime, fn: Value, s: Value) -> Value:
    return V.from_elements([rt.apply(fn, e) for e in V.elements(s, rt.n)], rt.n)


def _fold(rt: Runtime, fn: Value, arg: Value) -> Value:
    if type(arg) is not tuple or len(arg) != 2:
        raise CatTypeError("fold f takes a pair (set, initial value)")
    acc = arg[1]
    for e in V.elements(arg[0], rt.n):
        acc = rt.apply(fn, (e, acc))
    return acc


def _cross(rt: Runtime, s: Value) -> Value:
    """All unions picking one element from each set of ``s``; cross {} = {0}."""
    n = rt.n
    results: list[Value] = [EMPTY]
    for alternatives in V.elements(s, n):
        nxt: dict[Any, Value] = {}
        for a in V.elements(alternatives, n):
            for b in results:
                u = V.union(V.as_rel(a, n) if type(a) is V.Pair else a, b, n)
                nxt.setdefault(V.order_key(u), u)
        results = list(nxt.values())
    return frozenset(results) if results else EMPTY


def _classes_loc(rt: Runtime, s: Value) -> Value:
    """The partition of an event set by location."""
    todo = V.as_set(s)
    rows = rt.exe.loc.rows
    out = []
    while todo:
        low = todo & -todo
        cls = (rows[low.bit_length() - 1] | low) & todo
        out.append(cls)
        todo &= ~cls
    return frozenset(out) if out else EMPTY


def linearisations(n: int, events: int, order: Rel) -> list[Rel]:
    """All strict total orders of ``events`` that contain ``order`` (restricted to them)."""
    preds = {e: 0 for e in bits(events)}
    for a in bits(events):
        for b in bits(order.rows[a] & events):
            preds[b] |= 1 << a
    out: list[Rel] = []

    def extend(placed: int, seq: list[int]) -> None:
        if placed == events:
            rows = [0] * n
            later = 0
            for e in reversed(seq):
                rows[e] = later
                later |= 1 << e
            out.append(V.mk_rel(n, tuple(rows)))
            return
        for e in bits(events & ~placed):
            if preds[e] & ~placed == 0:
                seq.append(e)
                extend(placed | 1 << e, seq)
                seq.pop()

    extend(0, [])
    return out


def _linearisations(rt: Runtime, arg: Value) -> Value:
    if type(arg) is not tuple or len(arg) != 2:
        raise CatTypeError("linearisations takes (set, relation)")
    found = linearisations(rt.n, V.as_set(arg[0]), V.as_rel(arg[1], rt.n))
    return frozenset(found) if found else EMPTY


def _coherence_orders(rt: Runtime, arg: Value) -> Value:
    """Every co: per location, a total order of the writes extending co0."""
    if type(arg) is not tuple or len(arg) != 2:
        raise CatTypeError("coherence-orders takes (writes, co0)")
    n = rt.n
    order = V.as_rel(arg[1], n)
    classes = _classes_loc(rt, arg[0])
    per_loc = [frozenset(linearisations(n, w, order)) or EMPTY
               for w in V.elements(classes, n)]
    return _cross(rt, frozenset(per_loc) if per_loc else EMPTY)


def _values_filter(rt: Runtime, r: Value, same: bool) -> Value:
    rel = V.as_rel(r, rt.n)
    if not rel:
        return EMPTY
    if rt.batch_values is not None:
        return _values_filter_batch(rt.batch_values, rel, same)
    vals = rt.exe.values()
    if vals is None:
        raise CatTypeError("comparing values needs the execution's 'values' (one per event)")
    keep = [(a, b) for a, b in rel.pairs() if (vals[a] == vals[b]) == same]
    return Rel.from_pairs(rt.n, keep)


def _values_filter_batch(getters: list[Any], rel: Rel, same: bool) -> Value:
    """The pairs of ``rel`` whose ends hold equal (or different) values, per execution."""
    per_exe = [get() for get in getters]
    if any(vals is None for vals in per_exe):
        raise CatTypeError("comparing values needs the execution's 'values' (one per event)")
    rows: list[dict[int, int]] = [{} for _ in range(rel.n)]
    for a, b in rel.pairs():
        mask = sum(1 << e for e, vals in enumerate(per_exe) if (vals[a] == vals[b]) == same)
        if mask:
            rows[a][b] = mask
    return B.rel_of(rows, (1 << len(per_exe)) - 1, rel.n)


def _singlestep(rt: Runtime, r: Value) -> Value:
    """Pairs of ``r`` with no longer ``r``-path between them (immediate steps)."""
    n = rt.n
    return V.diff(r, V.seq(r, V.plus(r, n), n), n)


def _tag2instrs(rt: Runtime, tag: Value) -> Value:
    if type(tag) is not V.Tag:
        raise CatTypeError(f"tag2instrs takes a tag, got {V.a_kind(tag)}")
    return rt.exe.tag_set(tag.name)


def _builtin(name: str, fn: Callable[..., Value], arity: int = 1) -> tuple[str, V.Builtin]:
    return name, V.Builtin(name, fn, arity)


BUILTINS: dict[str, V.Builtin] = dict([
    _builtin("domain", _domain),
    _builtin("range", _range),
    _builtin("map", _map, 2),
    _builtin("fold", _fold, 2),
    _builtin("cross", _cross),
    _builtin("classes-loc", _classes_loc),
    _builtin("partition", _classes_loc),
    _builtin("linearisations", _linearisations),
    _builtin("coherence-orders", _coherence_orders),
    _builtin("different-values", lambda rt, r: _values_filter(rt, r, False)),
    _builtin("same-values", lambda rt, r: _values_filter(rt, r, True)),
    _builtin("singlestep", _singlestep),
    _builtin("tag2instrs", _tag2instrs),
])


# -- library files (smpcheck's own text) -----------------------------------------

STDLIB_CAT = """\
(* smpcheck stdlib.cat: run before every model. *)
let po-loc = po & loc
let rfe = rf & ext
let rfi = rf & int
(* events separated in program order by an event of B *)
let fencerel(B) = (po & (_ * B)) ; po
let ctrlcfence(CF) = (ctrl & (_ * CF)) ; po
(* what every coherence order contains: the initial write first, final writes last *)
let co0 = loc & ((IW * (W \\ IW)) | ((W \\ FW) * FW))
"""

CROSS_CAT = """\
(* smpcheck cross.cat: cross is a built-in function here. *)
"""

COS_CAT = """\
(* smpcheck cos.cat: the coherence order co and what derives from it.
   The explorer gives co in the execution: it is kept, restricted to the
   writes W holds at this point, and must contain co0.  When the execution
   gives no co, every coherence order extending co0 is tried in turn. *)
let co-choices = try { co & (W * W) } with coherence-orders(W, co0)
with co from co-choices
empty ([W] ; co0 ; [W]) \\ co as co-order
let coi = co & int
let coe = co & ext
let fr = rf^-1 ; co
let fri = fr & int
let fre = fr & ext
"""

COS_OPT_CAT = """\
(* smpcheck cos-opt.cat: cos.cat after a check that what the execution shows of
   each location's coherence order has no cycle: two writes in program order, a
   read of a write before a write in program order, a write before a read of
   another write, and two reads in program order of two writes.  Where every
   source is in W this is coherence itself; it also orders the sources outside
   W here, the unlocks lock.cat merges into co after this file, and an unlock
   matched to no lock, which never joins co (herd7 drops such an execution).
   The reads of spin_lock() (LKR) are left out: lock.cat gives them reads-from
   only after this file, and the execution here gives every read's. *)
let co-shown =
  let rf-now = rf \\ (_ * LKR) in
  let back = rf-now^-1 in
  (po-loc & (W * W))
  | (rf-now ; (po-loc & (R * W)))
  | (((po-loc & (W * R)) ; back) \\ id)
  | ((rf-now ; (po-loc & (R * R)) ; back) \\ id)
  | (rf-now & (W * (R & W)))
acyclic co-shown | co0 as ConsCo
include "cos.cat"
(* herd7 makes co from the orders that extend the transitive closure of what
   was shown: a path through a source outside W (an unlock) orders two writes
   too.  The execution gives co: one that does not is not among herd's. *)
empty ([W] ; (co-shown | co0)+ ; [W]) \\ co as co-shown-order
"""

X86FENCES_CAT = """\
(* smpcheck x86fences.cat: the x86 fence relations. *)
let mfence = fencerel(MFENCE)
let sfence = fencerel(SFENCE)
let lfence = fencerel(LFENCE)
"""

LIBRARY: dict[str, str] = {
    "stdlib.cat": STDLIB_CAT,
    "cross.cat": CROSS_CAT,
    "cos.cat": COS_CAT,
    "cos-opt.cat": COS_OPT_CAT,
    "x86fences.cat": X86FENCES_CAT,
}

__all__ = ["BUILTINS", "LIBRARY", "BASE_NAMES", "REQUIRED", "OPTIONAL", "DERIVED",
           "linearisations"]
