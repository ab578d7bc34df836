"""Scenarios for sweeps: a design's initial states and the operations its CPUs run.

A model checked by ``smpcheck sweep FILE`` declares what its agents may do and
the states its shared structures may start in, instead of fixed CPU functions::

    @initial_state(n=[0, 1])            # one initial state per value of n
    def stack(n):
        return {"s": stack_t(n=n)}

    @operation                           # parameters named after the state's entries
    def push(s): ...

    @operation(i=lambda state: range(len(state["pages"])), once=True)
    def zap(kvm, pages, i): ...

    SWEEP = Sweep("stack", cpus=2, check=balanced)

An initial state is a function returning a dict: its shared objects (named after
their keys, as a model file's globals are) and any Python values the operations
need.  An operation's parameters are filled from that dict by name; a keyword
given to :func:`operation` is a parameter ranging over the values listed (or the
values a function of the state gives), one operation for each.  ``once``: at
most one such call (of the same arguments) in a scenario; ``cpus``: the CPUs it
may run on (all unless given).  The sweep treats CPUs that may run the same
operations as interchangeable: what an operation does must not depend on which
CPU runs it, except through ``cpus``.  An operation's return value, when not None,
is its CPU's register ``rK`` (K its place in that CPU's sequence); a dict is
merged into the registers.

``check(final, scenario)``, if given, judges each final state: ``final`` the
:class:`~smpcheck.model.model.FinalState`, ``scenario`` the :class:`Scenario`
that ran (``scenario.state``, ``scenario.count("zap", i=0)``).  It returns a
bool or an :class:`~smpcheck.model.model.Unmet` saying what failed.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from smpcheck.errors import UsageError

Domain = Iterable[Any] | Callable[[Mapping[str, Any]], Iterable[Any]]


@dataclass(frozen=True)
class Operation:
    """What an agent may do: a function over the state's objects, its parameters'
    domains, whether it may happen only once, the CPUs it may run on."""

    name: str
    fn: Callable[..., Any]
    domains: tuple[tuple[str, Domain], ...] = ()
    once: bool = False
    cpus: frozenset[int] | None = None

    def calls(self, state: Mapping[str, Any]) -> list[Call]:
        """Each call this operation can make on ``state``."""
        names = [n for n, _ in self.domains]
        values = [list(d(state) if callable(d) else d) for _, d in self.domains]
        return [Call(self, tuple(zip(names, combo, strict=True)))
                for combo in itertools.product(*values)]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


@dataclass(frozen=True)
class Call:
    """One operation with its parameters' values: a step of a CPU's sequence."""

    op: Operation
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.args)
        return f"{self.op.name}({shown})" if shown else self.op.name

    def run(self, state: Mapping[str, Any]) -> Any:
        """Call the operation with its parameters from the state and its arguments."""
        given = dict(self.args)
        kwargs = {}
        for name in inspect.signature(self.op.fn).parameters:
            if name in given:
                kwargs[name] = given[name]
            elif name == "state":
                kwargs[name] = state
            elif name in state:
                kwargs[name] = state[name]
        return self.op.fn(**kwargs)


@dataclass(frozen=True)
class InitialState:
    """An initial state of the shared structures: a name and a function building a
    fresh copy (a dict of objects and values)."""

    name: str
    build: Callable[[], dict[str, Any]]


@dataclass
class Scenario:
    """One configuration of a sweep: an initial state and each CPU's calls."""

    state_name: str
    cpus: tuple[tuple[Call, ...], ...]
    state: dict[str, Any] = field(default_factory=dict)

    def count(self, name: str, **args: Any) -> int:
        """How many calls of operation ``name`` (with these arguments) run, on all CPUs."""
        return sum(1 for seq in self.cpus for c in seq
                   if c.op.name == name and all(dict(c.args).get(k) == v
                                                for k, v in args.items()))

    @property
    def size(self) -> tuple[int, int, int]:
        """What "smaller" means: fewer calls, then shorter sequences, then fewer CPUs."""
        lengths = [len(s) for s in self.cpus]
        return sum(lengths), max(lengths, default=0), sum(1 for n in lengths if n)

    def describe(self) -> str:
        cpus = "; ".join(f"CPU {i}: {', '.join(c.label for c in seq) or '-'}"
                         for i, seq in enumerate(self.cpus))
        return f"{self.state_name}; {cpus}"


Check = Callable[[Any, Scenario], Any]


@dataclass
class Sweep:
    """What ``smpcheck sweep`` enumerates: initial states, operations, CPUs, the check.

    ``registers``, if given, is called at the end of each CPU's sequence; its dict
    joins that CPU's registers (e.g. what the CPU counted in ghost state).
    ``prepare(state, cpu_functions)``, if given, runs when a scenario is built, after
    its CPU functions are made; the dict it returns names more objects (e.g. the irq
    word of :func:`smpcheck.kernel.smp.ipi_target`)."""

    name: str
    operations: list[Operation] = field(default_factory=list)
    initial_states: list[InitialState] = field(default_factory=list)
    cpus: int = 2
    check: Check | None = None
    registers: Callable[[], dict[str, Any]] | None = None
    prepare: Callable[[dict[str, Any], list[Callable[[], Any]]], dict[str, Any]] | None = None
    description: str = ""
    path: str = "<sweep>"

    def __post_init__(self) -> None:
        self.initial_states = [s for item in self.initial_states
                               for s in (item if isinstance(item, list) else [item])]

    def validate(self) -> None:
        """Usage errors for a sweep that cannot run (at the model file)."""
        if not self.operations:
            raise UsageError(f"sweep {self.name!r} declares no operations", self.path)
        if not self.initial_states:
            raise UsageError(f"sweep {self.name!r} declares no initial states", self.path)
        if not 1 <= self.cpus <= 8:
            raise UsageError(f"a sweep runs 1 to 8 CPUs, not {self.cpus}", self.path)
        for op in self.operations:
            for cpu in op.cpus or ():
                if not 0 <= cpu < self.cpus:
                    raise UsageError(f"operation {op.name} may run on CPU {cpu}, but the "
                                     f"sweep has {self.cpus} CPUs", self.path)


@overload
def operation(fn: Callable[..., Any], *, name: str | None = None, once: bool = False,
              cpus: Iterable[int] | None = None, **domains: Domain) -> Operation: ...


@overload
def operation(fn: None = None, *, name: str | None = None, once: bool = False,
              cpus: Iterable[int] | None = None, **domains: Domain
              ) -> Callable[[Callable[..., Any]], Operation]: ...


def operation(fn: Callable[..., Any] | None = None, *, name: str | None = None,
              once: bool = False, cpus: Iterable[int] | None = None,
              **domains: Domain) -> Any:
    """Declare an operation: ``@operation`` or ``@operation(i=[0, 1], once=True)``."""

    def wrap(f: Callable[..., Any]) -> Operation:
        params = inspect.signature(f).parameters
        for key in domains:
            if key not in params:
                raise UsageError(f"operation {f.__name__} has no parameter {key!r}",
                                 *_def_site(f))
        return Operation(name or f.__name__, f, tuple(domains.items()), once,
                         None if cpus is None else frozenset(cpus))

    return wrap(fn) if fn is not None else wrap


@overload
def initial_state(fn: Callable[..., dict[str, Any]], *, name: str | None = None,
                  **domains: Iterable[Any]) -> list[InitialState]: ...


@overload
def initial_state(fn: None = None, *, name: str | None = None, **domains: Iterable[Any]
                  ) -> Callable[[Callable[..., dict[str, Any]]], list[InitialState]]: ...


def initial_state(fn: Callable[..., dict[str, Any]] | None = None, *, name: str | None = None,
                  **domains: Iterable[Any]) -> Any:
    """Declare initial states: ``@initial_state`` (one) or ``@initial_state(n=[1, 2])``
    (one per combination of the values, named ``f(n=1)``...).  The decorated name is a
    list of :class:`InitialState`."""

    def wrap(f: Callable[..., dict[str, Any]]) -> list[InitialState]:
        base = name or f.__name__
        keys = list(domains)
        out = []
        for combo in itertools.product(*(list(domains[k]) for k in keys)):
            args = dict(zip(keys, combo, strict=True))
            shown = ", ".join(f"{k}={v}" for k, v in args.items())
            out.append(InitialState(f"{base}({shown})" if shown else base,
                                    _bind(f, args)))
        return out

    return wrap(fn) if fn is not None else wrap


def _bind(f: Callable[..., dict[str, Any]], args: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        return f(**args)
    return build


def _def_site(f: Callable[..., Any]) -> tuple[str | None, int | None]:
    code = getattr(f, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code else (None, None)


def collect(namespace: Mapping[str, Any], path: str) -> Sweep:
    """The sweep a model file declares: its ``SWEEP``, whose missing operations and
    initial states are taken from the file's declarations (in file order)."""
    ops = [v for v in namespace.values() if isinstance(v, Operation)]
    states = [s for v in namespace.values() if isinstance(v, list)
              for s in v if isinstance(s, InitialState)]
    sweep = namespace.get("SWEEP")
    if sweep is None:
        sweep = Sweep(Path(path).stem)
    elif not isinstance(sweep, Sweep):
        raise UsageError("SWEEP must be a Sweep(...)", path)
    sweep.operations = sweep.operations or ops
    sweep.initial_states = sweep.initial_states or states
    sweep.path = path
    sweep.validate()
    return sweep


__all__ = ["Call", "InitialState", "Operation", "Scenario", "Sweep", "collect",
           "initial_state", "operation"]
