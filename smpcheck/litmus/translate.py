"""Litmus tests become models: the same kind of Model the Python API builds.

:func:`smpcheck.litmus.run.translate` turns a parsed test
(:class:`~smpcheck.litmus.syntax.CTest` or :class:`~smpcheck.litmus.syntax.X86Test`) into a
:class:`~smpcheck.model.model.Model` and the names of its shared locations (as
:func:`smpcheck.model.objects.name_globals` gives them for a Python model), so the
one explorer runs it under any memory model::

    test = parse_litmus_file("SB+poonceonces.litmus")
    model, names = translate(test)
    result = verify(model, names, "lkmm", Settings(all_violations=True))

Each thread becomes a CPU function that interprets the thread's code with the
kernel primitives of :mod:`smpcheck.kernel` (C: :mod:`.translate_c`; X86:
:mod:`.translate_x86`) and returns its registers.  The final condition is an
*observation* (``Model.observe_only``): every execution is counted as
positive or negative, none is a finding.  Shared locations are the variables
of the init block, the thread parameters (C) or the memory operands (X86),
and the variables whose address an initial value takes; each starts at its
initial value or 0.  Semantic errors (an unknown macro, an undeclared
variable, a register the condition names that the thread lacks...) raise
:class:`~smpcheck.litmus.syntax.LitmusError` naming file:line[:column].
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from smpcheck.litmus.syntax import (
    Call,
    CTest,
    InitEntry,
    InitValue,
    LitmusError,
    LocRef,
    Name,
    Num,
    PAnd,
    PEq,
    PFalse,
    PImplies,
    PNot,
    POr,
    Prop,
    PTrue,
    X86Test,
)
from smpcheck.model.model import Condition, Model
from smpcheck.model.objects import NULL, Field, Loc, Obj, Ref
from smpcheck.model.propositions import predicate

LitmusTest = CTest | X86Test


class SourceLines:
    """The lines of a litmus file, for report rows and error columns."""

    def __init__(self, path: str, text: str | None = None) -> None:
        self.path = path
        if text is None:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                text = ""
        self.lines = text.splitlines()

    def text(self, line: int) -> str:
        """Line ``line`` (1-based), stripped, or '' if there is none."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def error(self, message: str, line: int, word: str | None = None) -> LitmusError:
        """A LitmusError at ``line``, with the column of ``word`` when the line shows it."""
        column = None
        if word and 0 < line <= len(self.lines):
            found = self.lines[line - 1].find(word)
            column = found + 1 if found >= 0 else None
        return LitmusError(message, self.path, line or None, column)


# --------------------------------------------------------------------- memory


class Memory:
    """The shared locations of a test: one global object per variable."""

    def __init__(self, lines: SourceLines) -> None:
        self.lines = lines
        self.refs: dict[str, Ref] = {}

    def declare(self, name: str, kind: str = "int") -> Ref:
        """The pointer to variable ``name``, declared (initially 0) on first use."""
        ref = self.refs.get(name)
        if ref is None:
            ref = Ref(Obj(name, Field(0, kind)))
            self.refs[name] = ref
        return ref

    def set_initial(self, name: str, value: Any) -> None:
        obj = self.declare(name)._obj
        assert obj is not None and isinstance(obj.spec, Field)
        obj.spec = Field(value, obj.spec.kind)

    def names(self) -> dict[str, Loc]:
        """Each location by its variable name, as the loader names a model's globals."""
        return {name: ref._obj.loc(()) for name, ref in self.refs.items()
                if ref._obj is not None}

    def value(self, value: InitValue | None, line: int) -> Any:
        """An initial value: a number, a variable's address, or ATOMIC_INIT(n)."""
        if value is None:
            return 0
        if isinstance(value, Num):
            return value.value
        if isinstance(value, Name):
            return NULL if value.id == "NULL" else self.declare(value.id)
        if isinstance(value, Call) and value.func == "ATOMIC_INIT" and len(value.args) == 1 \
                and isinstance(value.args[0], Num):
            return value.args[0].value
        raise self.lines.error(f"unsupported initial value {_show_init(value)}: write a "
                               "number, a variable (its address) or ATOMIC_INIT(n)",
                               line, getattr(value, "func", None))


def _show_init(value: InitValue) -> str:
    if isinstance(value, Call):
        return f"{value.func}(...)"
    return str(getattr(value, "value", getattr(value, "id", value)))


def init_globals(test: LitmusTest, memory: Memory, kinds: dict[str, str]) -> None:
    """Declare the init block's variables (and those its values point to), with values."""
    for entry in test.init:
        if entry.thread is None:
            memory.declare(entry.name, kinds.get(entry.name, _kind(entry.type_text)))
    for entry in test.init:
        if entry.thread is None:
            memory.set_initial(entry.name, memory.value(entry.value, entry.line))


def _kind(type_text: str | None) -> str:
    if not type_text:
        return "int"
    if type_text.endswith("*"):
        return "ptr"
    return {"spinlock_t": "spinlock", "atomic_t": "atomic"}.get(type_text, "int")


def init_registers(test: LitmusTest, memory: Memory) -> Iterator[tuple[InitEntry, Any]]:
    """The register entries of the init block (``0:r1=x``) with their values."""
    for entry in test.init:
        if entry.thread is not None:
            if entry.thread >= len(test.threads):
                raise memory.lines.error(f"the init block sets {entry.thread}:{entry.name} "
                                         f"but the test has no thread P{entry.thread}",
                                         entry.line, f"{entry.thread}:")
            yield entry, memory.value(entry.value, entry.line)


# ------------------------------------------------------------------ condition

CheckLoc = Callable[[LocRef], None]


def prop_locations(prop: Prop | None) -> Iterator[LocRef]:
    """Every location a proposition reads, in order."""
    if prop is None or isinstance(prop, PTrue | PFalse):
        return
    if isinstance(prop, PEq):
        yield prop.loc
        if isinstance(prop.value, LocRef):
            yield prop.value
    elif isinstance(prop, PNot):
        yield from prop_locations(prop.prop)
    elif isinstance(prop, PAnd | POr):
        for item in prop.items:
            yield from prop_locations(item)
    elif isinstance(prop, PImplies):
        yield from prop_locations(prop.left)
        yield from prop_locations(prop.right)


def prop_addresses(prop: Prop | None) -> Iterator[Name]:
    """The variables whose address a proposition compares with (``1:r0=x``)."""
    if isinstance(prop, PEq) and isinstance(prop.value, Name):
        yield prop.value
    elif isinstance(prop, PNot):
        yield from prop_addresses(prop.prop)
    elif isinstance(prop, PAnd | POr):
        for item in prop.items:
            yield from prop_addresses(item)
    elif isinstance(prop, PImplies):
        yield from prop_addresses(prop.left)
        yield from prop_addresses(prop.right)


def observed(test: LitmusTest) -> list[LocRef]:
    """The locations herd prints in each final state: ``locations [...]``, then the
    condition's, without repeats, registers first (by thread and name), then memory."""
    seen: dict[tuple[int | None, str], LocRef] = {}
    for loc in [*test.locations, *prop_locations(test.condition.prop)]:
        seen.setdefault((loc.thread, loc.name), loc)
    return sorted(seen.values(), key=lambda lc: (lc.thread is None, lc.thread or 0, lc.name))


def declare_named(test: LitmusTest, memory: Memory) -> None:
    """Declare the variables the condition, the filter and ``locations`` name (or
    compare addresses with) that the test does not otherwise have: herd reads them
    as variables that stay 0."""
    for prop in (test.condition.prop, test.filter):
        for loc in prop_locations(prop):
            if loc.thread is None:
                memory.declare(loc.name)
        for name in prop_addresses(prop):
            if name.id != "NULL":
                memory.declare(name.id)
    for loc in test.locations:
        if loc.thread is None:
            memory.declare(loc.name)


def named_registers(test: LitmusTest) -> Iterator[LocRef]:
    """The registers the condition, the filter and ``locations`` read."""
    for loc in [*test.locations, *prop_locations(test.condition.prop),
                *prop_locations(test.filter)]:
        if loc.thread is not None:
            yield loc


def compile_conditions(test: LitmusTest, memory: Memory,
                       check: CheckLoc) -> tuple[Condition, Condition | None]:
    """The Model conditions of the test's final condition and filter, checked first."""
    for prop in (test.condition.prop, test.filter):
        for loc in prop_locations(prop):
            check(loc)
    for loc in test.locations:
        check(loc)
    cond = test.condition
    main = Condition(cond.quantifier, predicate(cond.prop, test.path), render_prop(cond.prop))
    flt = None
    if test.filter is not None:
        flt = Condition("filter", predicate(test.filter, test.path), render_prop(test.filter))
    return main, flt


def check_memory_loc(memory: Memory, loc: LocRef) -> None:
    """A memory location a condition names must be a shared variable."""
    if loc.name not in memory.refs:
        raise memory.lines.error(f"the condition names {loc.name}, which is not a shared "
                                 "variable of the test", loc.line, loc.name)


def make_model(test: LitmusTest, cpus: list[Callable[[], Any]], memory: Memory,
               check: CheckLoc) -> tuple[Model, dict[str, Loc]]:
    """The Model of a translated test: observe-only, CPUs named P0, P1, ..."""
    main, flt = compile_conditions(test, memory, check)
    model = Model(test.name, cpus, description=getattr(test, "doc", ""),
                  cpu_names=[f"P{i}" for i in range(len(cpus))], path=test.path,
                  compiled=main, compiled_filter=flt, observe_only=True,
                  locations=[render_loc(loc) for loc in test.locations])
    return model, memory.names()


# ------------------------------------------------------------------- printing


def render_loc(loc: LocRef) -> str:
    """``0:r0`` or ``x``, as a location is written in a test."""
    return loc.name if loc.thread is None else f"{loc.thread}:{loc.name}"


def herd_loc(loc: LocRef) -> str:
    """``0:r0`` or ``[x]``: a location as herd7 prints it in states and conditions."""
    return f"[{loc.name}]" if loc.thread is None else f"{loc.thread}:{loc.name}"


def render_prop(prop: Prop) -> str:
    """A proposition as herd7 prints it: memory locations in brackets (``[x]=1``),
    negations as ``not (...)``, ``a != b`` as ``not (a=b)``, parentheses only where
    herd puts them: around a disjunction or implication inside a conjunction, an
    implication inside a disjunction, a conjunction or disjunction inside an
    implication."""
    return _render(prop, None)


# herd's rule: which connectives need parentheses directly inside which.
_PARENS = {PAnd: (POr, PImplies), POr: (PImplies,), PImplies: (PAnd, POr)}


def _render(prop: Prop, above: type | None) -> str:
    if isinstance(prop, PTrue):
        return "true"
    if isinstance(prop, PFalse):
        return "false"
    if isinstance(prop, PEq):
        value = prop.value
        if isinstance(value, LocRef):
            shown = herd_loc(value)
        else:
            shown = str(value.value if isinstance(value, Num) else value.id)
        return f"{herd_loc(prop.loc)}={shown}"
    if isinstance(prop, PNot):
        return f"not ({_render(prop.prop, None)})"
    if isinstance(prop, PImplies):
        text = f"{_render(prop.left, PImplies)} => {_render(prop.right, PImplies)}"
    else:
        sep = r" \/ " if isinstance(prop, POr) else r" /\ "
        text = sep.join(_render(item, type(prop)) for item in prop.items)
    return f"({text})" if above is not None and type(prop) in _PARENS[above] else text
