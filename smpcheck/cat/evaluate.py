"""Run a compiled model over one candidate execution.

:class:`Execution` turns the caller's dict of base sets and relations into
values; :func:`run` executes the program's steps, forking at each
``with x from S`` (one run per element of S, unless a resolver pins the
choice); :class:`CatResult` says which checks failed and which flags fired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from mypy_extensions import mypyc_attr

from smpcheck.cat import values as V
from smpcheck.cat.compiler import ROOT, Code, WithStep, apply
from smpcheck.cat.program import PENDING, Program, capitalise
from smpcheck.cat.stdlib import REQUIRED
from smpcheck.cat.values import EMPTY, CatTypeError, Value
from smpcheck.errors import UsageError
from smpcheck.graph.relation import Rel

_SPECIAL_KEYS = frozenset({"n", "tags", "values", "location", "thread"})
_RELATION_NAMES = frozenset({"po", "rf", "co", "addr", "data", "ctrl", "rmw", "amo", "loc",
                             "int", "ext", "id"})


class _Reject:
    __slots__ = ()

    def __repr__(self) -> str:
        return "REJECT"


#: A resolver returns this when no alternative of a ``with`` fits the execution.
REJECT: Any = _Reject()

Resolver = Callable[[str, list[Value]], Value | None]


def _to_value(name: str, v: Any, n: int) -> Value:
    if isinstance(v, Rel):
        if v.n != n:
            raise UsageError(f"execution relation {name!r} is over {v.n} events, not n={n}")
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        if v < 0 or v >> n:
            raise UsageError(f"execution set {name!r} has events outside 0..{n - 1}")
        return v
    if isinstance(v, Iterable):
        items = list(v)
        if items and all(isinstance(x, tuple) for x in items) or \
                (not items and name in _RELATION_NAMES):
            try:
                return Rel.from_pairs(n, items)
            except (IndexError, TypeError, ValueError):
                raise UsageError(f"execution relation {name!r} has bad pairs") from None
        mask = 0
        for x in items:
            if not isinstance(x, int) or not 0 <= x < n:
                raise UsageError(f"execution set {name!r} has a bad event {x!r}")
            mask |= 1 << x
        return mask
    raise UsageError(f"execution entry {name!r} must be a set mask, events, pairs or a Rel")


def _equivalence(n: int, keys: Any, what: str) -> Rel:
    if len(keys) != n:
        raise UsageError(f"execution {what!r} must give one entry per event ({n})")
    classes: dict[Any, int] = {}
    for j, k in enumerate(keys):
        if k is not None:
            classes[k] = classes.get(k, 0) | 1 << j
    return Rel(n, [0 if k is None else classes[k] for k in keys])


@mypyc_attr(native_class=False)  # (replacing() makes one without __init__)
class Execution:
    """The base sets and relations of one candidate execution, as cat values."""

    __slots__ = ("n", "full", "base", "tags", "loc", "event_values")

    def __init__(self, data: Mapping[str, Any]) -> None:
        n = data.get("n")
        if not isinstance(n, int) or n < 0:
            raise UsageError("the execution needs 'n', the number of events")
        self.n = n
        self.full = (1 << n) - 1
        base = {k: _to_value(k, v, n) for k, v in data.items() if k not in _SPECIAL_KEYS}
        if "loc" not in base and "location" in data:
            base["loc"] = _equivalence(n, data["location"], "location")
        if "int" not in base and "thread" in data:
            threads = data["thread"]
            rel = _equivalence(n, threads, "thread")
            base["int"] = Rel(n, [r | 1 << i for i, r in enumerate(rel.rows)])
        self._derive(base)
        self.base = base
        loc = base.get("loc")
        self.loc = loc if isinstance(loc, Rel) else Rel(n)
        self.tags: Mapping[str, Any] = data.get("tags") or {}
        self.event_values = data.get("values")

    def _derive(self, base: dict[str, Value]) -> None:
        n = self.n
        base.setdefault("_", self.full)
        base.setdefault("emptyset", 0)
        base.setdefault("id", Rel.identity(n))
        if "M" not in base and "R" in base and "W" in base:
            base["M"] = base["R"] | base["W"]
        if "ext" not in base and "int" in base:
            base["ext"] = V.complement(base["int"], n)
        for name in ("addr", "data", "ctrl", "rmw", "amo"):
            base.setdefault(name, Rel(n))
        if "RMW" not in base:
            rmw = base["rmw"]
            base["RMW"] = rmw.domain() | rmw.range()
        for name in ("F", "FW", "B", "LKR", "LKW", "UL", "LF", "RL", "RU", "MFENCE",
                     "SFENCE", "LFENCE", "SRCU"):
            base.setdefault(name, 0)

    def replacing(self, values: Callable[[], list[Any]] | None, **base: Rel | int) -> Execution:
        """This execution with other ``rf``, ``co`` or ``FW`` (the same events; nothing
        derived from those is stored) and other event values, computed on first use:
        cheap, for a batch of executions sharing their events."""
        other = Execution.__new__(Execution)
        other.n, other.full, other.tags, other.loc = self.n, self.full, self.tags, self.loc
        other.base = dict(self.base)
        for name, v in base.items():
            other.base[name] = _to_value(name, v, self.n)
        other.event_values = values
        return other

    def values(self) -> list[Any] | None:
        """One value per event (``values`` of the execution), or None if not given."""
        v = self.event_values
        if callable(v):
            v = self.event_values = v()
        return v

    def get(self, name: str) -> Value | None:
        """The base value named ``name``, or None when the execution lacks it."""
        return self.base.get(name)

    def tag_set(self, tag: str) -> int:
        """The events carrying ``tag``: the set given under the capitalised name
        (e.g. ``Rcu-lock``) if any, else ``tags[tag]``, else empty."""
        given = self.base.get(capitalise(tag))
        if isinstance(given, int):
            return given
        v = self.tags.get(tag, 0)
        return int(_to_value(f"tags[{tag!r}]", v, self.n))


class Runtime:
    """Mutable state of one evaluation (forked at ``with``)."""

    __slots__ = ("g", "n", "full", "exe", "failed", "flags", "undefined", "witnesses",
                 "stop_on_failure", "stopped", "defer", "deferred")
    batch_values: list[Any] | None = None  # a batch's values per execution (BatchRuntime)

    def __init__(self, g: list[Value], exe: Execution, stop_on_failure: bool) -> None:
        self.g = g
        self.exe = exe
        self.n = exe.n
        self.full = exe.full
        self.failed: list[str] = []
        self.flags: list[str] = []
        self.undefined: list[str] = []
        self.witnesses: dict[str, Value] = {}
        self.stop_on_failure = stop_on_failure
        self.stopped = False
        self.defer = False  # lets deferred, operands skipped (Program.defers)
        self.deferred: dict[int, Code] = {}

    def defer_for(self, prog: Program) -> None:
        """Defer what ``prog`` may defer, if this run's base values allow it."""
        self.defer = prog.defers(self.g)
        self.deferred = prog.deferred

    def settle(self, slot: int) -> Value:
        """The value of ``slot``, a deferred let computed now if not read yet."""
        v = self.g[slot]
        if v is PENDING:
            v = self.g[slot] = self.deferred[slot](self, ROOT)
        return v

    def apply(self, fn: Value, arg: Value) -> Value:
        """Call a cat function (used by built-ins such as map)."""
        return apply(self, fn, arg)

    def record(self, mode: str, name: str, ok: bool | int, negated: bool, v: Value) -> None:
        """The outcome of a check (``mode``: check, flag or requires) on value ``v``."""
        if negated:
            ok = not ok
        if mode == "check":
            if not ok:
                self.failed.append(name)
                self.witnesses[name] = v
                if self.stop_on_failure:
                    self.stopped = True
        elif mode == "flag":
            if ok:
                self.flags.append(name)
                self.witnesses[name] = v
        elif not ok:
            self.undefined.append(name)
            self.witnesses[name] = v

    def fork(self) -> Runtime:
        other = Runtime(list(self.g), self.exe, self.stop_on_failure)
        other.failed = list(self.failed)
        other.flags = list(self.flags)
        other.undefined = list(self.undefined)
        other.witnesses = dict(self.witnesses)
        other.stopped = self.stopped
        other.defer, other.deferred = self.defer, self.deferred
        return other


def run(prog: Program, rt: Runtime, resolver: Resolver | None, start: int = 0) -> Runtime:
    """Run the program's steps from ``start``; returns the final runtime state."""
    steps = prog.steps
    for i in range(start, len(steps)):
        st = steps[i]
        if type(st) is WithStep:
            return _run_with(prog, rt, st, i, resolver)
        st(rt, ROOT)  # type: ignore[operator]
        if rt.stopped:
            return rt
    return rt


def _run_with(prog: Program, rt: Runtime, st: WithStep, i: int,
              resolver: Resolver | None) -> Runtime:
    try:
        alts = V.elements(st.code(rt, ROOT), rt.n)
    except CatTypeError as e:
        raise UsageError(f"with {st.var} from ...: {e}", None, st.line) from None
    if resolver is not None and alts:
        pick = resolver(st.var, alts)
        if pick is REJECT:
            alts = []
        elif pick is not None:
            alts = [pick]
    if not alts:
        rt.failed.append(f"with {st.var}")
        rt.stopped = True
        return rt
    best: Runtime | None = None
    for alt in alts:
        sub = rt.fork() if len(alts) > 1 else rt
        sub.g[st.slot] = alt
        res = run(prog, sub, resolver, i + 1)
        if not res.failed:
            return res
        if best is None or len(res.failed) < len(best.failed):
            best = res
    assert best is not None
    return best  # every alternative fails: report the one closest to passing


class CatResult:
    """The verdict of a model on one execution.

    ``consistent`` is False when a check failed (``failed`` names them, e.g.
    ``happens-before``); ``flags`` names the flagged checks that fired (e.g.
    ``data-race``: reported, not a reason for inconsistency); ``undefined`` the
    failed ``requires`` checks.  :meth:`relation` gives any named relation of
    the model's final environment, for explanations.  (A plain class, == and repr
    as a dataclass's: one is made per execution judged, and a record's ``__init__``
    takes three times as long.)"""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, consistent: bool, failed: list[str], flags: list[str],
                 undefined: list[str], n: int, witnesses: dict[str, Value],
                 _g: Sequence[Value], _names: dict[str, int],
                 _settle: Callable[[int], Value] | None = None) -> None:
        self.consistent = consistent
        self.failed = failed
        self.flags = flags
        self.undefined = undefined
        self.n = n
        self.witnesses = witnesses
        self._g = _g
        self._names = _names
        self._settle = _settle

    def _fields(self) -> tuple[Any, ...]:
        return (self.consistent, self.failed, self.flags, self.undefined, self.n,
                self.witnesses, self._g, self._names, self._settle)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        return (f"CatResult(consistent={self.consistent!r}, failed={self.failed!r}, "
                f"flags={self.flags!r}, undefined={self.undefined!r}, n={self.n!r})")

    @property
    def env(self) -> dict[str, Value]:
        """Every name bound at the end of the run (its latest binding)."""
        return {name: self._slot(slot) for name, slot in self._names.items()}

    def value(self, name: str) -> Value:
        """The value bound to ``name`` (KeyError if the model never binds it)."""
        return self._slot(self._names[name])

    def _slot(self, slot: int) -> Value:
        v = self._g[slot]
        if v is PENDING and self._settle is not None:  # (a deferred let nothing read)
            v = self._settle(slot)
        return v

    def relation(self, name: str) -> Rel:
        """The relation bound to ``name`` (e.g. ``"hb"``), as a Rel."""
        v = self.value(name)
        if v is EMPTY:
            return Rel(self.n)
        if not isinstance(v, Rel):
            raise TypeError(f"{name} is {V.a_kind(v)}, not a relation")
        return v

    def set(self, name: str) -> int:
        """The event set bound to ``name`` (e.g. ``"Marked"``), as a bit mask."""
        v = self.value(name)
        if v is EMPTY:
            return 0
        if type(v) is not int:
            raise TypeError(f"{name} is {V.a_kind(v)}, not an event set")
        return int(v)


def evaluate(prog: Program, data: Mapping[str, Any] | Execution,
             resolver: Resolver | None = None, stop_on_failure: bool = False) -> CatResult:
    """Run ``prog`` on one execution and collect the verdict."""
    exe = data if isinstance(data, Execution) else Execution(data)
    g: list[Value] = [None] * len(prog.slot_names)
    for name, slot in prog.base_slots.items():
        g[slot] = exe.get(name)
    missing_names(prog, g)
    start = Runtime(g, exe, stop_on_failure)
    start.defer_for(prog)
    rt = run(prog, start, resolver)
    names = dict(prog.base_slots)
    names.update(prog.globals)
    return CatResult(not rt.failed, rt.failed, rt.flags, rt.undefined, exe.n, rt.witnesses,
                     rt.g, names, rt.settle)


def missing_names(prog: Program, g: list[Value]) -> None:
    """Refuse an execution that lacks a required name the model reads."""
    missing = sorted(name for name, slot in prog.base_slots.items()
                     if g[slot] is None and name in REQUIRED)
    if missing:
        raise UsageError("the execution does not give " + ", ".join(map(repr, missing))
                         + ", which the model reads (see smpcheck.cat)")


def pin_to_execution(data: Mapping[str, Any] | Execution) -> Resolver:
    """A resolver that pins each ``with x from S`` to the execution's own choice.

    An alternative fits when it is contained in the execution's ``rf | co``
    (lock.cat's ``rfe-lf`` / ``rf-ru`` are rf edges; cos.cat's ``co`` is co).
    One fitting alternative is chosen; if several fit, the largest is chosen
    when it contains the others, else all are tried; if none fits the
    execution is rejected (unless it gives no ``co``, then all are tried).
    """
    exe = data if isinstance(data, Execution) else Execution(data)
    n = exe.n
    rf = exe.get("rf")
    co = exe.get("co")
    has_co = co is not None
    target = V.union(V.as_rel(rf or EMPTY, n), co, n) if has_co else V.as_rel(rf or EMPTY, n)

    def resolve(name: str, alternatives: list[Value]) -> Value | None:
        fits = [a for a in alternatives
                if type(a) in (Rel, V.Pair) or a is EMPTY
                if V.is_empty(V.diff(V.as_rel(a, n), target, n))]
        if len(fits) == 1:
            return fits[0]
        if not fits:
            return REJECT if has_co else None
        biggest = max(fits, key=lambda a: sum(map(int.bit_count, V.as_rel(a, n).rows)))
        big = V.as_rel(biggest, n)
        if all(V.is_empty(V.diff(V.as_rel(a, n), big, n)) for a in fits):
            return biggest
        return None
    return resolve
