"""Python state that CPU code changes: shared between CPUs and runs, and invisible.

CPUs share only what is in the execution graph (``Var``, ``Struct``, ``Array``,
what ``kmalloc`` returns).  A module-level list that one CPU appends to and another
reads passes a message smpcheck never sees, and re-running a CPU no longer repeats
it.  So a check takes a *fingerprint* of the Python state model code can reach
before it explores, and compares it again after re-running CPUs and at the end:

* the globals of each model module (a model file, the KVM library: the modules
  :mod:`smpcheck._rt.loader` rewrote), and the class attributes of their classes;
* the closure cells, default arguments and attributes of their functions and of
  the CPU functions themselves;
* inside those, lists, dicts, sets, deques and bytearrays, instances of the
  model's own classes (their ``__dict__``), ``random.Random`` generators, and
  iterators of builtins and ``itertools`` (their position).

smpcheck's own objects are compared by identity only: what they hold is memory.
Objects of other libraries are compared by identity too (their inside is not seen).
A change is a usage error naming the variable; the line that made it is found by
re-running the CPUs under a line tracer (:func:`find_change`), else the variable's
definition is named.  ``global`` and ``nonlocal`` assignments in CPU code are
refused where they happen (:mod:`smpcheck._rt.loops`, ``_smp_outer_store``).
"""

from __future__ import annotations

import collections
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

from smpcheck._rt.rewritten import engine_made, engine_module
from smpcheck._rt.runtime import ModelMisuse
from smpcheck.model.objects import Ref
from smpcheck.model.source import Source
from smpcheck.model.values import Val, raw

__smp_engine__ = True

_MAX_DEPTH = 40
_MOST = 2_000  # objects a loop head's fingerprint looks at before the rest is Unseen
_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None), range, type(...)})
_BY_IDENTITY = (type, types.ModuleType, types.MethodType, types.BuiltinMethodType)
_ITER_MODULES = frozenset({"builtins", "itertools"})
_CONTAINER_TYPES = (list, tuple, collections.deque, set, frozenset, dict, bytearray)
_CONTAINERS = frozenset(_CONTAINER_TYPES)
_MISSING = ("missing",)


class Unseen:
    """What a loop head's fingerprint cannot look inside: equal to nothing (not even
    itself, so a new one is made each time), so the state holding it counts as
    changed."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)


class Same:
    """An object in a loop head's fingerprint compared by identity; it holds the
    object, so that no new one takes its id while the fingerprint is kept."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return type(other) is Same and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


class Fingerprint:
    """Structural fingerprints of values: equal for equal contents (nested tuples);
    an object met twice in one fingerprint is named by when it was met first.

    The hidden-state check (:class:`PythonState`) compares by identity what it cannot
    look inside.  A loop head (``loop_head``, :mod:`smpcheck._rt.loops`) must never
    take a changed state for the same (it would block a CPU that still makes
    progress, and lose executions), so it also compares mutable containers and the
    model's objects by identity, values without their dependencies, and takes what
    it cannot look inside (another library's object, a generator, too deep or too
    large a structure) as :class:`Unseen`.  Both leave out the loader's ``_smp_``
    names."""

    def __init__(self, user_modules: set[str], loop_head: bool = False) -> None:
        self.user = user_modules
        self.loop_head = loop_head
        self.memo: dict[int, int] = {}
        self.kept: list[Any] = []

    def of(self, x: Any) -> Any:
        self.memo, self.kept = {}, []
        return self._fp(x, 0)

    def of_locals(self, local: dict[str, Any]) -> Any:
        """A mapping of locals by what it holds only (``locals()`` may make a new one
        at each call)."""
        self.memo, self.kept = {}, []
        return self._entries(local, 1)

    def _fp(self, x: Any, depth: int) -> Any:
        t = type(x)
        if t is Val and self.loop_head:  # (a value compared with its dependencies
            x = raw(x)                   # would record a control dependency on them)
            t = type(x)
        if t in _ATOMS:
            return x
        if t is Ref:  # (not the Ref itself: NULL == None == 0 as C values)
            return ("ref", id(x._obj), x._path, x._tag)
        seen = self.memo.get(id(x))
        if seen is not None:
            return ("@", seen)
        if depth > _MAX_DEPTH or (self.loop_head and len(self.memo) >= _MOST):
            return Unseen() if self.loop_head else ("id", id(x))
        self.memo[id(x)] = len(self.memo)
        self.kept.append(x)  # (alive until the next fingerprint: no other takes its id)
        fp = self._inside(x, t, depth + 1)
        if not self.loop_head:
            return ("id", id(x)) if fp is None else fp
        if fp is None:
            return Unseen()
        return fp if t is tuple or t is frozenset else (fp, Same(x))

    def _inside(self, x: Any, t: type, d: int) -> Any:  # noqa: C901 - a case per kind
        """What ``x`` holds; ("id", ...) for what is compared by identity alone; None
        for what cannot be looked inside.  A set's elements in its own order (an
        element met again elsewhere is named by when it was met first)."""
        held: Any
        if isinstance(x, (list, tuple, collections.deque, set, frozenset)):
            held = (t.__name__, tuple([self._fp(v, d) for v in x]))
        elif isinstance(x, dict):
            held = ("dict", self._entries(x, d))
        elif isinstance(x, bytearray):
            held = ("bytes", bytes(x))
        else:
            return self._other(x, t, d)
        if t in _CONTAINERS:
            return held
        return (held, self._other(x, t, d))  # (a subclass: its attributes too)

    def _other(self, x: Any, t: type, d: int) -> Any:
        if isinstance(x, types.FunctionType):
            original = x.__dict__.get("smp_original")  # (the nondeterminism guard's
            if original is not None:                   # stand-in is the function it guards)
                return ("id", id(original))
            return self._function(x, d)
        rnd = sys.modules.get("random")  # (no Random without its module: not imported here)
        if rnd is not None and isinstance(x, rnd.Random):
            return ("Random", x.getstate())
        if isinstance(x, types.GeneratorType):  # (its position only, not its locals)
            return None if self.loop_head else (
                "gen", x.gi_frame.f_lasti if x.gi_frame is not None else -1)
        mod = getattr(t, "__module__", "")
        if isinstance(x, type):
            return self._class(x, d) if x.__module__ in self.user else ("id", id(x))
        if mod in self.user:
            return self._instance(x, d)
        if mod in _ITER_MODULES and hasattr(x, "__next__"):
            try:
                return ("iter", self._fp(x.__reduce__(), d))
            except Exception:
                return None
        if isinstance(x, (types.MethodType, types.BuiltinMethodType)) and (
                isinstance(x.__self__, _CONTAINER_TYPES)
                or type(x.__self__).__module__ in self.user):  # (lst.append: its object too)
            return ("method", x.__name__, id(getattr(x, "__func__", None)),
                    self._fp(x.__self__, d))
        if isinstance(x, _BY_IDENTITY) or engine_module(mod):  # (smpcheck's objects:
            return ("id", id(x))                             # what they hold is memory)
        return None  # (another library's object)

    def _entries(self, x: dict[Any, Any], d: int) -> tuple[Any, ...]:
        return tuple([(self._fp(k, d), self._fp(v, d)) for k, v in x.items()
                      if not (type(k) is str and k.startswith("_smp_"))])

    def _function(self, fn: types.FunctionType, d: int) -> Any:
        cells = []
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False):
            try:
                cells.append((name, self._fp(cell.cell_contents, d)))
            except ValueError:  # (an empty cell)
                cells.append((name, _MISSING))
        return ("fn", id(fn.__code__), tuple(cells), self._fp(fn.__defaults__, d),
                self._fp(fn.__kwdefaults__, d), self._fp(fn.__dict__, d))

    def _class(self, cls: type, d: int) -> Any:
        attrs = [(k, self._fp(v, d)) for k, v in vars(cls).items()
                 if not k.startswith("__") and not isinstance(
                     v, (types.FunctionType, classmethod, staticmethod, property))]
        return ("class", cls.__qualname__, tuple(attrs))

    def _instance(self, x: Any, d: int) -> Any:
        attrs = list(getattr(x, "__dict__", {}).items())
        for klass in type(x).__mro__:
            for name in getattr(klass, "__slots__", ()):
                if name not in ("__dict__", "__weakref__") and hasattr(x, name):
                    attrs.append((name, getattr(x, name)))
        return ("obj", type(x).__qualname__, tuple([(k, self._fp(v, d)) for k, v in attrs]))


class Root:
    """One thing model code can reach: a module's global or a CPU function."""

    def __init__(self, label: str, get: Callable[[], Any],
                 where: Callable[[], Source]) -> None:
        self.label = label
        self.get = get
        self.defined = where  # where it is defined, named if the changing line is not found

    @property
    def where(self) -> Source:
        return self.defined()


class PythonState:
    """The fingerprint of what model code can reach, taken before a check and
    compared with ``changed()``."""

    def __init__(self, modules: Iterable[types.ModuleType], cpus: list[Any]) -> None:
        mods = list(modules)
        self.files = ({getattr(m, "__file__", None) for m in mods}
                      | {getattr(getattr(fn, "__code__", None), "co_filename", None)
                         for fn in cpus}) - {None}
        self.fp = Fingerprint({m.__name__ for m in mods})
        self.roots = _roots(mods, cpus)
        self.before = [self.fp.of(r.get()) for r in self.roots]

    def changed(self) -> Root | None:
        """The first root whose fingerprint is not what it was, if any."""
        for root, before in zip(self.roots, self.before, strict=True):
            if self.fp.of(root.get()) != before:
                return root
        return None

    def error(self, root: Root, line: Source | None, cpu: str | None) -> ModelMisuse:
        """The usage error for a change of ``root`` (made at ``line`` by ``cpu``)."""
        if line is not None:
            who = f"CPU function {cpu}" if cpu else "CPU code"
            what = f"{who} changes {root.label} ({line})"
        else:  # (re-running did not change it again: an assignment of the same value)
            what = f"CPU code changed {root.label}, defined here"
        return ModelMisuse(f"Python state smpcheck cannot see: {what}; CPUs may share only "
                           "memory (Var, Struct, Array, kmalloc), and what a CPU keeps in "
                           "Python must start afresh in each run (a local variable)",
                           line or root.where)

    def tracer(self, root: Root, found: list[tuple[Source, str]]) -> Callable[..., Any]:
        """A trace function noting, in ``found``, the model line after which ``root``'s
        fingerprint changed (and the CPU function running it)."""
        import linecache  # (only to report a misuse: no run imports it otherwise)

        last = [self.fp.of(root.get())]
        prev: list[Any] = [None]

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if found:
                return None
            now = self.fp.of(root.get())
            if now != last[0] and prev[0] is not None:
                found.append(prev[0])
            last[0] = now
            if event == "line":
                path, line = frame.f_code.co_filename, frame.f_lineno
                prev[0] = (Source(path, line, linecache.getline(path, line).strip(),
                                  frame.f_code.co_name), _cpu_of_frame(frame))
            return local

        def call(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event != "call" or frame.f_code.co_filename not in self.files:
                return None
            return local(frame, event, arg)

        return call


def _cpu_of_frame(frame: Any) -> str:
    import greenlet

    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    return "" if cpu is None else str(getattr(cpu.fn, "__name__", ""))


def _roots(modules: list[types.ModuleType], cpus: list[Any]) -> list[Root]:
    roots: list[Root] = []
    for mod in modules:
        ns = mod.__dict__
        short = "" if len(modules) == 1 else mod.__name__.rsplit(".", 1)[-1] + "."
        for name, value in ns.items():
            if name.startswith("__") or name.startswith("_smp_") or isinstance(
                    value, types.ModuleType):
                continue
            if getattr(value, "__module__", mod.__name__) != mod.__name__ and isinstance(
                    value, (type, types.FunctionType)):
                continue  # (imported: its own module's root, or a library's)
            roots.append(Root(f"the module variable {short}{name}", _getter(ns, name),
                              _defined(mod, name)))
    for fn in cpus:
        code = getattr(fn, "__code__", None)
        if code is None or engine_made(fn):
            continue
        roots.append(Root(f"the closure, defaults or attributes of CPU function "
                          f"{getattr(fn, '__name__', '?')}", _getter({"": fn}, ""),
                          _getter({"": _line(code.co_filename, code.co_firstlineno)}, "")))
    return roots


def _line(path: str, line: int) -> Source:
    import linecache

    return Source(path, line, linecache.getline(path, line).strip())


def _defined(mod: types.ModuleType, name: str) -> Callable[[], Source]:
    """Where module ``mod`` assigns ``name`` first (looked up only for a report)."""
    path = getattr(mod, "__file__", "") or ""
    return lambda: _line(path, _definition_lines(mod).get(name, 0))


def _getter(ns: dict[str, Any], name: str) -> Callable[[], Any]:
    """What ``ns[name]`` holds, each time it is called."""
    return lambda: ns.get(name, _MISSING)


def _definition_lines(mod: types.ModuleType) -> dict[str, int]:
    """Each module-level name's first assignment line in the module's file."""
    import ast
    import linecache

    path = getattr(mod, "__file__", None)
    out: dict[str, int] = {}
    if not path:
        return out
    try:
        tree = ast.parse("".join(linecache.getlines(path)), path)
    except (OSError, SyntaxError, ValueError):
        return out
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(node.name, node.lineno)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                out.setdefault((alias.asname or alias.name).split(".")[0], node.lineno)
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    out.setdefault(sub.id, sub.lineno)
    return out


def trace_run(run: Callable[[], None], tracer: Callable[..., Any]) -> None:
    """Call ``run`` with ``tracer`` as the trace function; whatever it raises is dropped
    (a diagnosis re-run)."""
    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    except BaseException:  # noqa: BLE001 - a diagnosis: the error is reported already
        pass
    finally:
        sys.settrace(old)
