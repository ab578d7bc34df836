"""The functions a C litmus test may call: linux-kernel.def's macros, as kernel API calls.

Each macro of the kernel's ``tools/memory-model/linux-kernel.def`` maps to the
function of the same name in :mod:`smpcheck.kernel`, which emits the events
(and herd tags) that the def file gives it.  A :class:`Macro` also says how
each argument is passed, following the def file's bodies:

``l``
    a location written as an lvalue: ``READ_ONCE(*x)``, ``WRITE_ONCE(*x, v)``
    (the def's ``__load{ONCE}(X)``); the translator passes the pointer ``x``.
``p``
    a pointer: ``smp_load_acquire(x)``, ``spin_lock(l)``, ``atomic_inc(v)``,
    ``xchg(x, v)`` (the def's ``__load{ACQUIRE}(*X)``, ``__lock(X)``...).
``v``
    a value.

rcu_read_lock() and rcu_read_unlock() are herd's fences alone (see
:func:`_rcu_marker`), and spin_unlock() follows lock.cat on an unlock that
matches no lock (:func:`spin_unlock`).  One addition beyond the def file:
``cpu_relax()``, which marks a ``while`` loop's iteration as a spin-wait (see
:mod:`smpcheck.kernel.processor`).
"""

from __future__ import annotations

import importlib
import operator
import re
from collections.abc import Callable
from typing import Any

from smpcheck.kernel.atomic import MADE, andnot
from smpcheck.kernel.lowlevel import Op, fence, issue, this_cpu, where
from smpcheck.litmus.translate_ops import BINARY, combine
from smpcheck.records import record

__smp_engine__ = True  # (the rcu markers issue events)


@record
class Macro:
    """A callable macro: its kernel function, argument kinds (``l``/``p``/``v``),
    whether it gives a value, and what it writes that its call does not show, given
    the old value and its value arguments (``spin_lock(l)`` writes 1,
    ``atomic_sub(1, v)`` the old value less 1; None: nothing, or the value shown): a
    statement that never ran may write it only through a cycle
    (:meth:`.translate_c.ThreadCompiler.latent`)."""

    name: str
    fn: Callable[..., Any]
    roles: str
    returns: bool
    writes: Writes | None = None


#: What a macro writes, from the location's old value and the call's value arguments.
Writes = Callable[[Any, tuple[Any, ...]], Any]


class MacroTable(dict[str, Macro]):
    """The functions a C litmus test may call, by name; ``origin`` names where they
    come from, for the message about a call to anything else."""

    def __init__(self, macros: dict[str, Macro], origin: str) -> None:
        super().__init__(macros)
        self.origin = origin


_ORDERS = ("", "_relaxed", "_acquire", "_release")

_GROUPS: list[tuple[str, str, bool]] = [
    ("READ_ONCE rcu_dereference", "l", True),
    ("WRITE_ONCE rcu_assign_pointer smp_store_mb", "lv", False),
    ("smp_load_acquire atomic_read atomic_read_acquire spin_trylock spin_is_locked "
     "srcu_read_lock srcu_down_read", "p", True),
    ("smp_store_release atomic_set atomic_set_release srcu_read_unlock srcu_up_read",
     "pv", False),
    ("smp_mb smp_rmb smp_wmb smp_mb__before_atomic smp_mb__after_atomic "
     "smp_mb__after_spinlock smp_mb__after_unlock_lock smp_mb__after_srcu_read_unlock "
     "barrier rcu_read_lock rcu_read_unlock synchronize_rcu synchronize_rcu_expedited "
     "cpu_relax", "", False),
    ("spin_lock spin_unlock synchronize_srcu synchronize_srcu_expedited atomic_inc atomic_dec",
     "p", False),
    ("atomic_add atomic_sub atomic_and atomic_or atomic_xor atomic_andnot", "vp", False),
    ("atomic_sub_and_test", "vp", True),
    ("atomic_dec_and_test atomic_inc_and_test", "p", True),
    ("atomic_add_unless", "pvv", True),
]
for _o in _ORDERS:
    _GROUPS += [
        (f"xchg{_o} atomic_xchg{_o}", "pv", True),
        (f"cmpxchg{_o} atomic_cmpxchg{_o}", "pvv", True),
        (f"atomic_add_return{_o} atomic_sub_return{_o} atomic_fetch_add{_o} "
         f"atomic_fetch_sub{_o} atomic_fetch_and{_o} atomic_fetch_or{_o} atomic_fetch_xor{_o} "
         f"atomic_fetch_andnot{_o} atomic_add_negative{_o}", "vp", True),
        (f"atomic_inc_return{_o} atomic_dec_return{_o} atomic_fetch_inc{_o} "
         f"atomic_fetch_dec{_o}", "p", True),
    ]



UL = frozenset({"UL"})
_LOCK_OR_UNLOCK = frozenset({"LKW", "UL"})


def spin_unlock(lock: Any, name: str = "spin_unlock") -> None:
    """spin_unlock() as herd7 runs it: a release store of 0 (UL) when the CPU's last
    lock operation on ``lock`` acquired it, else a UL fence with the lock's location.

    lock.cat matches an unlock with the CPU's spin_lock() just before it
    (``critical``) and puts only matched unlocks in the coherence order, after
    their lock; an unmatched one is written nowhere and read by no spin_lock()
    (herd flags it, ``unmatched-unlock``).  A fence with a location is that: no
    coherence or reads-from, while the models still count it as a release."""
    loc, deps = where(lock)
    cpu = this_cpu()
    last = next((ev for ev in reversed(cpu.fed)
                 if ev.loc is loc and ev.tags & _LOCK_OR_UNLOCK), None)
    kind = "W" if last is not None and "LKW" in last.tags else "F"
    issue(Op(kind, loc=loc, value=0, tags=UL, addr=deps, text=f"{name}({loc})"))


def _rcu_marker(tag: str, name: str) -> Callable[[], None]:
    """rcu_read_lock() or rcu_read_unlock() as herd7 runs them: the fence alone.

    The kernel API's functions also keep the CPU's nesting count, so that an
    unmatched rcu_read_unlock() or a synchronize_srcu() inside a section stops a
    Python model's execution as a bug; herd7 runs such a test to its end and the
    LKMM flags it (``unmatched-rcu-unlock``, ``invalid-sleep``)."""
    def marker() -> None:
        fence(tag, name)

    marker.__name__ = name
    return marker


_MOVES: dict[Any, Callable[[Any, Any], Any]] = {
    operator.add: lambda a, b: combine(BINARY["+"], a, b),
    operator.sub: lambda a, b: combine(BINARY["-"], a, b)}


#: The kernel API's modules the macros come from: only these are imported, not all of
#: smpcheck.kernel (by name: the package's ``barrier`` is the function, not its module).
_MODULES = tuple(importlib.import_module(f"smpcheck.kernel.{name}") for name in (
    "compiler", "barrier", "atomic", "spinlock", "rcupdate", "srcu", "processor"))


def _kernel_fn(name: str) -> Callable[..., Any]:
    """The kernel API's ``name``; an atomic add or subtract made again to move a pointer
    as the test's own ``+`` does (herd's ``y+1``; by 0 the pointer itself), where the
    kernel API moves only an array element."""
    made = MADE.get(name)
    if made is None or made[1][0] not in _MOVES:
        fn: Callable[..., Any] = next(getattr(m, name) for m in _MODULES if name in m.__all__)
        return fn
    factory, (op, *rest) = made
    return factory(name, _MOVES[op], *rest)


_ARITH = re.compile(r"atomic_(?:fetch_)?(add|sub|inc|dec|andnot|and|or|xor)(?:_|$)")
_STEPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "inc": operator.add, "dec": operator.sub,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor,
    "andnot": andnot}


def _writes(name: str) -> Writes | None:
    """What the kernel API's ``name`` writes unseen (see :class:`Macro`): a lock word's 1,
    an atomic operation's result (its operand the first value argument; an increment's
    or a decrement's 1).  Not an unlock's 0: a lock's initial value, seen written
    wherever a lock is, whose offer made every lock of some generated tests speculate
    (tests/data/lkmm-gen/G1-248)."""
    if name in ("spin_lock", "spin_trylock"):
        return lambda _old, _vals: 1
    found = _ARITH.match(name)
    if found is None:
        return None
    step = _STEPS[found[1]]
    return lambda old, vals: step(old, vals[0] if vals else 1)


MACROS = MacroTable({
    name: Macro(name, _kernel_fn(name), roles, returns, _writes(name))
    for names, roles, returns in _GROUPS for name in names.split()
} | {name: Macro(name, _rcu_marker(tag, name), "", False)
     for name, tag in (("rcu_read_lock", "rcu-lock"), ("rcu_read_unlock", "rcu-unlock"))}
  | {"spin_unlock": Macro("spin_unlock", spin_unlock, "p", False)},
    "smpcheck's kernel API, linux-kernel.def's names")
"""Every function a C litmus test may call, by name."""


def describe(macro: Macro) -> str:
    """``xchg(x, v)``: how a macro is called, for error messages."""
    words = {"l": "*x", "p": "x", "v": "v"}
    args = []
    for i, role in enumerate(macro.roles):
        word = words[role]
        args.append(word if role != "v" or macro.roles.count("v") == 1 else f"v{i}")
    return f"{macro.name}({', '.join(args)})"
