"""Building blocks of the kernel primitives: marked loads, stores, RMWs and fences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.runtime import Op, add_control_deps, ctrl_restore, ctrl_save, issue
from smpcheck.model.objects import Loc
from smpcheck.model.values import Deps, deps_of, locate, raw

__smp_engine__ = True


def where(x: Any) -> tuple[Loc, Deps]:
    """The location a primitive's first argument designates, and its address dependency."""
    ref, deps = locate(x)
    return ref._loc(), deps


def load(x: Any, tags: frozenset[str], name: str) -> Any:
    loc, deps = where(x)
    return issue(Op("R", loc=loc, tags=tags, addr=deps, text=f"{name}({loc})"))


def await_load(x: Any, tags: frozenset[str], ok: Callable[[Any], bool], text: str,
               can_end: Callable[[Any], bool] | None = None) -> Any:
    """A load that waits (an await) until ``ok(value)``: whether what follows happens
    depends on that read (the kernel's loop around it ends on it), but the loop's
    control dependency ends with the loop: it orders nothing after it."""
    loc, deps = where(x)
    value = issue(Op("R", loc=loc, tags=tags, addr=deps, await_ok=ok, can_end=can_end,
                     text=text.replace("{loc}", str(loc))))
    saved = ctrl_save()
    add_control_deps(deps_of(value))
    ctrl_restore(saved)
    return value


def store(x: Any, value: Any, tags: frozenset[str], name: str) -> None:
    loc, deps = where(x)
    issue(Op("W", loc=loc, value=raw(value), tags=tags, addr=deps, data=deps_of(value),
             text=f"{name}({loc}, {raw(value)})"))


def rmw(x: Any, update: Callable[[Any], Any], tags: frozenset[str], name: str,
        args: tuple[Any, ...] = (), ftags: frozenset[str] | None = None,
        wtags: frozenset[str] | None = None, compared: tuple[Any, ...] = (),
        shown: tuple[Any, ...] | None = None, from_read: bool = True) -> Any:
    """A read-modify-write; ``update(old)`` is the new value or None (no write).  The
    write depends on ``args`` (data), and on its read unless ``from_read`` is false
    (Op.from_read); whether it writes depends on ``compared`` too
    (a cmpxchg's ``old``), which the memory model does not count as a dependency
    (Op.compared).  The operation's text names ``shown``, by default ``compared`` and
    ``args`` in that order."""
    loc, deps = where(x)
    data: Deps = frozenset().union(*(deps_of(a) for a in args)) if args else frozenset()
    against: Deps = frozenset().union(*(deps_of(a) for a in compared)) if compared \
        else frozenset()
    text = ", ".join([str(loc), *(str(raw(a)) for a in shown or (*compared, *args))])
    return issue(Op("RMW", loc=loc, tags=tags | {"RMW"}, wtags=(wtags or tags) | {"RMW"},
                    ftags=None if ftags is None else ftags | {"RMW"}, update=update,
                    addr=deps, data=data, compared=against, from_read=from_read,
                    text=f"{name}({text})"))


def xchg_rmw(x: Any, new: Any, tags: frozenset[str], name: str) -> Any:
    """An xchg of ``*x`` (the kernel API's and linux-kernel.def's ``__xchg``): writes
    ``new``, which depends on no value read (Op.from_read); the value read."""
    value = raw(new)
    return rmw(x, lambda old: value, tags, name, (new,), from_read=False)


def cmpxchg_rmw(x: Any, old: Any, new: Any, tags: frozenset[str], name: str) -> Any:
    """A cmpxchg of ``*x`` (the kernel API's and linux-kernel.def's ``__cmpxchg``): writes
    ``new`` if it reads ``old``, else nothing (tagged ``tags`` either way); the value
    read.  ``old`` is compared, not a dependency (Op.compared), nor is the value
    read of what it writes (Op.from_read)."""
    want, value = raw(old), raw(new)
    return rmw(x, lambda cur: value if cur == want else None, tags, name, (new,),
               ftags=tags, compared=(old,), from_read=False)


def add_unless_rmw(x: Any, a: Any, u: Any, tags: frozenset[str], name: str) -> Any:
    """An atomic_add_unless() of ``*x``: adds ``a`` unless it reads ``u`` (compared,
    not a dependency); the value read."""
    av, uv = raw(a), raw(u)
    return rmw(x, lambda o: None if o == uv else o + av, tags, name, (a,), ftags=tags,
               compared=(u,), shown=(a, u))


def fence(tag: str, name: str) -> None:
    issue(Op("F", tags=frozenset({tag}), text=f"{name}()"))


ONCE = frozenset({"ONCE"})
ACQUIRE = frozenset({"ACQUIRE"})
RELEASE = frozenset({"RELEASE"})
MB = frozenset({"MB"})
NORETURN = frozenset({"NORETURN"})
PLAIN: frozenset[str] = frozenset()

ORDERINGS = {"": MB, "_relaxed": ONCE, "_acquire": ACQUIRE, "_release": RELEASE}
