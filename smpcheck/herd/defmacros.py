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

from collections.abc import Callable
from typing import Any

from smpcheck._runtime import BLOCK, Op, add_control_deps, issue
from smpcheck.cat import defs as D
from smpcheck.errors import UsageError
from smpcheck.kernel import cpu_relax
from smpcheck.kernel._ops import fence, load, rmw, store, where
from smpcheck.litmus.c_macros import Macro
from smpcheck.litmus.translate_ops import BINARY, combine
from smpcheck.values import deps_of, raw

__smp_engine__ = True

Env = dict[str, Any]

#: Primitives whose first argument is an lvalue (the others take a pointer).
_LVALUE_FIRST = frozenset({"__load", "__store"})
_POINTER_FIRST = frozenset({"__xchg", "__cmpxchg", "__atomic_op", "__atomic_op_return",
                            "__atomic_fetch_op", "__atomic_add_unless", "__lock", "__unlock",
                            "__trylock", "__islocked", "__srcu"})
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": BINARY["+"], "-": BINARY["-"], "&": BINARY["&"], "|": BINARY["|"],
    "^": BINARY["^"], "&~": lambda a, b: a & ~b, "*": BINARY["*"],
}


def def_macros(table: dict[str, D.MacroDef], path: str | None = None) -> dict[str, Macro]:
    """The callable macros of a def file's table (see the module docstring)."""
    out: dict[str, Macro] = {}
    for name in table:
        try:
            mdef = D.expand_macro(table, name)
            roles = "".join(_role(p, mdef) for p in mdef.params)
            fn = _compile(mdef)
        except UsageError as exc:
            raise UsageError(exc.message, path, table[name].line) from None
        out[name] = Macro(name, fn, roles, not mdef.block)
    out.setdefault("cpu_relax", Macro("cpu_relax", cpu_relax, "", False))
    return out


# -- roles --------------------------------------------------------------------------


def _role(param: str, mdef: D.MacroDef) -> str:
    roles = set()
    for prim in _prims(mdef.body):
        args = prim.args or ()
        if not args:
            continue
        first = args[0]
        if prim.name in _LVALUE_FIRST:
            if first == D.DParam(param):
                roles.add("l")
            elif first == D.DDeref(D.DParam(param)):
                roles.add("p")
        elif prim.name in _POINTER_FIRST and first == D.DParam(param):
            roles.add("p")
    if len(roles) > 1:
        raise UsageError(f"macro {mdef.name}: parameter {param} is used both as a location "
                         "and as a pointer")
    return roles.pop() if roles else "v"


def _prims(body: tuple[D.DExpr, ...]) -> list[D.DPrim]:
    out: list[D.DPrim] = []
    for e in body:
        D._collect(e, out)
    return out


# -- evaluation -----------------------------------------------------------------------


def _compile(mdef: D.MacroDef) -> Callable[..., Any]:
    for prim in _prims(mdef.body):
        if prim.name not in _PRIMITIVES:
            known = ", ".join(sorted(_PRIMITIVES))
            raise UsageError(f"macro {mdef.name}: unknown primitive {prim.name} "
                             f"(known: {known})")
    params, body, name = mdef.params, mdef.body, mdef.name

    def call(*args: Any) -> Any:
        env = dict(zip(params, args, strict=True))
        result: Any = None
        for stmt in body:
            result = _eval(stmt, env, name)
        return result

    call.__name__ = name
    return call


def _eval(e: D.DExpr, env: Env, name: str) -> Any:
    if isinstance(e, D.DParam):
        return env[e.name]
    if isinstance(e, D.DInt):
        return e.value
    if isinstance(e, D.DPrim):
        return _PRIMITIVES[e.name](e, env, name)
    if isinstance(e, D.DCompare):
        return combine(BINARY[e.op], _eval(e.left, env, name), _eval(e.right, env, name))
    if isinstance(e, D.DDeref):
        return load(_eval(e.arg, env, name), frozenset(), name)
    raise UsageError(f"macro {name}: cannot evaluate {e}")


def _lvalue(e: D.DExpr, env: Env, name: str) -> Any:
    """The pointer an lvalue argument designates (``X`` passed as ``*x``; ``*X``)."""
    if isinstance(e, D.DDeref):
        return _eval(e.arg, env, name)
    return _eval(e, env, name)


def _args(p: D.DPrim, count: int, name: str) -> tuple[D.DExpr, ...]:
    args = p.args or ()
    if len(args) != count:
        raise UsageError(f"macro {name}: {p.name} takes {count} arguments, found {len(args)}")
    return args


def _tags(p: D.DPrim) -> frozenset[str]:
    return frozenset(p.tags)


def _p_load(p: D.DPrim, env: Env, name: str) -> Any:
    (x,) = _args(p, 1, name)
    return load(_lvalue(x, env, name), _tags(p), name)


def _p_store(p: D.DPrim, env: Env, name: str) -> None:
    x, v = _args(p, 2, name)
    store(_lvalue(x, env, name), _eval(v, env, name), _tags(p), name)


def _p_fence(p: D.DPrim, env: Env, name: str) -> None:
    for tag in p.tags or ("barrier",):
        fence(tag, name)


def _p_xchg(p: D.DPrim, env: Env, name: str) -> Any:
    x, v = _args(p, 2, name)
    new = _eval(v, env, name)
    return rmw(_eval(x, env, name), lambda old: raw(new), _tags(p), name, (new,))


def _p_cmpxchg(p: D.DPrim, env: Env, name: str) -> Any:
    x, v, w = _args(p, 3, name)
    expect, new = _eval(v, env, name), _eval(w, env, name)
    want, value = raw(expect), raw(new)
    return rmw(_eval(x, env, name), lambda cur: value if cur == want else None, _tags(p),
               name, (expect, new), ftags=_tags(p))


def _op_of(e: D.DExpr, name: str) -> Callable[[Any, Any], Any]:
    if not isinstance(e, D.DOp) or e.symbol not in _OPS:
        raise UsageError(f"macro {name}: expected an operator ({' '.join(_OPS)}), found {e}")
    return _OPS[e.symbol]


def _atomic(p: D.DPrim, env: Env, name: str) -> tuple[Any, Any, Callable[[Any, Any], Any]]:
    x, op, v = _args(p, 3, name)
    fn = _op_of(op, name)
    amount = _eval(v, env, name)
    old = rmw(_eval(x, env, name), lambda o: fn(o, raw(amount)), _tags(p), name, (amount,))
    return old, amount, fn


def _p_atomic_op(p: D.DPrim, env: Env, name: str) -> None:
    _atomic(p, env, name)


def _p_atomic_op_return(p: D.DPrim, env: Env, name: str) -> Any:
    old, amount, fn = _atomic(p, env, name)
    return combine(fn, old, amount)


def _p_atomic_fetch_op(p: D.DPrim, env: Env, name: str) -> Any:
    return _atomic(p, env, name)[0]


def _p_add_unless(p: D.DPrim, env: Env, name: str) -> Any:
    x, v, w = _args(p, 3, name)
    amount, unless = _eval(v, env, name), _eval(w, env, name)
    a, u = raw(amount), raw(unless)
    old = rmw(_eval(x, env, name), lambda o: None if o == u else o + a, _tags(p), name,
              (amount, unless), ftags=_tags(p))
    return combine(lambda o, b: int(o != b), old, unless)


def _p_lock(p: D.DPrim, env: Env, name: str) -> None:
    (x,) = _args(p, 1, name)
    loc, deps = where(_eval(x, env, name))
    old = issue(Op("RMW", loc=loc, tags=frozenset({"LKR"}), wtags=frozenset({"LKW"}),
                   ftags=frozenset({"LF"}), addr=deps,
                   update=lambda o: 1 if o == 0 else BLOCK, text=f"{name}({loc})"))
    add_control_deps(deps_of(old))


def _p_unlock(p: D.DPrim, env: Env, name: str) -> None:
    (x,) = _args(p, 1, name)
    loc, deps = where(_eval(x, env, name))
    issue(Op("W", loc=loc, value=0, tags=frozenset({"UL"}), addr=deps, text=f"{name}({loc})"))


def _p_trylock(p: D.DPrim, env: Env, name: str) -> Any:
    (x,) = _args(p, 1, name)
    loc, deps = where(_eval(x, env, name))
    old = issue(Op("RMW", loc=loc, tags=frozenset({"LKR"}), wtags=frozenset({"LKW"}),
                   ftags=frozenset({"LF"}), addr=deps,
                   update=lambda o: 1 if o == 0 else None, text=f"{name}({loc})"))
    return combine(lambda o: int(o == 0), old)


def _p_islocked(p: D.DPrim, env: Env, name: str) -> Any:
    (x,) = _args(p, 1, name)
    loc, deps = where(_eval(x, env, name))
    old = issue(Op("R", loc=loc, addr=deps, text=f"{name}({loc})",
                   vtags=lambda v: frozenset({"RL" if v else "RU"})))
    return combine(lambda o: int(o != 0), old)


def _p_srcu(p: D.DPrim, env: Env, name: str) -> None:
    (x,) = _args(p, 1, name)
    loc, deps = where(_eval(x, env, name))
    issue(Op("F", loc=loc, tags=_tags(p), addr=deps, text=f"{name}({loc})"))


_PRIMITIVES: dict[str, Callable[[D.DPrim, Env, str], Any]] = {
    "__load": _p_load, "__store": _p_store, "__fence": _p_fence, "__xchg": _p_xchg,
    "__cmpxchg": _p_cmpxchg, "__atomic_op": _p_atomic_op,
    "__atomic_op_return": _p_atomic_op_return, "__atomic_fetch_op": _p_atomic_fetch_op,
    "__atomic_add_unless": _p_add_unless, "__lock": _p_lock, "__unlock": _p_unlock,
    "__trylock": _p_trylock, "__islocked": _p_islocked, "__srcu": _p_srcu,
}
