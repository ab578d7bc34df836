"""C expressions and calls as Python expressions over the kernel API.

The half of the translation (:mod:`smpcheck.c.translate`) that reads C
expressions: lvalues and their plain accesses, operators with C's integer
semantics, and calls, to the model's functions, the bundled header's or
:mod:`smpcheck.kernel`'s, with the kernel's argument conventions (lvalue
arguments, ``&old``, a condition the primitive re-tests, ``sizeof`` sizes).
Every node carries its C line and column.
"""

from __future__ import annotations

import ast
import difflib
import keyword
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pycparser import c_ast

from smpcheck.c.layout import HANDLE_STRUCTS, CTypeError, Layouts, c_int, field_name

__all__ = ["BINOPS", "ExprTranslator", "Scope", "Unsupported", "at", "call", "describe",
           "name_of", "py_name"]


_N = TypeVar("_N")
_Target = ast.Name | ast.Attribute | ast.Subscript


class Unsupported(Exception):
    """A construct the front end does not translate, at a node."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


# Calls whose arguments are lvalues (the kernel macros that take ``x``, not ``&x``).
LVALUE_ARGS: dict[str, tuple[int, ...]] = {
    "READ_ONCE": (0,), "WRITE_ONCE": (0,), "ACCESS_ONCE": (0,), "rcu_dereference": (0,),
    "rcu_dereference_protected": (0,), "rcu_dereference_raw": (0,),
    "rcu_access_pointer": (0,), "rcu_assign_pointer": (0,), "smp_store_mb": (0,),
    "srcu_dereference": (0,), "wait_event": (0,), "wait_event_interruptible": (0,),
    "wait_event_killable": (0,),
}
# Calls whose argument is a C condition the primitive re-tests (index, the name it uses).
COND_ARGS: dict[str, tuple[int, str | None]] = {
    "wait_event": (1, None), "wait_event_interruptible": (1, None),
    "wait_event_killable": (1, None), "smp_cond_load_acquire": (1, "VAL"),
    "smp_cond_load_relaxed": (1, "VAL"), "atomic_cond_read_acquire": (1, "VAL"),
    "atomic_cond_read_relaxed": (1, "VAL")}
# Calls that drop arguments the Python API does not take (lockdep conditions, flags).
KEEP_ARGS = {"rcu_dereference_protected": 1, "rcu_dereference_raw": 1,
             "rcu_access_pointer": 1, "srcu_dereference": 1}
RENAME = {"rcu_dereference_protected": "READ_ONCE", "rcu_dereference_raw": "rcu_dereference",
          "rcu_access_pointer": "READ_ONCE", "srcu_dereference": "rcu_dereference",
          "ACCESS_ONCE": "READ_ONCE", "__smp_min": "_c_min", "__smp_max": "_c_max"}
# Stores whose value arguments (after the location) are stored to it.
STORES = frozenset({"WRITE_ONCE", "rcu_assign_pointer", "smp_store_release", "smp_store_mb",
                    "xchg", "xchg_relaxed", "xchg_acquire", "xchg_release", "cmpxchg",
                    "cmpxchg_relaxed", "cmpxchg_acquire", "cmpxchg_release"})
# Calls whose last argument is a local the call assigns (C macros).
ASSIGNS_LAST = {"spin_lock_irqsave", "local_irq_save"}
TRY_CMPXCHG = ("try_cmpxchg", "atomic_try_cmpxchg", "atomic_long_try_cmpxchg")
ALLOCATORS = {"kmalloc": 0, "kzalloc": 0, "kvmalloc": 0, "kvzalloc": 0}
ARRAY_ALLOCATORS = {"kcalloc", "kmalloc_array", "kvcalloc", "kvmalloc_array"}
FREES = {"kvfree": "kfree", "kfree_rcu_mightsleep": "kfree"}
BINOPS: dict[str, ast.operator] = {
    "+": ast.Add(), "-": ast.Sub(), "*": ast.Mult(), "&": ast.BitAnd(), "|": ast.BitOr(),
    "^": ast.BitXor(), "<<": ast.LShift(), ">>": ast.RShift()}
_CMPOPS: dict[str, ast.cmpop] = {
    "==": ast.Eq(), "!=": ast.NotEq(), "<": ast.Lt(), "<=": ast.LtE(), ">": ast.Gt(),
    ">=": ast.GtE()}


def py_name(name: str) -> str:
    """A C identifier as a Python name (keywords and the translator's own prefixes
    get a trailing underscore)."""
    if keyword.iskeyword(name) or name in ("None", "True", "False") \
            or name.startswith(("_c_", "_smp_")):
        return name + "_"
    return name


@dataclass
class Scope:
    """What a function's body can name: globals and their C types, functions, the API."""

    layouts: Layouts
    globals: dict[str, c_ast.Node]  # global variable -> its C type
    functions: set[str]
    api: set[str]  # kernel API names callable from C
    spec_names: dict[str, Any] = field(default_factory=dict)  # namespace entries made here

    def spec_ref(self, spec: Any) -> str:
        """A namespace name holding ``spec`` (a layout kmalloc is given)."""
        for name, value in self.spec_names.items():
            if value is spec:
                return name
        name = f"_c_spec_{len(self.spec_names)}"
        self.spec_names[name] = spec
        return name


def at(node: _N, coord: Any) -> _N:
    """``node`` with the C place ``coord`` on every part of it that has none yet."""
    line = getattr(coord, "line", None) or 1
    col = max((getattr(coord, "column", None) or 1) - 1, 0)
    for n in ast.walk(node) if isinstance(node, ast.AST) else ():
        if not hasattr(n, "lineno") and isinstance(n, ast.expr | ast.stmt):
            n.lineno, n.col_offset = line, col
            n.end_lineno, n.end_col_offset = line, col
    return node


def name_of(id_: str) -> ast.Name:
    """The Python expression reading name ``id_``."""
    return ast.Name(id_, ast.Load())


def call(fn: str, *args: ast.expr) -> ast.Call:
    """The Python expression calling ``fn`` (a namespace name) with ``args``."""
    return ast.Call(name_of(fn), list(args), [])


class ExprTranslator:
    """Translates the expressions of one C function (see :class:`FunctionTranslator`)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.L = scope.layouts
        self.locals: dict[str, c_ast.Node] = {}
        self.temps = 0

    # -- lvalues ----------------------------------------------------------------
    def lvalue(self, e: c_ast.Node, ctx: ast.expr_context) -> _Target:
        """``e`` as an assignment target (Store) or its plain read (Load)."""
        if isinstance(e, c_ast.ID):
            if e.name in self.locals:
                return at(ast.Name(py_name(e.name), ctx), e.coord)
            if e.name in self.scope.globals:
                if self.L.is_aggregate(self.scope.globals[e.name]):
                    raise Unsupported(f"assigning the whole aggregate {e.name}", e)
                return at(ast.Subscript(name_of(py_name(e.name)), ast.Constant(0), ctx),
                           e.coord)
            raise Unsupported(f"undeclared variable {e.name}", e)
        if isinstance(e, c_ast.StructRef):
            base = self._aggregate(e)
            return at(ast.Attribute(base, field_name(e.field.name), ctx),
                       e.coord)
        if isinstance(e, c_ast.ArrayRef):
            return at(ast.Subscript(self.expr(e.name), self.expr(e.subscript), ctx),
                       e.coord)
        if isinstance(e, c_ast.UnaryOp) and e.op == "*":
            return at(ast.Subscript(self.expr(e.expr), ast.Constant(0), ctx),
                       e.coord)
        if isinstance(e, c_ast.Cast):
            return self.lvalue(e.expr, ctx)
        raise Unsupported(f"{describe(e)} as an assignment target", e)

    def _aggregate(self, e: c_ast.StructRef) -> ast.expr:
        """The pointer to the struct a member access reads from."""
        if e.type == "->":
            return self.expr(e.name)
        base = e.name
        if isinstance(base, c_ast.UnaryOp) and base.op == "*":
            return self.expr(base.expr)
        if isinstance(base, c_ast.ID) and base.name in self.locals:
            raise Unsupported(f"{base.name} is a local struct: use a pointer", base)
        return self.expr(base)

    def _assigned_local(self, call: c_ast.FuncCall) -> ast.Name:
        args = call.args.exprs if call.args is not None else []
        last = args[-1] if args else None
        if not isinstance(last, c_ast.ID) or last.name not in self.locals:
            raise Unsupported(f"{call.name.name}'s last argument must be a local variable "
                              "(the flags it saves)", call)
        return ast.Name(py_name(last.name), ast.Store())

    # -- expressions ------------------------------------------------------------
    def expr(self, e: c_ast.Node) -> ast.expr:
        method: Callable[[Any], ast.expr] | None = getattr(self, "_e_" + type(e).__name__,
                                                            None)
        if method is None:
            raise Unsupported(f"{describe(e)} is not supported in an expression", e)
        return at(method(e), e.coord)

    def _e_Constant(self, e: c_ast.Constant) -> ast.expr:
        if e.type == "string":
            return ast.Constant(e.value[1:-1])
        if e.type in ("float", "double", "long double"):
            raise Unsupported("floating-point numbers are not supported", e)
        try:
            return ast.Constant(c_int(e.value))
        except ValueError:
            raise Unsupported(f"the constant {e.value}", e) from None

    def _e_ID(self, e: c_ast.ID) -> ast.expr:
        name = e.name
        if name in self.locals:
            return name_of(py_name(name))
        if name == "NULL":
            return name_of("NULL")
        if name in self.scope.globals:
            if self.L.is_aggregate(self.scope.globals[name]) or _special(
                    self.L, self.scope.globals[name]):
                return name_of(py_name(name))
            return ast.Subscript(name_of(py_name(name)), ast.Constant(0), ast.Load())
        if name in self.L.enums:
            return ast.Constant(self.L.enums[name])
        if name in self.scope.functions or name in self.scope.api:
            return name_of(py_name(name))
        raise Unsupported(f"undeclared identifier {name}", e)

    def _e_StructRef(self, e: c_ast.StructRef) -> ast.expr:
        return self.lvalue(e, ast.Load())

    def _e_ArrayRef(self, e: c_ast.ArrayRef) -> ast.expr:
        return self.lvalue(e, ast.Load())

    def _e_Cast(self, e: c_ast.Cast) -> ast.expr:
        inner = self.expr(e.expr)
        if isinstance(self.L.resolve(e.to_type.type), c_ast.PtrDecl):
            return call("_c_null", inner)
        return inner

    def _e_UnaryOp(self, e: c_ast.UnaryOp) -> ast.expr:
        op = e.op
        if op == "&":
            return self._address(e.expr)
        if op == "*":
            if self.L.is_aggregate(self.L.pointee(self.type_of(e.expr))):
                return self.expr(e.expr)
            return self.lvalue(e, ast.Load())
        if op == "!":
            return call("_c_not", self.expr(e.expr))
        if op in ("-", "+", "~"):
            py = {"-": ast.USub(), "+": ast.UAdd(), "~": ast.Invert()}[op]
            return ast.UnaryOp(py, self.expr(e.expr))
        if op in ("p++", "++", "p--", "--"):
            return self._increment(e)
        if op == "sizeof":
            raise Unsupported("sizeof outside kmalloc()'s size (smpcheck's objects have "
                              "no sizes in bytes)", e)
        raise Unsupported(f"the operator {op}", e)

    def _address(self, inner: c_ast.Node) -> ast.expr:
        if isinstance(inner, c_ast.ID):
            if inner.name in self.locals and \
                    self.L.struct_of(self.locals[inner.name]) in HANDLE_STRUCTS:
                return name_of(py_name(inner.name))  # (DEFINE_WAIT's entry: a value)
            if inner.name in self.locals:
                raise Unsupported(f"the address of local variable {inner.name}: only "
                                  "shared objects (globals, kmalloc'd) have addresses", inner)
            if inner.name in self.scope.functions:
                return name_of(py_name(inner.name))
            if inner.name in self.scope.globals:
                return name_of(py_name(inner.name))
        if isinstance(inner, c_ast.UnaryOp) and inner.op == "*":
            return self.expr(inner.expr)
        return call("addr", self.lvalue(inner, ast.Load()))

    def _increment(self, e: c_ast.UnaryOp) -> ast.expr:
        if not (isinstance(e.expr, c_ast.ID) and e.expr.name in self.locals):
            raise Unsupported(f"{e.op.strip('p')} on memory inside an expression: make it a "
                              "statement of its own", e)
        name = py_name(e.expr.name)
        delta = 1 if "+" in e.op else -1
        new = ast.NamedExpr(ast.Name(name, ast.Store()),
                            ast.BinOp(name_of(name), ast.Add(), ast.Constant(delta)))
        if e.op.startswith("p"):
            return ast.BinOp(new, ast.Sub(), ast.Constant(delta))
        return new

    def _e_BinaryOp(self, e: c_ast.BinaryOp) -> ast.expr:
        op = e.op
        left, right = self.expr(e.left), self.expr(e.right)
        if op in BINOPS:
            return ast.BinOp(left, BINOPS[op], right)
        if op in _CMPOPS:
            return ast.Compare(left, [_CMPOPS[op]], [right])
        if op in ("&&", "||"):
            return call("_c_bool", ast.BoolOp(ast.And() if op == "&&" else ast.Or(),
                                               [left, right]))
        if op in ("/", "%"):
            return call("_c_div" if op == "/" else "_c_mod", left, right)
        raise Unsupported(f"the operator {op}", e)

    def _e_TernaryOp(self, e: c_ast.TernaryOp) -> ast.expr:
        return ast.IfExp(self.expr(e.cond), self.expr(e.iftrue), self.expr(e.iffalse))

    def _e_Assignment(self, e: c_ast.Assignment) -> ast.expr:
        if e.op != "=" or not (isinstance(e.lvalue, c_ast.ID) and e.lvalue.name in self.locals):
            raise Unsupported("an assignment inside an expression, other than to a local "
                              "variable: make it a statement of its own", e)
        value = self.expr(e.rvalue)
        if self._is_pointer(self.locals[e.lvalue.name]):
            value = call("_c_null", value)
        return ast.NamedExpr(ast.Name(py_name(e.lvalue.name), ast.Store()), value)

    def _e_ExprList(self, e: c_ast.ExprList) -> ast.expr:
        items = [self.expr(x) for x in e.exprs]
        return ast.Subscript(ast.Tuple(items, ast.Load()), ast.Constant(-1), ast.Load())

    def _e_FuncCall(self, e: c_ast.FuncCall) -> ast.expr:
        name = e.name.name if isinstance(e.name, c_ast.ID) else None
        if name in ASSIGNS_LAST:
            target = self._assigned_local(e)
            return ast.NamedExpr(target, self._call(e, drop_last=True))
        return self._call(e)

    # -- calls --------------------------------------------------------------------
    def _call(self, e: c_ast.FuncCall, drop_last: bool = False) -> ast.expr:
        if not isinstance(e.name, c_ast.ID):
            raise Unsupported("calls through function pointers are not supported", e)
        name = e.name.name
        if name in self.locals or name in self.scope.globals:
            raise Unsupported("calls through function pointers are not supported", e)
        args = list(e.args.exprs) if e.args is not None else []
        if drop_last:
            args = args[:-1]
        special = self._special_call(name, args, e)
        if special is not None:
            return special
        if name not in self.scope.functions and name not in self.scope.api \
                and name not in RENAME and name not in FREES:
            known = sorted(self.scope.functions | self.scope.api)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise Unsupported(f"unknown function {name} (neither defined in the file nor "
                              f"in smpcheck's kernel API){hint}", e.name)
        if name in KEEP_ARGS:
            args = args[:KEEP_ARGS[name]]
        lv = LVALUE_ARGS.get(name, ())
        cond = COND_ARGS.get(name)
        out: list[ast.expr] = []
        for i, a in enumerate(args):
            if i in lv:
                out.append(self._location(a, name))
            elif cond is not None and i == cond[0]:
                out.append(self._condition(a, cond[1]))
            else:
                out.append(self.expr(a))
        if name in STORES and len(args) > 1 and self._stores_pointer(name, args[0]):
            out[1:] = [call("_c_null", v) for v in out[1:]]  # (0 stored as a pointer: NULL)
        if name in RENAME or name in FREES:  # (our helpers and API names: as they are)
            return ast.Call(name_of(RENAME.get(name, FREES.get(name, name))), out, [])
        return ast.Call(name_of(py_name(name)), out, [])

    def _stores_pointer(self, name: str, target: c_ast.Node) -> bool:
        """Whether the location a store primitive writes holds a pointer."""
        t = self.type_of(target)
        if name not in LVALUE_ARGS:  # (the primitive takes &location)
            t = self.L.pointee(t)
        return self._is_pointer(t)

    def _condition(self, a: c_ast.Node, var: str | None) -> ast.expr:
        """A condition argument (``wait_event(wq, cond)``, ``smp_cond_load_acquire(p,
        VAL ...)``): a function the primitive calls each time it tests it."""
        saved = self.locals.get(var) if var else None
        if var:
            self.locals[var] = c_ast.TypeDecl(var, [], None, c_ast.IdentifierType(["int"]))
        try:
            body = self.expr(a)
        finally:
            if var and saved is None:
                self.locals.pop(var, None)
            elif var:
                self.locals[var] = saved
        params = [ast.arg(py_name(var))] if var else []
        return ast.Lambda(ast.arguments([], params, None, [], [], None, []), body)

    def _location(self, a: c_ast.Node, name: str) -> ast.expr:
        if isinstance(a, c_ast.ID) and a.name in self.locals:
            raise Unsupported(f"{name}() of local variable {a.name}: only shared memory "
                              "(globals, members through pointers) is marked", a)
        return at(self._address(a), a.coord)

    def _special_call(self, name: str, args: list[c_ast.Node],
                      e: c_ast.FuncCall) -> ast.expr | None:
        if name == "__smp_container_of":
            return call("_c_container_of", self.expr(args[0]), self.expr(args[1]))
        if name == "__smp_first_or_null":
            return call("_c_first_or_null", self.expr(args[0]), self.expr(args[1]),
                         self.expr(args[2]))
        if name == "__smp_array_size":
            t = self.L.resolve(self.type_of(args[0])) if args else None
            if not isinstance(t, c_ast.ArrayDecl) or t.dim is None:
                raise Unsupported("ARRAY_SIZE of something that is not an array", e)
            return ast.Constant(self._const(t.dim))
        if name in ALLOCATORS and name not in self.scope.functions:
            if not args:
                raise Unsupported(f"{name}() needs a size", e)
            return call("kmalloc", name_of(self._size_spec(args[0], None)))
        if name in ARRAY_ALLOCATORS and name not in self.scope.functions:
            if len(args) < 2:
                raise Unsupported(f"{name}() needs a count and a size", e)
            return call("kmalloc", name_of(self._size_spec(args[1], args[0])))
        if name in TRY_CMPXCHG or any(name == f"{b}{o}" for b in TRY_CMPXCHG
                                      for o in ("_relaxed", "_acquire", "_release")):
            if len(args) != 3:
                raise Unsupported(f"{name}() takes 3 arguments", e)
            old = args[1]
            if not (isinstance(old, c_ast.UnaryOp) and old.op == "&"
                    and isinstance(old.expr, c_ast.ID) and old.expr.name in self.locals):
                raise Unsupported(f"{name}()'s second argument must be &local", old)
            var = py_name(old.expr.name)
            tmp = self._temp()
            got = ast.NamedExpr(ast.Name(tmp, ast.Store()), call(
                "_c_try", call(name, self.expr(args[0]), name_of(var), self.expr(args[2]))))
            first = ast.Subscript(name_of(tmp), ast.Constant(0), ast.Load())
            seen = ast.NamedExpr(ast.Name(var, ast.Store()),
                                 ast.Subscript(name_of(tmp), ast.Constant(1), ast.Load()))
            return ast.Subscript(ast.Tuple([got, seen, first], ast.Load()), ast.Constant(2),
                                 ast.Load())
        return None

    def _size_spec(self, size: c_ast.Node, count: c_ast.Node | None) -> str:
        """The namespace name of the layout ``kmalloc(size)`` allocates."""
        n = self._const(count) if count is not None else None
        if isinstance(size, c_ast.BinaryOp) and size.op == "*" and count is None:
            if _is_sizeof(size.right):
                n, size = self._const(size.left), size.right
            elif _is_sizeof(size.left):
                n, size = self._const(size.right), size.left
        if not _is_sizeof(size):
            raise Unsupported("kmalloc()'s size must be sizeof(type), sizeof(*p) or "
                              "n * sizeof(...): smpcheck allocates objects, not bytes", size)
        t = self._sizeof_type(size)
        try:
            spec = self.L.spec(t)
        except CTypeError as exc:
            raise Unsupported(exc.message, exc.node or size) from None
        if n is not None:
            from smpcheck.model.objects import Array

            if not 0 < n <= 4096:
                raise Unsupported(f"an array of {n} elements", size)
            spec = Array(n, spec)
        return self.scope.spec_ref(spec)

    def _sizeof_type(self, size: c_ast.UnaryOp) -> c_ast.Node:
        arg = size.expr
        if isinstance(arg, c_ast.Typename):
            return arg.type
        t = self.type_of(arg)
        if t is None:
            raise Unsupported("sizeof of an expression whose type smpcheck cannot tell", arg)
        return t

    # -- types ------------------------------------------------------------------
    def type_of(self, e: c_ast.Node | None) -> c_ast.Node | None:
        """The C type of an expression, where declarations tell it (else None)."""
        if isinstance(e, c_ast.ID):
            return self.locals.get(e.name, self.scope.globals.get(e.name))
        if isinstance(e, c_ast.StructRef):
            base = self.type_of(e.name)
            if e.type == "->":
                base = self.L.pointee(base)
            return self.L.member_type(base, e.field.name)
        if isinstance(e, c_ast.ArrayRef):
            return self.L.pointee(self.type_of(e.name))
        if isinstance(e, c_ast.UnaryOp) and e.op == "*":
            return self.L.pointee(self.type_of(e.expr))
        if isinstance(e, c_ast.UnaryOp) and e.op == "&":
            inner = self.type_of(e.expr)
            return c_ast.PtrDecl([], inner) if inner is not None else None
        if isinstance(e, c_ast.Cast):
            return e.to_type.type
        return None

    def _is_pointer(self, t: c_ast.Node | None) -> bool:
        return t is not None and isinstance(self.L.resolve(t), c_ast.PtrDecl)

    def _const(self, e: c_ast.Node) -> int:
        try:
            return self.L.const(e)
        except CTypeError as exc:
            raise Unsupported(exc.message, exc.node) from None

    def _temp(self) -> str:
        self.temps += 1
        return f"_c_t{self.temps}"


# ----------------------------------------------------------------------- helpers


def _is_sizeof(e: c_ast.Node) -> bool:
    return isinstance(e, c_ast.UnaryOp) and e.op == "sizeof"


def _special(layouts: Layouts, t: c_ast.Node) -> bool:
    """A lock, srcu_struct or atomic: used by its address in the API, never read plain."""
    from smpcheck.c.layout import SPECIAL_STRUCTS, SPECIAL_TYPEDEFS

    r = layouts.resolve(t)
    if isinstance(r, c_ast.TypeDecl) and isinstance(r.type, c_ast.IdentifierType):
        return r.type.names[-1] in SPECIAL_TYPEDEFS
    return layouts.struct_of(r) in SPECIAL_STRUCTS



def describe(n: Any) -> str:
    """A C construct in words, for error messages."""
    names = {"Switch": "switch", "Goto": "goto", "Label": "a label",
             "CompoundLiteral": "a compound literal", "InitList": "a braced initialiser",
             "StaticAssert": "_Static_assert", "Typedef": "a local typedef",
             "FuncDef": "a nested function", "Alignas": "_Alignas",
             "GenericSelection": "_Generic", "Case": "case", "Default": "default"}
    return names.get(type(n).__name__, f"this construct ({type(n).__name__})")
