"""A model: CPU functions over shared state, and what must hold at the end.

A model file is Python; it declares shared objects (:mod:`smpcheck.model.objects`), one
function per CPU, and a ``MODEL = Model(...)``::

    x = Var(0)
    y = Var(0)

    def P0():
        WRITE_ONCE(x, 1)
        return {"r0": READ_ONCE(y)}

    def P1():
        WRITE_ONCE(y, 1)
        return {"r0": READ_ONCE(x)}

    MODEL = Model("SB", [P0, P1], exists="0:r0=0 /\\\\ 1:r0=0")

A CPU's return value gives its registers: a dict names them, anything else is
register ``ret``.  Conditions have herd7's meanings: ``exists`` holds when some
execution satisfies the proposition, ``not_exists`` (herd's ``~exists``) when
none does, ``forall`` when all do; ``filter`` drops executions before the
condition is judged.  A condition is a herd-syntax string or a Python callable
taking the :class:`FinalState`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck.errors import EngineExit, UsageError
from smpcheck.model.objects import Ref
from smpcheck.model.source import NO_SOURCE, Latent, def_site, raise_site, raised_text
from smpcheck.records import field, mutable_record

__smp_engine__ = True  # (an error raised in FinalState names the condition's line)


class FinalState:
    """Registers of each CPU and final values of memory, for conditions.

    ``state.reg(1, "r0")`` or ``state.P1.r0``; ``state.mem("x")`` or ``state.x``.
    """

    def __init__(self, regs: list[dict[str, Any]], mem: dict[str, Any],
                 cpu_names: list[str]) -> None:
        self.regs = regs
        self.memory = mem
        self._cpu_names = cpu_names  # (looked up by name only by conditions: __getattr__)

    def reg(self, cpu: int, name: str) -> Any:
        try:
            return self.regs[cpu][name]
        except (IndexError, KeyError):
            raise KeyError(f"{cpu}:{name}") from None

    def mem(self, name: str) -> Any:
        return self.memory[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        names = self._cpu_names
        if name in names:  # (the last CPU of that name, as where several share one)
            return _Regs(self.regs[len(names) - 1 - names[::-1].index(name)])
        if name in self.memory:
            return self.memory[name]
        raise AttributeError(f"no CPU or location called {name!r}")

    def key(self, regs_key: Callable[[dict[str, Any]], tuple[tuple[str, Any], ...]] | None = None
            ) -> tuple[Any, ...]:
        """A hashable summary: equal keys mean equal final states.  ``regs_key`` gives a
        CPU's part (:func:`items_key` unless given: a caller may remember them)."""
        of = regs_key or items_key
        return tuple([of(r) for r in self.regs]), items_key(self.memory)


class _Regs:
    def __init__(self, regs: dict[str, Any]) -> None:
        self._regs = regs

    def __getattr__(self, name: str) -> Any:
        try:
            return self._regs[name]
        except KeyError:
            raise AttributeError(f"no register {name!r}") from None


def items_key(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A dict's items, sorted, pointers as text (list comprehensions: once per execution)."""
    return tuple(sorted([(k, str(v) if isinstance(v, Ref) else v) for k, v in values.items()]))


class Unmet:
    """What a condition callable may return instead of False: why it fails."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __bool__(self) -> bool:
        return False


@mutable_record
class Condition:
    """A final-state condition: quantifier (exists, ~exists, forall) and a proposition."""

    quantifier: str
    test: Callable[[FinalState], bool]
    text: str
    source: str | Callable[[FinalState], bool] = ""  # as the model gave it

    def holds_in(self, state: FinalState) -> bool:
        return bool(self.test(state))


@mutable_record
class Model:
    """CPU functions over shared state, a final-state condition, a name and a description.

    ``observe_only`` (litmus tests) makes the condition an observation: its
    positive and negative executions are counted and one execution is kept per
    final state (``Result.witnesses``), but it is never reported as a finding.
    """

    name: str
    cpus: list[Callable[[], Any]]
    exists: str | Callable[[FinalState], bool] | None = None
    not_exists: str | Callable[[FinalState], bool] | None = None
    forall: str | Callable[[FinalState], bool] | None = None
    filter: str | Callable[[FinalState], bool] | None = None
    description: str = ""
    cpu_names: list[str] = field(default_factory=list)
    path: str = "<model>"
    compiled: Condition | None = None
    compiled_filter: Condition | None = None
    locations: list[str] = field(default_factory=list)
    observe_only: bool = False
    condition_line: int | None = None  # where the file states the condition (loader)
    # how another process builds this model again (-j): see smpcheck.explore.parallel
    recipe: Any = field(default=None, compare=False, repr=False)
    # statements whose constants a CPU may write only on a path no execution takes
    # without a cycle: see Latent and smpcheck.explore.speculation
    latent: tuple[Latent, ...] = ()
    # what a replay record holds of the file's -D settings (smpcheck.model.switches)
    fingerprint_inputs: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for what, value in (("name", self.name), ("description", self.description)):
            if not isinstance(value, str):
                raise UsageError(f"a model's {what} is a string, not "
                                 f"{type(value).__name__} {value!r}", self.path)
        if not self.cpus:
            raise UsageError(f"model {self.name!r} has no CPU functions", self.path)
        for fn in self.cpus:
            _check_cpu_function(fn)
        if not self.cpu_names:
            self.cpu_names = [getattr(fn, "__name__", f"P{i}") for i, fn in enumerate(self.cpus)]
        given = [(q, c) for q, c in (("exists", self.exists), ("~exists", self.not_exists),
                                     ("forall", self.forall)) if c is not None]
        if len(given) > 1:
            raise UsageError("a model has at most one of exists, not_exists and forall",
                             self.path)
        if given and self.compiled is None:
            self.compiled = compile_condition(given[0][0], given[0][1], self.path)
        if self.filter is not None and self.compiled_filter is None:
            self.compiled_filter = compile_condition("filter", self.filter, self.path)

    @property
    def condition(self) -> Condition | None:
        return self.compiled


def _check_cpu_function(fn: Any) -> None:
    """A CPU function is called with no arguments: one that needs some is a usage error
    at its ``def`` line."""
    if not callable(fn):
        raise UsageError(f"a CPU function must be a function, not {type(fn).__name__} "
                         f"{fn!r}")
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_argcount == code.co_kwonlyargcount == 0:
        return  # (the common case, without inspect's cost nor reading the def line)
    site = def_site(fn)
    where = (None, None) if site is NO_SOURCE else (site.path, site.line)
    import inspect  # (about 6 ms to import: only here)

    try:
        inspect.signature(fn).bind()
    except TypeError as exc:
        name = getattr(fn, "__name__", repr(fn))
        raise UsageError(f"CPU function {name} cannot be called without arguments ({exc}): "
                         "smpcheck calls each CPU function with none; give it defaults or "
                         "bind them (functools.partial, a closure)", *where) from None
    except ValueError:  # (no signature to inspect: a builtin; calling it will tell)
        pass


def compile_condition(quantifier: str, cond: str | Callable[[FinalState], bool],
                      path: str) -> Condition:
    """A Condition from a herd-syntax string or a callable."""
    if callable(cond):
        text = str(getattr(cond, "__doc__", None) or getattr(cond, "__name__", "condition"))
        return Condition(quantifier, _guarded(quantifier, cond), text, cond)
    from smpcheck.model.propositions import compile_prop

    return Condition(quantifier, compile_prop(cond, path), cond, cond)


def _guarded(quantifier: str, cond: Callable[[FinalState], Any]) -> Callable[[FinalState], Any]:
    """``cond``, with what it raises turned into a usage error at the line that raised
    it (else the condition's own), and its answer into a bool (or an :class:`Unmet`)."""
    def test(state: FinalState) -> Any:
        try:
            got = cond(state)
            return got if isinstance(got, Unmet) else bool(got)
        except (EngineExit, UsageError):
            raise
        except BaseException as exc:
            src = raise_site(exc.__traceback__)
            if src is NO_SOURCE:
                src = def_site(cond)
            raise UsageError(f"the {quantifier} condition raised {raised_text(exc)}; it is "
                             "given the final state: state.reg(1, 'r0') or state.P1.r0 for "
                             "a register, state.mem('x') or state.x for a location",
                             None if src is NO_SOURCE else src.path, src.line or None
                             ) from None

    return test


