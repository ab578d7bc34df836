"""A ``.def`` macro file as the functions a C litmus test may call (herd mode).

herd reads the C macros of a litmus test from the ``-macros`` file
(``linux-kernel.def``): each macro is a body of primitives with herd tags,
``xchg_relaxed(X,V) __xchg{ONCE}(X,V)``.  :func:`def_macros` turns such a
file's table (:func:`smpcheck.cat.read_defs`) into the
:class:`~smpcheck.litmus.c_macros.Macro` table the C translator uses, so that
a test's events carry exactly the tags the def file gives, and a macro the
file lacks is unknown.  The primitives are herd's:

``__load{T}(L)``, ``__store{T}(L,V)``
    a read / write of the lvalue ``L`` (``X`` for ``READ_ONCE(*x)``; ``*X``
    when the macro takes a pointer), tagged ``T``.
``__fence{T}``
    a fence tagged ``T`` (``MB``, ``rmb``, ``rcu-lock``, ``sync-rcu``...).
``__xchg{T}(P,V)``, ``__cmpxchg{T}(P,V,W)``, ``__atomic_op{T}(P,op,V)``,
``__atomic_op_return{T}(P,op,V)`` (new value), ``__atomic_fetch_op{T}(P,op,V)``
(old value), ``__atomic_add_unless{T}(P,V,W)``
    read-modify-writes of ``*P`` tagged ``T`` (and RMW); a failed cmpxchg or
    add_unless is a lone read with the same tags.
``__lock(P)``, ``__unlock(P)``, ``__trylock(P)``, ``__islocked(P)``
    spinlock events (LKR/LKW, UL, LF, RL/RU), as herd's engine makes them.
``__srcu{T}(P)``
    synchronize_srcu: an event of ``*P``'s location tagged ``T``.

An argument's role (lvalue, pointer or value) is read off the body, e.g.
``READ_ONCE(X) __load{ONCE}(X)`` takes ``*x`` and ``smp_load_acquire(X)
__load{ACQUIRE}(*X)`` takes ``x``.  ``cpu_relax()``, which the def file does
not define, stays available: it marks spin-wait loops.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable
from typing import Any

from smpcheck.cat import defs as D
from smpcheck.errors import UsageError
from smpcheck.kernel.atomic import andnot
from smpcheck.kernel.lowlevel import (
    BLOCK,
    Op,
    add_control_deps,
    add_unless_rmw,
    cmpxchg_rmw,
    fence,
    issue,
    load,
    rmw,
    store,
    where,
    xchg_rmw,
)
from smpcheck.kernel.processor import cpu_relax
from smpcheck.litmus.c_macros import Macro, MacroTable, Writes, spin_unlock
from smpcheck.litmus.translate_ops import BINARY, combine
from smpcheck.model.values import deps_of, raw

__smp_engine__ = True

#: Primitives whose first argument is an lvalue (the others take a pointer).
_LKR, _LKW, _LF = frozenset({"LKR"}), frozenset({"LKW"}), frozenset({"LF"})
_LVALUE_FIRST = frozenset({"__load", "__store"})
_POINTER_FIRST = frozenset({"__xchg", "__cmpxchg", "__atomic_op", "__atomic_op_return",
                            "__atomic_fetch_op", "__atomic_add_unless", "__lock", "__unlock",
                            "__trylock", "__islocked", "__srcu"})
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": BINARY["+"], "-": BINARY["-"], "&": BINARY["&"], "|": BINARY["|"],
    "^": BINARY["^"], "&~": andnot, "*": BINARY["*"],
}


def def_macros(table: dict[str, D.MacroDef], path: str | None = None) -> MacroTable:
    """The callable macros of a def file's table (see the module docstring)."""
    out: dict[str, Macro] = {}
    for name in table:
        try:
            mdef = D.expand_macro(table, name)
            prims = _prims(mdef.body)
            roles = "".join(_role(p, mdef, prims) for p in mdef.params)
            fn = _compile(mdef)
        except UsageError as exc:
            raise UsageError(exc.message, path, table[name].line) from None
        out[name] = Macro(name, fn, roles, not mdef.block, _writes(mdef, prims, roles))
    out.setdefault("cpu_relax", Macro("cpu_relax", cpu_relax, "", False))
    return MacroTable(out, os.path.basename(path) if path else "the macro file")


# -- roles --------------------------------------------------------------------------


def _role(param: str, mdef: D.MacroDef, prims: list[D.DPrim]) -> str:
    """How macro ``mdef`` uses ``param`` ("l" a location, "p" a pointer, "v" a value),
    from the primitives its body calls (``prims``)."""
    roles = set()
    for prim in prims:
        args = prim.args or ()
        if not args:
            continue
        first = args[0]
        if prim.name in _LVALUE_FIRST:
            if _is_param(first, param):
                roles.add("l")
            elif type(first) is D.DDeref and _is_param(first.arg, param):
                roles.add("p")
        elif prim.name in _POINTER_FIRST and _is_param(first, param):
            roles.add("p")
    if len(roles) > 1:
        raise UsageError(f"macro {mdef.name}: parameter {param} is used both as a location "
                         "and as a pointer")
    return roles.pop() if roles else "v"


def _writes(mdef: D.MacroDef, prims: list[D.DPrim], roles: str) -> Writes | None:
    """What a macro's primitives write that its call does not show
    (:class:`~smpcheck.litmus.c_macros.Macro`): a lock's 1 (not an unlock's 0: see
    c_macros._writes), an atomic operation's result (``__atomic_op(X,-,V)``: the old
    value less the call's V)."""
    values = [p for p, role in zip(mdef.params, roles, strict=True) if role == "v"]
    for prim in prims:
        if prim.name in ("__lock", "__trylock"):
            return lambda _old, _vals: 1
        args = prim.args or ()
        if prim.name == "__atomic_add_unless":
            args = (args[0], D.DOp("+"), *args[1:])
        if prim.name in _ARITH and len(args) >= 3 and type(args[1]) is D.DOp \
                and args[1].symbol in _OPS:
            return _step(_OPS[args[1].symbol], args[2], values)
    return None


_ARITH = frozenset({"__atomic_op", "__atomic_op_return", "__atomic_fetch_op",
                    "__atomic_add_unless"})


def _step(op: Callable[[Any, Any], Any], operand: D.DExpr, values: list[str]
          ) -> Writes | None:
    """``op`` of the old value and ``operand``: a constant, or the value parameter it
    names (its place among ``values``)."""
    if type(operand) is D.DInt:
        c = operand.value
        return lambda old, _vals: op(old, c)
    if type(operand) is D.DParam and operand.name in values:
        i = values.index(operand.name)
        return lambda old, vals: op(old, vals[i])
    return None


def _is_param(e: D.DExpr, param: str) -> bool:
    """``e == D.DParam(param)``, without making the record (a few hundred times a file)."""
    return type(e) is D.DParam and e.name == param


def _prims(body: tuple[D.DExpr, ...]) -> list[D.DPrim]:
    out: list[D.DPrim] = []
    for e in body:
        D._collect(e, out)
    return out


# -- evaluation: each macro body compiled once into closures over the call's arguments --

Args = tuple[Any, ...]
Code = Callable[[Args], Any]


def _compile(mdef: D.MacroDef) -> Callable[..., Any]:
    for prim in _prims(mdef.body):
        if prim.name not in _PRIMITIVES:
            known = ", ".join(sorted(_PRIMITIVES))
            raise UsageError(f"macro {mdef.name}: unknown primitive {prim.name} "
                             f"(known: {known})")
    params, name = mdef.params, mdef.name
    steps = [_code(stmt, params, name) for stmt in mdef.body]

    def call(*args: Any) -> Any:
        if len(args) != len(params):
            raise ValueError(f"{name} takes {len(params)} arguments, given {len(args)}")
        result: Any = None
        for step in steps:
            result = step(args)
        return result

    call.__name__ = name
    return call


def _fails(make: Callable[[], BaseException]) -> Code:
    """Code raising what ``make`` makes: an error found while compiling is raised, as
    before compiling, only when (and each time) the macro runs."""
    def fail(args: Args) -> Any:
        raise make()

    return fail


def _code(e: D.DExpr, params: tuple[str, ...], name: str) -> Code:
    if isinstance(e, D.DParam):
        if e.name not in params:
            return _fails(lambda: KeyError(e.name))
        last = len(params) - 1 - params[::-1].index(e.name)  # (a repeated name: the last)
        return operator.itemgetter(last)
    if isinstance(e, D.DInt):
        value = e.value
        return lambda args: value
    if isinstance(e, D.DPrim):
        try:
            return _PRIMITIVES[e.name](e, params, name)
        except UsageError as exc:
            message = exc.message
            return _fails(lambda: UsageError(message))
    if isinstance(e, D.DCompare):
        if e.op not in BINARY:
            return _fails(lambda: KeyError(e.op))
        fn, left, right = BINARY[e.op], _code(e.left, params, name), _code(e.right, params, name)
        return lambda args: combine(fn, left(args), right(args))
    if isinstance(e, D.DDeref):
        arg = _code(e.arg, params, name)
        return lambda args: load(arg(args), frozenset(), name)
    return _fails(lambda: UsageError(f"macro {name}: cannot evaluate {e}"))


def _lvalue(e: D.DExpr, params: tuple[str, ...], name: str) -> Code:
    """The pointer an lvalue argument designates (``X`` passed as ``*x``; ``*X``)."""
    return _code(e.arg if isinstance(e, D.DDeref) else e, params, name)


def _args(p: D.DPrim, count: int, name: str) -> tuple[D.DExpr, ...]:
    args = p.args or ()
    if len(args) != count:
        raise UsageError(f"macro {name}: {p.name} takes {count} arguments, found {len(args)}")
    return args


def _operands(p: D.DPrim, count: int, params: tuple[str, ...], name: str) -> list[Code]:
    return [_code(a, params, name) for a in _args(p, count, name)]


Params = tuple[str, ...]


def _p_load(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _args(p, 1, name)
    at, tags = _lvalue(x, params, name), frozenset(p.tags)
    return lambda args: load(at(args), tags, name)


def _p_store(p: D.DPrim, params: Params, name: str) -> Code:
    x, v = _args(p, 2, name)
    at, value, tags = _lvalue(x, params, name), _code(v, params, name), frozenset(p.tags)

    def run(args: Args) -> None:
        where_ = at(args)
        store(where_, value(args), tags, name)

    return run


def _p_fence(p: D.DPrim, params: Params, name: str) -> Code:
    tags = p.tags or ("barrier",)

    def run(args: Args) -> None:
        for tag in tags:
            fence(tag, name)

    return run


def _p_xchg(p: D.DPrim, params: Params, name: str) -> Code:
    x, v = _operands(p, 2, params, name)
    tags = frozenset(p.tags)

    def run(args: Args) -> Any:
        return xchg_rmw(x(args), v(args), tags, name)

    return run


def _p_cmpxchg(p: D.DPrim, params: Params, name: str) -> Code:
    x, v, w = _operands(p, 3, params, name)
    tags = frozenset(p.tags)

    def run(args: Args) -> Any:
        return cmpxchg_rmw(x(args), v(args), w(args), tags, name)

    return run


def _op_of(e: D.DExpr, name: str) -> Callable[[Any, Any], Any]:
    if not isinstance(e, D.DOp) or e.symbol not in _OPS:
        raise UsageError(f"macro {name}: expected an operator ({' '.join(_OPS)}), found {e}")
    return _OPS[e.symbol]


def _atomic(p: D.DPrim, params: Params, name: str
            ) -> tuple[Callable[[Args], tuple[Any, Any]], Callable[[Any, Any], Any]]:
    """An atomic op's code, giving the old value and the amount, and its operator."""
    x, op, v = _args(p, 3, name)
    fn = _op_of(op, name)
    at, amount_of, tags = _code(x, params, name), _code(v, params, name), frozenset(p.tags)

    def run(args: Args) -> tuple[Any, Any]:
        amount = amount_of(args)
        return rmw(at(args), lambda o: fn(o, raw(amount)), tags, name, (amount,)), amount

    return run, fn


def _p_atomic_op(p: D.DPrim, params: Params, name: str) -> Code:
    run, _ = _atomic(p, params, name)

    def op(args: Args) -> None:
        run(args)

    return op


def _p_atomic_op_return(p: D.DPrim, params: Params, name: str) -> Code:
    run, fn = _atomic(p, params, name)

    def op(args: Args) -> Any:
        old, amount = run(args)
        return combine(fn, old, amount)

    return op


def _p_atomic_fetch_op(p: D.DPrim, params: Params, name: str) -> Code:
    run, _ = _atomic(p, params, name)
    return lambda args: run(args)[0]


def _p_add_unless(p: D.DPrim, params: Params, name: str) -> Code:
    x, v, w = _operands(p, 3, params, name)
    tags = frozenset(p.tags)

    def run(args: Args) -> Any:
        amount, unless = v(args), w(args)
        old = add_unless_rmw(x(args), amount, unless, tags, name)
        return combine(lambda o, b: int(o != b), old, unless)

    return run


def _lock_rmw(x: Any, name: str, update: Callable[[Any], Any]) -> Any:
    """spin_lock's and spin_trylock's RMW on the lock ``x`` (LKR / LKW, LF if it fails)."""
    loc, deps = where(x)
    return issue(Op("RMW", loc=loc, tags=_LKR, wtags=_LKW, ftags=_LF, addr=deps,
                    update=update, text=f"{name}({loc})"))


def _p_lock(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _operands(p, 1, params, name)

    def run(args: Args) -> None:
        old = _lock_rmw(x(args), name, lambda o: 1 if o == 0 else BLOCK)
        add_control_deps(deps_of(old))

    return run


def _p_unlock(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _operands(p, 1, params, name)

    def run(args: Args) -> None:
        spin_unlock(x(args), name)

    return run


def _p_trylock(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _operands(p, 1, params, name)

    def run(args: Args) -> Any:
        old = _lock_rmw(x(args), name, lambda o: 1 if o == 0 else None)
        return combine(lambda o: int(o == 0), old)

    return run


def _p_islocked(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _operands(p, 1, params, name)

    def run(args: Args) -> Any:
        loc, deps = where(x(args))
        old = issue(Op("R", loc=loc, addr=deps, text=f"{name}({loc})",
                       vtags=lambda v: frozenset({"RL" if v else "RU"})))
        return combine(lambda o: int(o != 0), old)

    return run


def _p_srcu(p: D.DPrim, params: Params, name: str) -> Code:
    (x,) = _operands(p, 1, params, name)
    tags = frozenset(p.tags)

    def run(args: Args) -> None:
        loc, deps = where(x(args))
        issue(Op("F", loc=loc, tags=tags, addr=deps, text=f"{name}({loc})"))

    return run


_PRIMITIVES: dict[str, Callable[[D.DPrim, Params, str], Code]] = {
    "__load": _p_load, "__store": _p_store, "__fence": _p_fence, "__xchg": _p_xchg,
    "__cmpxchg": _p_cmpxchg, "__atomic_op": _p_atomic_op,
    "__atomic_op_return": _p_atomic_op_return, "__atomic_fetch_op": _p_atomic_fetch_op,
    "__atomic_add_unless": _p_add_unless, "__lock": _p_lock, "__unlock": _p_unlock,
    "__trylock": _p_trylock, "__islocked": _p_islocked, "__srcu": _p_srcu,
}
