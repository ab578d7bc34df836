"""Loading model files: the source rewrite that lets model code read like kernel C.

Three rewrites, applied to the syntax tree of a model file (and of the
smpcheck.kvm library) before it runs; line numbers are kept:

1. The location argument of a memory primitive is an lvalue, as in C:
   ``READ_ONCE(kvm.arch.being_unmapped_rmap)`` reads that field, it does not
   first load it.  Attribute and subscript expressions in that position (and in
   ``addr(...)``, C's ``&``) become pointers to the member.
2. ``p is NULL`` / ``p is None`` become ``==`` (a loaded pointer is a tracked
   value, never the NULL object itself).
3. Every ``while`` loop reports each iteration to the runtime, which turns
   spin-waits into awaits and bounds the other loops.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import traceback
import types
from pathlib import Path
from typing import Any

from smpcheck.errors import UsageError
from smpcheck.memory import Field, Loc, Obj, Ref, render_path
from smpcheck.model import Model

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


def _base_name(name: str) -> str:
    for suffix in ("_relaxed", "_acquire", "_release"):
        if name.endswith(suffix) and name[: -len(suffix)] in LOCATION_ARG:
            return name[: -len(suffix)]
    return name


class _Rewriter(ast.NodeTransformer):
    def __init__(self, path: str) -> None:
        self.path = path

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
        head = ast.Call(ast.Name("_smp_loop_head", ast.Load()), [site], [])
        node.test = ast.BoolOp(ast.And(), [head, node.test])
        ast.copy_location(enter, node)
        return [enter, node]


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
    tree = _Rewriter(path).visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, path, "exec")


def runtime_names() -> dict[str, Any]:
    """The helper names the rewritten code calls."""
    from smpcheck.kernel._loops import _smp_loop_enter, _smp_loop_head, smp_addr

    return {"_smp_loop_enter": _smp_loop_enter, "_smp_loop_head": _smp_loop_head,
            "_smp_addr": smp_addr}


def exec_module(path: str, name: str | None = None) -> types.ModuleType:
    """Run a model file as a module, with the rewrites; errors point at its lines."""
    p = Path(path)
    try:
        source = p.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read model: {exc.strerror}", path) from None
    code = rewrite(source, str(p))
    mod = types.ModuleType(name or f"smpcheck_model_{p.stem.replace('-', '_')}")
    mod.__file__ = str(p)
    mod.__dict__.update(runtime_names())
    sys.modules[mod.__name__] = mod
    try:
        exec(code, mod.__dict__)
    except UsageError as exc:
        raise _placed(exc, str(p)) from None
    except Exception as exc:
        raise _error_in(exc, str(p)) from None
    return mod


def _user_line(exc: BaseException, path: str) -> int | None:
    """The innermost line of ``path`` in the traceback of ``exc``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return frames[-1].lineno if frames else None


def _error_in(exc: BaseException, path: str) -> UsageError:
    return UsageError(f"{type(exc).__name__}: {exc}", path, _user_line(exc, path))


def _placed(exc: UsageError, path: str) -> UsageError:
    """A usage error raised while the model file ran (e.g. by ``Model(...)``) that names
    no file of its own points at the model file's line that caused it."""
    if exc.path is not None and not exc.path.startswith("<"):
        return exc
    return UsageError(exc.message, path, _user_line(exc, path))


def load_model(path: str) -> tuple[Model, dict[str, Loc]]:
    """Load a model file: its ``MODEL`` and the names of its global locations."""
    mod = exec_module(path)
    model = getattr(mod, "MODEL", None)
    if not isinstance(model, Model):
        raise UsageError("the model file defines no MODEL = Model(...)", path)
    model.path = path
    model.condition_line = condition_line(Path(path).read_text(), path)
    if not model.description:
        model.description = (mod.__doc__ or "").strip()
    return model, name_globals(vars(mod))


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


def name_globals(namespace: dict[str, Any]) -> dict[str, Loc]:
    """Name each global object after its variable; every scalar location by its path."""
    locs: dict[str, Loc] = {}
    seen: set[int] = set()
    for var, value in namespace.items():
        if var.startswith("_") or not isinstance(value, Ref) or value._obj is None:
            continue
        obj: Obj = value._obj
        if id(obj) in seen or value._path:
            continue
        seen.add(id(obj))
        obj.name = var
        for path, _ in obj.spec.leaves():
            locs[render_path(var, path)] = obj.loc(path)
    return locs


class _KernelLibraryFinder(importlib.abc.MetaPathFinder):
    """Loads smpcheck.kvm modules through the same rewrites as model files."""

    prefix = "smpcheck.kvm"

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not (fullname == self.prefix or fullname.startswith(self.prefix + ".")):
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
        super().exec_module(module)


def install_library_rewriting() -> None:
    """Make ``import smpcheck.kvm...`` apply the model rewrites."""
    if not any(isinstance(f, _KernelLibraryFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _KernelLibraryFinder())


__all__ = ["Field", "exec_module", "install_library_rewriting", "load_model", "rewrite"]
