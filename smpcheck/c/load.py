"""A kernel-style C file as a Model: preprocess, parse, lay out, translate, run init().

:func:`load_c_model` is the C counterpart of :func:`smpcheck._rt.loader.load_model`:
it gives the same :class:`~smpcheck.model.model.Model` and global names, so every
memory model, check, report and replay works on it unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycparser import c_ast

from smpcheck.c.clause import condition_args, split_clause
from smpcheck.c.layout import CTypeError, Layouts, field_name
from smpcheck.c.parse import HEADER, check_extensions, parse_c
from smpcheck.c.preprocess import Preprocessor
from smpcheck.c.translate import FunctionTranslator, Scope, Unsupported, py_name
from smpcheck.errors import UsageError
from smpcheck.model.model import Model
from smpcheck.model.objects import NULL, Array, Field, Loc, Obj, Ref, Spec, StructMeta, as_spec
from smpcheck.model.switches import fingerprint_of
from smpcheck.text import read_text

__all__ = ["CFile", "FileDesign", "load_any", "load_c_model"]

_CPU = re.compile(r"P(\d+)")


def load_c_model(path: str, defines: Mapping[str, str] | None = None
                 ) -> tuple[Model, dict[str, Loc]]:
    """The model of C file ``path`` and its global locations by name; ``defines``
    are ``-D`` macros.  Bad input raises :class:`UsageError` at the file's line."""
    text = read_text(path, what="the C model")
    given = dict(defines or {})
    try:
        model, names = _load(text, path, given)
    except RecursionError:
        from smpcheck.c.parse import deepest_line

        raise UsageError("the code is nested too deeply to translate", path,
                         deepest_line(text, path)) from None
    model.recipe = CFile(path, tuple(sorted(given.items())),
                         hashlib.sha256(text.encode()).hexdigest())
    return model, names


def _load(text: str, path: str, defines: dict[str, str]) -> tuple[Model, dict[str, Loc]]:
    code, clause, clause_line = split_clause(text)
    pp = Preprocessor(defines)
    header_text = HEADER.read_text(encoding="utf-8")
    header = pp.run(header_text, str(HEADER))
    body = pp.run(code, path)
    _refuse_unused(defines, pp.consulted, path)
    check_extensions(body, path)
    unit = f'# 1 "{HEADER}"\n{header}\n# 1 "{path}"\n{body}\n'
    ast_ = parse_c(unit, path)
    show_without_comments(path, text)
    show_without_comments(str(HEADER), header_text)
    built = _Builder(path).build(ast_)
    model = built.model(path, text, (clause, clause_line), defines)
    return model, built.names()


def _refuse_unused(defines: Mapping[str, str], consulted: set[str], path: str) -> None:
    """A ``-D`` name nothing in the file (or the header) looks at is a usage error:
    cc accepts it, but a misspelt switch would check the other design and could say
    "safe" about the one meant."""
    unused = sorted(set(defines) - consulted)
    if unused:
        raise UsageError(f"-D {unused[0]}: the C model never uses {unused[0]} (no #if, "
                         "#ifdef, defined() or expansion names it)", path)


def show_without_comments(path: str, text: str) -> None:
    """Let reports show the file's lines without their comments: the line cache the
    runtime reads source lines from gets them so (for as long as the file is as now)."""
    import linecache
    import os

    from smpcheck.c.preprocess import strip_comments

    try:
        stat = os.stat(path)
    except OSError:
        return
    lines = [ln.rstrip() + "\n" for ln in strip_comments(text).split("\n")]
    linecache.cache[path] = (stat.st_size, stat.st_mtime, lines, path)


def _designated(d: c_ast.Node) -> c_ast.Node:
    """The index expression of ``[i] =`` (pycparser 3 wraps it in an ArrayDesignator)."""
    if type(d).__name__ == "ArrayDesignator":
        return d.children()[0][1]
    return d


def _api_names() -> set[str]:
    from smpcheck import kernel

    return set(kernel.__all__)


class _Builder:
    """One translation unit's globals, layouts and functions, made into a module."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.layouts = Layouts()
        self.globals: dict[str, c_ast.Decl] = {}
        self.functions: dict[str, c_ast.FuncDef] = {}
        self.namespace: dict[str, Any] = {}
        self.refs: dict[str, Ref] = {}

    def error(self, message: str, node: Any) -> UsageError:
        coord = getattr(node, "coord", None)
        return UsageError(message, getattr(coord, "file", None) or self.path,
                          getattr(coord, "line", None), getattr(coord, "column", None))

    # -- the pieces ------------------------------------------------------------
    def build(self, unit: c_ast.FileAST) -> _Builder:
        try:
            for ext in unit.ext:
                self._external(ext)
            self._objects()
            self._module()
        except (Unsupported, CTypeError) as exc:
            raise self._placed(self.error(exc.message, exc.node)) from None
        return self

    def _placed(self, err: UsageError) -> UsageError:
        """An error inside smpcheck's header is one of the file's declarations that
        conflicts with it: said at the file's first line, with the header's place."""
        if err.path != str(HEADER):
            return err
        return UsageError(f"{err.message} (in smpcheck's header {HEADER.name}:{err.line}: "
                          "a name of this file conflicts with it)", self.path, 1)

    def _external(self, ext: c_ast.Node) -> None:
        if isinstance(ext, c_ast.Typedef):
            inner = ext.type.type if isinstance(ext.type, c_ast.TypeDecl) else None
            if isinstance(inner, c_ast.Struct) and inner.name is None and inner.decls:
                inner.name = ext.name  # (typedef struct { ... } foo_t: named foo_t)
            self.layouts.note(ext)
            self.layouts.typedefs[ext.name] = ext.type
        elif isinstance(ext, c_ast.FuncDef):
            name = ext.decl.name
            if name in self.functions and self.functions[name].coord.file == self.path:
                raise self.error(f"function {name} is defined twice", ext.decl)
            self.functions[name] = ext
        elif isinstance(ext, c_ast.Decl):
            self.layouts.note(ext)
            if ext.name is None or isinstance(ext.type, c_ast.FuncDecl):
                return
            if "extern" in (ext.storage or ()) and ext.init is None:
                return
            if ext.name in self.globals and self.globals[ext.name].init is not None \
                    and ext.init is not None:
                raise self.error(f"global {ext.name} is defined twice", ext)
            if ext.name in self.functions or ext.name in _api_names():
                raise self.error(f"global {ext.name} has the name of a function of the "
                                 "kernel API or of smpcheck's header: rename it", ext)
            if ext.name not in self.globals or ext.init is not None:
                self.globals[ext.name] = ext
        elif not isinstance(ext, c_ast.Pragma):
            raise self.error(f"unsupported top-level construct {type(ext).__name__}", ext)

    def _objects(self) -> None:
        """A global object per global variable; initial values may point at any."""
        for name in self.globals:
            obj = Obj(name, Field(0))
            self.refs[name] = Ref(obj)
        for name, d in self.globals.items():
            spec = as_spec(self.layouts.spec(d.type))
            if d.init is not None:
                spec = self._initial(spec, d.init)
            obj = self.refs[name]._obj
            assert obj is not None
            obj.spec = spec
            self.namespace[py_name(name)] = self.refs[name]

    def _initial(self, spec: Spec, init: c_ast.Node) -> Spec:
        """``spec`` with the initial values of a C initialiser."""
        from smpcheck.model.objects import StructSpec

        if isinstance(spec, Field):
            if isinstance(init, c_ast.InitList):
                if len(init.exprs) != 1:
                    raise Unsupported("a braced initialiser of a scalar", init)
                init = init.exprs[0]
            return Field(self._value(init, spec.kind == "ptr"), spec.kind)
        if not isinstance(init, c_ast.InitList):
            raise Unsupported("an aggregate needs a braced initialiser", init)
        if isinstance(spec, Array):
            return self._initial_array(spec, init)
        if isinstance(spec, StructSpec):
            return self._initial_struct(spec, init)
        raise Unsupported("this object cannot have an initialiser", init)

    def _initial_array(self, spec: Array, init: c_ast.InitList) -> Spec:
        """An array's elements, in order or by ``[i] =``."""
        elems: list[Spec] = [spec.elem] * spec.n
        k = 0
        for item in init.exprs:
            if isinstance(item, c_ast.NamedInitializer):
                if len(item.name) != 1:
                    raise Unsupported("a nested designator", item.name[-1])
                k = self.layouts.const(_designated(item.name[0]))
                item = item.expr
            if not 0 <= k < spec.n:
                raise Unsupported(f"initialiser index {k} out of the array of {spec.n}", item)
            elems[k] = self._initial(spec.elem, item)
            k += 1
        return Array(spec.n, spec.of, tuple(elems))

    def _initial_struct(self, spec: Any, init: c_ast.InitList) -> Spec:
        """A struct's members, in order or by ``.member =``."""
        from smpcheck.model.objects import StructSpec

        fields = list(spec.stype._fields)
        overrides: dict[str, Any] = {}
        k = 0
        for item in init.exprs:
            if isinstance(item, c_ast.NamedInitializer):
                if len(item.name) != 1 or not isinstance(item.name[0], c_ast.ID):
                    raise Unsupported("a nested designator", item)
                name = field_name(item.name[0].name)
                if name not in fields:
                    raise Unsupported(f"struct {spec.stype.__name__} has no member "
                                      f"{item.name[0].name}", item)
                k = fields.index(name)
                item = item.expr
            if k >= len(fields):
                raise Unsupported("more initialisers than members", item)
            sub = spec.stype._fields[fields[k]]
            overrides[fields[k]] = self._initial(as_spec(sub), item)
            k += 1
        return StructSpec(spec.stype, overrides)

    def _value(self, e: c_ast.Node, pointer: bool) -> Any:
        """A constant initial value: a number, NULL, or the address of a global."""
        if isinstance(e, c_ast.Cast):
            return self._value(e.expr, pointer or isinstance(
                self.layouts.resolve(e.to_type.type), c_ast.PtrDecl))
        if isinstance(e, c_ast.ID) and e.name == "NULL":
            return NULL
        if isinstance(e, c_ast.ID) and e.name in self.refs:
            return self.refs[e.name]  # an array or function name: its address
        if isinstance(e, c_ast.UnaryOp) and e.op == "&":
            return self._address(e.expr)
        v = self.layouts.const(e)
        return NULL if pointer and v == 0 else v

    def _address(self, e: c_ast.Node) -> Ref:
        if isinstance(e, c_ast.ID) and e.name in self.refs:
            return self.refs[e.name]
        if isinstance(e, c_ast.StructRef) and e.type == ".":
            base = self._address(e.name)
            return Ref(base._obj, base._path + (field_name(e.field.name),))
        if isinstance(e, c_ast.ArrayRef):
            base = self._address(e.name)
            return Ref(base._obj, base._path + (self.layouts.const(e.subscript),))
        raise Unsupported("an initial value must be a constant, NULL or the address of a "
                          "global (&x, &s.f, &a[i])", e)

    # -- the module -------------------------------------------------------------
    def _new_module(self) -> tuple[types.ModuleType, dict[str, Any]]:
        """The module the translation runs in, holding the kernel API (also returned)
        and the helpers translated code calls."""
        from smpcheck import kernel
        from smpcheck._rt.loader import runtime_names
        from smpcheck.c.rt import NAMES

        api = {n: getattr(kernel, n) for n in kernel.__all__}
        api.update(addr=kernel.addr, container_of=kernel.container_of, NULL=NULL)
        stem = re.sub(r"\W", "_", Path(self.path).stem)
        mod = types.ModuleType(f"smpcheck_cmodel_{stem}")
        mod.__file__ = self.path
        mod.__dict__.update(api)
        mod.__dict__.update(runtime_names())
        mod.__dict__.update(NAMES)
        return mod, api

    def _module(self) -> None:
        from smpcheck._rt.loader import rewrite_tree
        from smpcheck._rt.rewritten import REWRITTEN

        mod, api = self._new_module()
        ns = mod.__dict__
        scope = Scope(self.layouts, {n: d.type for n, d in self.globals.items()},
                      set(self.functions), set(api))
        for name in self.globals:
            if name in self.functions:
                raise self.error(f"{name} is both a global variable and a function",
                                 self.globals[name])
        by_file: dict[str, list[ast.stmt]] = {}
        for name, fn in self.functions.items():
            entry = bool(_CPU.fullmatch(name))
            fdef = FunctionTranslator(scope, fn, registers=entry).function()
            by_file.setdefault(fn.coord.file or self.path, []).append(fdef)
        ns.update(scope.spec_names)
        ns.update(self.namespace)
        sys.modules[mod.__name__] = mod
        REWRITTEN.add(mod.__name__)
        for file, defs in by_file.items():
            tree = ast.Module(body=defs, type_ignores=[])
            try:
                code = rewrite_tree(tree, file)
            except UsageError as exc:  # (Python's limits on the translation, at the line)
                raise UsageError("the statements nest too deeply for smpcheck (it takes "
                                 "about ten levels of if, while and for)", exc.path,
                                 exc.line) from None
            exec(code, ns)  # noqa: S102 - our own translation
        self.module = mod
        self.scope = scope

    def names(self) -> dict[str, Loc]:
        from smpcheck._rt.loader import name_globals

        return name_globals({n: r for n, r in self.namespace.items()})

    # -- the model -------------------------------------------------------------
    def model(self, path: str, text: str, clause: tuple[str, int],
              defines: Mapping[str, str]) -> Model:
        """The model of the file ``path`` holding ``text``, its final-state ``clause``
        (the text and its line) and ``-D`` ``defines``."""
        clause_text, clause_line = clause
        entries = sorted((int(m.group(1)), n) for n in self.functions
                         if (m := _CPU.fullmatch(n)))
        if not entries:
            end = max(1, len(text.splitlines()))
            raise UsageError("the file defines no CPU function: write void P0(void) { ... }, "
                             "P1, ... (as in a litmus test)", path, end)
        for k, (i, name) in enumerate(entries):
            if i != k:
                raise self.error(f"CPU functions must be P0, P1, ... without a gap: P{k} is "
                                 f"missing before {name}", self.functions[name].decl)
            params = self.functions[name].decl.type.args
            if params is not None and any(p.name for p in params.params):
                raise self.error(f"{name} must take no arguments (void {name}(void))",
                                 self.functions[name].decl)
        ns = self.module.__dict__
        cpus = [ns[py_name(n)] for _, n in entries]
        if "init" in self.functions:
            from smpcheck.c.init import run_init

            run_init(ns["init"], self, path)
        suffix = " ".join(f"-D {k}" + (f"={v}" if v != "1" else "")
                          for k, v in sorted(defines.items()))
        name = Path(path).stem + (f" ({suffix})" if suffix else "")
        kwargs = condition_args(clause_text, clause_line, path)
        doc = _leading_comment(text)
        model = Model(name, cpus, description=doc, path=path, **kwargs)
        model.condition_line = clause_line or None
        model.fingerprint_inputs = fingerprint_of(defines)
        return model


def _leading_comment(text: str) -> str:
    m = re.match(r"\s*/\*(.*?)\*/", text, re.DOTALL)
    if not m:
        return ""
    lines = [re.sub(r"^\s*\* ?", "", ln) for ln in m.group(1).strip().splitlines()]
    return "\n".join(lines).strip()


_ = (StructMeta,)  # (re-exported layouts are StructMeta classes)


def load_any(path: str, defines: Sequence[str] = ()) -> tuple[Model, dict[str, Loc]]:
    """A model file of either kind, with its ``-D NAME[=VALUE]`` settings (a bare NAME
    is 1, as cc takes it): a C file's (``.c``) macros, a Python file's switches
    (:mod:`smpcheck.model.switches`)."""
    from smpcheck.model.switches import parse_define

    return FileDesign(path).build(None, parse_define(defines))


@dataclass(frozen=True)
class FileDesign:
    """A user's model file as ``smpcheck kvm matrix`` sees a design: something to build
    once per setting (``check --variant``), of a Python file's switches or a C file's
    macros."""

    path: str

    @property
    def name(self) -> str:
        return self.path

    def build(self, scenario: str | None, given: Mapping[str, str]
              ) -> tuple[Model, dict[str, Loc]]:
        """The model and its named globals, loaded afresh with the settings ``given``
        (``scenario``: model files have none)."""
        from smpcheck._rt.loader import load_model

        if self.path.endswith(".c"):
            return load_c_model(self.path, given)
        if self.path.endswith(".litmus"):  # (read as Python, it was a syntax error)
            raise UsageError("a litmus test: check it with 'smpcheck litmus' (smpcheck "
                             "check takes a model, MODEL.py or MODEL.c)", self.path)
        return load_model(self.path, given)


@dataclass(frozen=True)
class CFile:
    """How another process builds a C model again (-j): its path, macros and text's
    digest (a file changed meanwhile is an error, not another design)."""

    path: str
    defines: tuple[tuple[str, str], ...]
    sha256: str

    def build(self, mm: str) -> tuple[Model, dict[str, Loc], None]:
        """The model and its names; the memory model is left to the caller (None)."""
        model, names = load_c_model(self.path, dict(self.defines))
        if model.recipe != self:
            raise UsageError("the model file changed while it was being checked", self.path)
        return model, names, None
