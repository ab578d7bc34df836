"""Loading model files: the source rewrite that lets model code read like kernel C.

Three rewrites, applied to the syntax tree of a model file (and of the
library of model code, :func:`install_library_rewriting`) before it runs; line numbers are kept:

1. The location argument of a memory primitive is an lvalue, as in C:
   ``READ_ONCE(kvm.arch.being_unmapped_rmap)`` reads that field, it does not
   first load it.  Attribute and subscript expressions in that position (and in
   ``addr(...)``, C's ``&``) become pointers to the member.
2. ``p is NULL`` / ``p is None`` become ``==`` (a loaded pointer is a tracked
   value, never the NULL object itself).
3. Every ``while`` loop reports each iteration to the runtime, which turns
   spin-waits into awaits and bounds the other loops.
4. A statement assigning a name a function declares ``global`` or ``nonlocal`` first
   asks the runtime whether it may: CPU code may not change Python state that
   outlives its run (a usage error naming the line and column); module-level code
   and set-up helpers may.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from smpcheck._rt.rewritten import REWRITTEN
from smpcheck.errors import UsageError
from smpcheck.model.model import Model
from smpcheck.model.objects import Field, Loc, name_globals
from smpcheck.records import record
from smpcheck.text import read_text

# Primitive name -> index of its location argument.
LOCATION_ARG: dict[str, int] = {"addr": 0}
for _name in ("READ_ONCE", "WRITE_ONCE", "smp_load_acquire", "smp_store_release",
              "smp_store_mb", "rcu_dereference", "rcu_assign_pointer", "xchg", "cmpxchg",
              "try_cmpxchg", "spin_lock", "spin_unlock", "spin_trylock", "spin_is_locked",
              "spin_lock_irq", "spin_unlock_irq", "spin_lock_irqsave", "spin_unlock_irqrestore",
              "spin_lock_bh", "spin_unlock_bh", "mutex_lock", "mutex_unlock", "mutex_trylock",
              "atomic_read", "atomic_set", "atomic_read_acquire", "atomic_set_release",
              "atomic_inc", "atomic_dec", "atomic_inc_return", "atomic_dec_return",
              "atomic_fetch_inc", "atomic_fetch_dec", "atomic_xchg", "atomic_cmpxchg",
              "atomic_try_cmpxchg", "atomic_dec_and_test", "atomic_inc_and_test",
              "atomic_add_unless", "atomic_inc_not_zero", "kfree", "srcu_read_lock",
              "srcu_read_unlock", "srcu_down_read", "srcu_up_read", "synchronize_srcu",
              "synchronize_srcu_expedited", "atomic_long_read", "atomic_long_set",
              "atomic_long_cmpxchg", "atomic_long_try_cmpxchg", "cmpxchg64"):
    LOCATION_ARG[_name] = 0
for _name in ("atomic_add", "atomic_sub", "atomic_and", "atomic_or", "atomic_xor",
              "atomic_andnot", "atomic_add_return", "atomic_sub_return", "atomic_fetch_add",
              "atomic_fetch_sub", "atomic_fetch_and", "atomic_fetch_or", "atomic_fetch_xor",
              "atomic_fetch_andnot", "atomic_sub_and_test", "atomic_add_negative", "set_bit",
              "clear_bit", "change_bit", "test_and_set_bit", "test_and_clear_bit",
              "test_and_set_bit_lock", "clear_bit_unlock", "test_bit"):
    LOCATION_ARG[_name] = 1
for _name in ("seqcount_init", "write_seqcount_begin", "write_seqcount_end", "raw_read_seqcount",
              "read_seqcount_begin", "read_seqcount_retry", "refcount_set", "refcount_read",
              "refcount_inc", "refcount_inc_not_zero", "refcount_dec_and_test", "refcount_dec",
              "read_lock", "read_unlock", "write_lock", "write_unlock", "read_trylock",
              "write_trylock", "read_lock_irq", "read_unlock_irq", "write_lock_irq",
              "write_unlock_irq", "read_lock_irqsave", "read_unlock_irqrestore",
              "write_lock_irqsave", "write_unlock_irqrestore", "read_lock_bh", "read_unlock_bh",
              "write_lock_bh", "write_unlock_bh", "down_read", "up_read", "down_write",
              "up_write", "down_read_trylock", "down_write_trylock", "downgrade_write",
              "smp_cond_load", "rcu_dereference_protected", "rcu_replace_pointer"):
    LOCATION_ARG[_name] = 0
for _name in ("refcount_add", "refcount_add_not_zero", "refcount_sub_and_test"):
    LOCATION_ARG[_name] = 1
for _name, _index in list(LOCATION_ARG.items()):  # atomic64_t: atomic_t's, by their names
    if _name.startswith("atomic_") and not _name.startswith("atomic_long_"):
        LOCATION_ARG["atomic64_" + _name.removeprefix("atomic_")] = _index


def _base_name(name: str) -> str:
    for suffix in ("_relaxed", "_acquire", "_release"):
        if name.endswith(suffix) and name[: -len(suffix)] in LOCATION_ARG:
            return name[: -len(suffix)]
    return name


Owner = tuple[str, int] | None  # a nonlocal's function (name, first line); None: global


class _Rewriter(ast.NodeTransformer):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scopes: list[ast.FunctionDef | ast.AsyncFunctionDef] = []  # enclosing defs
        self.saves = 0  # control-dependency scopes made (each its own local name)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()
        declared: dict[str, Owner] = {}  # name -> the owner the runtime is told
        for stmt in _own_statements(node.body):
            if isinstance(stmt, ast.Global):
                declared.update((n, None) for n in stmt.names)
            elif isinstance(stmt, ast.Nonlocal):
                declared.update((n, self._owner(n)) for n in stmt.names)
        if declared:
            node.body = _check_outer_stores(node.body, declared, self.path)
        return node

    def _owner(self, name: str) -> Owner:
        """The function whose variable ``name`` a ``nonlocal`` in the current one
        names, as (its name, its first line): the runtime looks for it on the stack."""
        for scope in reversed(self.scopes):
            if name in _local_names(scope):
                first = min([scope.lineno] + [d.lineno for d in scope.decorator_list])
                return (scope.name, first)
        return None

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name):
            idx = LOCATION_ARG.get(_base_name(node.func.id))
            if idx is not None and idx < len(node.args):
                node.args[idx] = _address_of(node.args[idx])
                if node.func.id == "addr":
                    return node.args[0]
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        ops: list[ast.cmpop] = []
        for op, right in zip(node.ops, node.comparators, strict=True):
            nullish = _is_null(right) or _is_null(node.left)
            if isinstance(op, ast.Is) and nullish:
                op = ast.Eq()
            elif isinstance(op, ast.IsNot) and nullish:
                op = ast.NotEq()
            ops.append(op)
        node.ops = ops
        return node

    def visit_While(self, node: ast.While) -> list[ast.stmt]:
        self.generic_visit(node)
        site = ast.Tuple([ast.Constant(self.path), ast.Constant(node.lineno)], ast.Load())
        enter = ast.Expr(ast.Call(ast.Name("_smp_loop_enter", ast.Load()), [site], []))
        state = ast.Call(ast.Name("locals", ast.Load()), [], [])
        head = ast.Call(ast.Name("_smp_loop_head", ast.Load()), [site, state], [])
        node.test = ast.BoolOp(ast.And(), [head, node.test])
        ast.copy_location(enter, node)
        return self._ctrl_scope([enter, node], node)

    def visit_If(self, node: ast.If) -> list[ast.stmt]:
        self.generic_visit(node)
        return self._ctrl_scope([node], node)

    def _ctrl_scope(self, stmts: list[ast.stmt], node: ast.stmt) -> list[ast.stmt]:
        """In a function, ``stmts`` (an ``if`` or a loop) between a save and a restore of
        the CPU's control dependencies: a branch orders only the statements it governs
        (:func:`smpcheck._rt.runtime.ctrl_save`)."""
        if not self.scopes:
            return stmts
        self.saves += 1
        name = f"_smp_ctrl_{self.saves}"
        save = ast.Assign([ast.Name(name, ast.Store())],
                          ast.Call(ast.Name("_smp_ctrl_save", ast.Load()), [], []))
        restore = ast.Expr(ast.Call(ast.Name("_smp_ctrl_restore", ast.Load()),
                                    [ast.Name(name, ast.Load())], []))
        guarded = ast.Try(stmts, [], [], [restore])
        for new in (save, restore, guarded):
            ast.copy_location(new, node)
        return [save, guarded]


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function body, nested blocks included, nested scopes not."""
    for stmt in body:
        yield stmt
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for block in _blocks(stmt):
                yield from _own_statements(block)


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists directly inside ``stmt`` (bodies, else, handlers, cases)."""
    out = [getattr(stmt, f) for f in ("body", "orelse", "finalbody")
           if isinstance(getattr(stmt, f, None), list)]
    out += [h.body for h in getattr(stmt, "handlers", [])]
    out += [c.body for c in getattr(stmt, "cases", [])]
    return out


def _local_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names a function binds itself: its parameters and what its statements assign
    (not those it declares global or nonlocal)."""
    a = fn.args
    names = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
             if x is not None}
    outer: set[str] = set()
    for stmt in _own_statements(fn.body):
        if isinstance(stmt, (ast.Global, ast.Nonlocal)):
            outer.update(stmt.names)
        names.update(n.id for n in _bound(stmt))
    return names - outer


def _bound(stmt: ast.stmt) -> list[ast.Name]:
    """The names ``stmt`` itself binds or deletes (as Name nodes, for their columns)."""
    if isinstance(stmt, ast.Assign):
        targets: list[ast.AST] = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)) or (
            isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Delete):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [ast.copy_location(ast.Name(stmt.name, ast.Store()), stmt)]
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [ast.copy_location(ast.Name((a.asname or a.name).split(".")[0], ast.Store()),
                                  stmt) for a in stmt.names]
    else:
        return []
    return [n for t in targets for n in ast.walk(t)
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))]


def _check_outer_stores(body: list[ast.stmt], declared: dict[str, Owner],
                        path: str) -> list[ast.stmt]:
    """``body`` with a runtime check before each statement that assigns a declared
    global or nonlocal name (in nested blocks too, not in nested scopes)."""
    out: list[ast.stmt] = []
    for stmt in body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(stmt, field, None)
                if isinstance(block, list):
                    setattr(stmt, field, _check_outer_stores(block, declared, path))
            for h in getattr(stmt, "handlers", []):
                h.body = _check_outer_stores(h.body, declared, path)
                if h.name in declared:
                    h.body.insert(0, _store_check(h.name, declared[h.name], h, path))
            for c in getattr(stmt, "cases", []):
                c.body = _check_outer_stores(c.body, declared, path)
        out.extend(_store_check(n.id, declared[n.id], n, path)
                   for n in _bound(stmt) if n.id in declared)
        out.append(stmt)
    return out


def _store_check(name: str, owner: Owner, at: ast.AST, path: str) -> ast.stmt:
    """``_smp_outer_store(name, (path, line, column), owner)`` at ``at``'s place."""
    line, col = getattr(at, "lineno", 0), getattr(at, "col_offset", -1) + 1
    site = ast.Tuple([ast.Constant(path), ast.Constant(line), ast.Constant(col)], ast.Load())
    call = ast.Call(ast.Name("_smp_outer_store", ast.Load()),
                    [ast.Constant(name), site, ast.Constant(owner)],  # type: ignore[arg-type]
                    [])
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(call), at))


def _is_null(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "NULL") or (
        isinstance(node, ast.Constant) and node.value is None)


def _address_of(node: ast.expr) -> ast.expr:
    """``a.b`` -> ``smp_addr(a, 'b')``; ``a[i]`` -> ``smp_addr(a, i)``; others unchanged."""
    if isinstance(node, ast.Attribute):
        key: ast.expr = ast.Constant(node.attr)
        base = node.value
    elif isinstance(node, ast.Subscript):
        key, base = node.slice, node.value
    else:
        return node
    call = ast.Call(ast.Name("_smp_addr", ast.Load()), [base, key], [])
    return ast.copy_location(call, node)


def rewrite(source: str, path: str) -> types.CodeType:
    """Compile model source with the rewrites; a syntax error is a usage error."""
    try:
        tree = ast.parse(source, path)
    except SyntaxError as exc:
        raise UsageError(f"syntax error: {exc.msg}", path, exc.lineno, exc.offset) from None
    return rewrite_tree(tree, path)


def rewrite_tree(tree: ast.Module, path: str) -> types.CodeType:
    """Compile a model's syntax tree (one the C front end built) with the rewrites."""
    tree = _Rewriter(path).visit(tree)
    ast.fix_missing_locations(tree)
    try:  # (the compiler finds more: a return outside a function, a misplaced nonlocal)
        return compile(tree, path, "exec")
    except SyntaxError as exc:
        raise UsageError(f"syntax error: {exc.msg}", path, exc.lineno, exc.offset) from None


def runtime_names() -> dict[str, Any]:
    """The helper names the rewritten code calls."""
    from smpcheck._rt.loops import (
        _smp_loop_enter,
        _smp_loop_head,
        _smp_outer_store,
        smp_addr,
    )
    from smpcheck._rt.runtime import ctrl_restore, ctrl_save

    return {"_smp_loop_enter": _smp_loop_enter, "_smp_loop_head": _smp_loop_head,
            "_smp_addr": smp_addr, "_smp_outer_store": _smp_outer_store,
            "_smp_ctrl_save": ctrl_save, "_smp_ctrl_restore": ctrl_restore}


def exec_module(path: str, name: str | None = None) -> types.ModuleType:
    """Run a model file as a module, with the rewrites; errors point at its lines
    (whatever the module-level code raises, an exit too: a real Ctrl-C only stops)."""
    return exec_source(read_text(path, what="model"), path, name)


def exec_source(source: str, path: str, name: str | None = None) -> types.ModuleType:
    """:func:`exec_module` of the text ``source`` already read from ``path``."""
    from smpcheck._rt.runtime import Interrupted, Stop
    from smpcheck._rt.watchdog import interrupts
    from smpcheck.model.source import raised_text

    p = Path(path)
    # A model computes with Python's ints, of any size; the texts and tables that show
    # its values call str(), which refuses an int of more than 4,300 digits by default
    # (a guard for servers parsing untrusted digits: litmus numbers are capped at 40
    # digits instead).  Lifted for this process, a worker's too, which loads the
    # model here: a huge value was reported as an error the model raised.
    sys.set_int_max_str_digits(0)
    code = rewrite(source, str(p))
    mod = types.ModuleType(name or f"smpcheck_model_{p.stem.replace('-', '_')}")
    mod.__file__ = str(p)
    mod.__dict__.update(runtime_names())
    sys.modules[mod.__name__] = mod
    REWRITTEN.add(mod.__name__)
    try:
        with interrupts():
            exec(code, mod.__dict__)
    except UsageError as exc:
        raise _placed(exc, str(p)) from None
    except (Interrupted, Stop):  # (a real Ctrl-C; the --timeout's watchdog)
        raise
    except BaseException as exc:
        raise UsageError(raised_text(exc), str(p), _user_line(exc, str(p))) from None
    return mod


def _user_line(exc: BaseException, path: str) -> int | None:
    """The innermost line of ``path`` in the traceback of ``exc``."""
    import traceback  # (with textwrap, ~1.3 ms: only for a model that fails to load)

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return frames[-1].lineno if frames else None


def _placed(exc: UsageError, path: str) -> UsageError:
    """A usage error raised while the model file ran (e.g. by ``Model(...)``) that names
    no file of its own points at the model file's line that caused it."""
    if exc.path is not None and not exc.path.startswith("<"):
        return exc
    return UsageError(exc.message, path, _user_line(exc, path))


def load_model(path: str, switches: Mapping[str, str] | None = None
               ) -> tuple[Model, dict[str, Loc]]:
    """Load a model file: its ``MODEL`` and the names of its global locations;
    ``switches``: the values of the switches it reads (:mod:`smpcheck.model.switches`)."""
    from smpcheck.model.switches import fingerprint_of, switches_set

    given = dict(switches or {})
    source = read_text(path, what="model")  # (once: the digest is of the text run)
    with switches_set(given, path):
        mod = exec_source(source, path)
    model = getattr(mod, "MODEL", None)
    if not isinstance(model, Model):
        raise UsageError("the model file defines no MODEL = Model(...)", path)
    model.path = path
    import hashlib  # (OpenSSL's: milliseconds to import, for model files only)

    model.recipe = ModelFile(path, hashlib.sha256(source.encode()).hexdigest(),
                             tuple(sorted(given.items())))
    model.fingerprint_inputs = fingerprint_of(given)
    model.condition_line = condition_line(source, path)
    if not model.description:
        model.description = (mod.__doc__ or "").strip()
    return model, name_globals(vars(mod))


@record
class ModelFile:
    """How another process builds a model file's model again (-j): from its path (the
    digest of its text tells a changed file from the one a process built before)."""

    path: str
    sha256: str = ""
    switches: tuple[tuple[str, str], ...] = ()

    def build(self, mm: str) -> tuple[Model, dict[str, Loc], Any]:
        """The model and its names; the memory model is left to the caller (None)."""
        model, names = load_model(self.path, dict(self.switches))
        if self.sha256 and model.recipe != self:
            raise UsageError("the model file changed while it was being checked", self.path)
        return model, names, None


def condition_line(source: str, path: str) -> int | None:
    """The line of the final-state condition (``exists=``, ``not_exists=``, ``forall=``)
    in the file's ``Model(...)`` call, or of that call; None if there is none."""
    found: int | None = None
    for node in ast.walk(ast.parse(source, path)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "Model"):
            continue
        found = found or node.lineno
        for kw in node.keywords:
            if kw.arg in ("exists", "not_exists", "forall"):
                return kw.value.lineno
    return found


class _LibraryFinder:
    """Loads the modules of a model library (a package's submodules) through the same
    rewrites as model files.  (A meta path finder by its ``find_spec``: importlib.abc's
    base class would import importlib.resources, tempfile and shutil at start-up.)"""

    def __init__(self, package: str) -> None:
        self.prefix = package + "."

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith(self.prefix):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return spec
        spec.loader = _RewritingLoader(fullname, spec.origin)
        return spec


class _RewritingLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> Any:
        # Always from source: a cached .pyc would hold the code without the rewrites.
        return rewrite(self.get_data(self.path).decode(), self.path)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__.update(runtime_names())
        REWRITTEN.add(module.__name__)
        super().exec_module(module)


def install_library_rewriting(package: str) -> None:
    """Make the import of ``package``'s submodules (a library of model code, such as
    the KVM designs, whose package calls this from its ``__init__``) apply the model
    rewrites."""
    if not any(isinstance(f, _LibraryFinder) and f.prefix == package + "."
               for f in sys.meta_path):
        sys.meta_path.insert(0, _LibraryFinder(package))


__all__ = ["Field", "exec_module", "install_library_rewriting", "load_model", "name_globals",
           "rewrite", "rewrite_tree"]
