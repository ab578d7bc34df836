"""C functions as Python functions over the kernel API, with the C file's lines.

Each C function becomes a Python function built as a syntax tree whose every
node carries its C line and column, compiled under the C file's name: the
runtime names the C line of each event, and a report prints that line of the
file.  The tree then goes through the model loader's rewrites
(:mod:`smpcheck._rt.loader`: lvalue arguments, loop bounds and spin-waits,
control-dependency scopes), as a Python model's would.

How C maps onto the Python API (:mod:`smpcheck.model.objects`): a global is a
pointer to its object, so a global scalar ``x`` reads as ``x[0]`` (a plain
load) and ``&x`` is ``x``; ``p->f`` and ``s.f`` are ``p.f`` (a plain load of a
scalar member, a pointer to an aggregate one); ``a[i]`` is ``a[i]``; ``*p`` is
``p[0]``; ``&lvalue`` is ``addr(lvalue)``.  Locals are Python locals.  Calls
go to the model's functions, the bundled header's, or :mod:`smpcheck.kernel`.
"""

from __future__ import annotations

import ast
import copy
import difflib
import keyword
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pycparser import c_ast

from smpcheck.c.layout import HANDLE_STRUCTS, CTypeError, Layouts, c_int, field_name

__all__ = ["FunctionTranslator", "Scope", "Unsupported", "py_name"]


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
    "READ_ONCE": (0,), "WRITE_ONCE": (0,), "rcu_dereference": (0,),
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
          "rcu_access_pointer": "READ_ONCE", "srcu_dereference": "rcu_dereference"}
# Calls whose last argument is a local the call assigns (C macros).
ASSIGNS_LAST = {"spin_lock_irqsave", "local_irq_save"}
TRY_CMPXCHG = ("try_cmpxchg", "atomic_try_cmpxchg", "atomic_long_try_cmpxchg")
ALLOCATORS = {"kmalloc": 0, "kzalloc": 0, "kvmalloc": 0, "kvzalloc": 0}
ARRAY_ALLOCATORS = {"kcalloc", "kmalloc_array", "kvcalloc", "kvmalloc_array"}
FREES = {"kvfree": "kfree", "kfree_rcu_mightsleep": "kfree"}
# Primitives that only read: a loop of these (and branches on them) is a spin-wait.
READS = {"READ_ONCE", "smp_load_acquire", "atomic_read", "atomic_read_acquire",
         "atomic_long_read", "rcu_dereference", "rcu_access_pointer", "spin_is_locked",
         "test_bit", "barrier", "cpu_relax", "smp_rmb", "smp_mb",
         "rcu_dereference_protected", "list_empty"}

_BINOPS: dict[str, ast.operator] = {
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


@dataclass
class _Loop:
    kind: str  # "loop", "goto", "switch"
    on_continue: list[ast.stmt] = field(default_factory=list)
    label: str | None = None
    spin: bool = False


def _at(node: _N, coord: Any) -> _N:
    line = getattr(coord, "line", None) or 1
    col = max((getattr(coord, "column", None) or 1) - 1, 0)
    for n in ast.walk(node) if isinstance(node, ast.AST) else ():
        if not hasattr(n, "lineno") and isinstance(n, ast.expr | ast.stmt):
            n.lineno, n.col_offset = line, col
            n.end_lineno, n.end_col_offset = line, col
    return node


def _name(id_: str) -> ast.Name:
    return ast.Name(id_, ast.Load())


def _call(fn: str, *args: ast.expr) -> ast.Call:
    return ast.Call(_name(fn), list(args), [])


class FunctionTranslator:
    """Translates one C function definition into a Python ``def``."""

    def __init__(self, scope: Scope, fn: c_ast.FuncDef, registers: bool) -> None:
        self.scope = scope
        self.L = scope.layouts
        self.fn = fn
        self.registers = registers  # a CPU entry: return its locals
        self.locals: dict[str, c_ast.Node] = {}
        self.loops: list[_Loop] = []
        self.temps = 0

    # -- the function ----------------------------------------------------------
    def function(self) -> ast.FunctionDef:
        decl = self.fn.decl
        params: list[str] = []
        ftype = decl.type
        for p in (ftype.args.params if isinstance(ftype, c_ast.FuncDecl) and ftype.args
                  else ()):
            if isinstance(p, c_ast.EllipsisParam):
                raise Unsupported("variadic functions are not supported", p)
            if not isinstance(p, c_ast.Decl | c_ast.Typename):
                raise Unsupported("an old-style (K&R) parameter list: give each parameter "
                                  "its type", p)
            if p.name is None:
                if isinstance(p, c_ast.Typename) and _is_void(p.type):
                    continue
                raise Unsupported("a parameter needs a name", p)
            self.locals[p.name] = p.type
            params.append(py_name(p.name))
        declared = [d for d in _decls(self.fn.body)]
        for d in declared:
            self.locals.setdefault(d.name, d.type)
        body: list[ast.stmt] = []
        if self.registers:
            for d in declared:
                body.append(_at(ast.Assign([ast.Name(py_name(d.name), ast.Store())],
                                           self._zero(d.type)), d.coord))
        body += self.block(self.fn.body)
        if self.registers:
            body.append(_at(ast.Return(self._regs()), self.fn.body.coord))
        if not body:
            body = [_at(ast.Pass(), self.fn.body.coord)]
        args = ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, [])
        fdef = ast.FunctionDef(py_name(decl.name), args, body, [], None)
        return _at(fdef, decl.coord)

    def _regs(self) -> ast.expr:
        names = sorted(n for n, t in self.locals.items()
                       if self.L.struct_of(t) not in HANDLE_STRUCTS
                       and self.L.struct_of(self.L.pointee(t)) not in HANDLE_STRUCTS)
        keys: list[ast.expr | None] = [ast.Constant(n) for n in names]
        return _call("_c_regs", ast.Dict(keys, [_name(py_name(n)) for n in names]))

    def _zero(self, t: c_ast.Node) -> ast.expr:
        r = self.L.resolve(t)
        if isinstance(r, c_ast.PtrDecl):
            return _name("NULL")
        return ast.Constant(0)

    # -- statements ----------------------------------------------------------
    def block(self, node: c_ast.Node | None) -> list[ast.stmt]:
        if node is None:
            return []
        if isinstance(node, c_ast.Compound):
            return self.stmts(list(node.block_items or ()))
        return self.stmts([node])

    def stmts(self, items: list[c_ast.Node]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, c_ast.Label) and _gotos(items[i:], item.name):
                out.extend(self._goto_loop(item, items[i + 1:]))
                return out
            ahead = next((k for k in range(i + 1, len(items))
                          if isinstance(items[k], c_ast.Label)
                          and _gotos([item], items[k].name)), None)
            if ahead is not None:
                out.extend(self._goto_ahead(items[i:ahead], items[ahead].name))
                i = ahead
                continue
            out.extend(self.stmt(item))
            i += 1
        return out

    def _goto_ahead(self, items: list[c_ast.Node], label: str) -> list[ast.stmt]:
        """``...goto L...; L:``: the statements up to the label in a one-pass loop whose
        ``break`` is the goto (kernel error paths: ``goto out;``)."""
        self.loops.append(_Loop("ahead", label=label))
        body = self.stmts(items)
        self.loops.pop()
        coord = items[0].coord
        body.append(_at(ast.Break(), coord))
        return [_at(ast.While(ast.Constant(True), body, []), coord)]

    def stmt(self, s: c_ast.Node) -> list[ast.stmt]:
        method: Callable[[Any], list[ast.stmt]] | None = getattr(
            self, "_s_" + type(s).__name__, None)
        if method is None:
            raise Unsupported(f"{_describe(s)} is not supported", s)
        try:
            made = method(s)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # (a shape of syntax tree the translator does not expect: still the user's
            # statement to point at, never a traceback)
            raise Unsupported(f"cannot translate this statement ({type(exc).__name__}: "
                              f"{exc})", s) from None
        return [_at(x, s.coord) for x in made]

    def _s_Compound(self, s: c_ast.Compound) -> list[ast.stmt]:
        return self.block(s)

    def _s_EmptyStatement(self, s: c_ast.EmptyStatement) -> list[ast.stmt]:
        return []

    def _s_Pragma(self, s: c_ast.Pragma) -> list[ast.stmt]:
        return []

    def _s_DeclList(self, s: c_ast.DeclList) -> list[ast.stmt]:
        return [x for d in s.decls for x in self._s_Decl(d)]

    def _s_Decl(self, d: c_ast.Decl) -> list[ast.stmt]:
        if "static" in (d.storage or ()) and d.name is not None:
            raise Unsupported(f"static local variable {d.name}: it is shared state; "
                              "declare it as a global", d)
        if isinstance(d.type, c_ast.FuncDecl) or d.name is None:
            self.L.note(d)
            return []
        self.L.note(d)
        t = d.type
        self.locals[d.name] = t
        target = ast.Name(py_name(d.name), ast.Store())
        if self.L.struct_of(t) in HANDLE_STRUCTS:
            return [ast.Assign([target], self.expr(d.init) if d.init is not None
                               else _name("NULL"))]
        if self.L.is_aggregate(t):
            r = self.L.resolve(t)
            if isinstance(r, c_ast.ArrayDecl) and not self.L.is_aggregate(r.type):
                n = self._const(r.dim) if r.dim is not None else None
                values = [self.expr(v) for v in d.init.exprs] if isinstance(
                    d.init, c_ast.InitList) else []
                if n is None:
                    n = len(values)
                values += [ast.Constant(0)] * (n - len(values))
                return [ast.Assign([target], ast.List(values[:n], ast.Load()))]
            raise Unsupported(f"local struct variable {d.name}: smpcheck keeps shared "
                              "objects only; declare it as a global or kmalloc() it", d)
        if d.init is None:
            return [ast.Assign([target], self._zero(t))]
        if isinstance(d.init, c_ast.InitList):
            raise Unsupported("a braced initialiser for a scalar", d.init)
        return self._assign_to(target, d.init, self._is_pointer(t))

    def _assign_to(self, target: ast.expr, value: c_ast.Node,
                   pointer: bool) -> list[ast.stmt]:
        v = self.expr(value)
        if pointer:
            v = _call("_c_null", v)
        return [ast.Assign([target], v)]

    def _s_Assignment(self, s: c_ast.Assignment) -> list[ast.stmt]:
        if s.op == "=" and isinstance(s.rvalue, c_ast.Assignment):
            chain, value = [s.lvalue], s.rvalue
            while isinstance(value, c_ast.Assignment) and value.op == "=":
                chain.append(value.lvalue)
                value = value.rvalue
            if isinstance(value, c_ast.Assignment):
                raise Unsupported("a compound assignment inside an assignment", value)
            tmp = self._temp()
            out: list[ast.stmt] = [ast.Assign([ast.Name(tmp, ast.Store())], self.expr(value))]
            for lv in reversed(chain):
                out.append(ast.Assign([self.lvalue(lv, ast.Store())], _name(tmp)))
            return out
        target = self.lvalue(s.lvalue, ast.Store())
        if s.op == "=":
            return self._assign_to(target, s.rvalue, self._is_pointer(self.type_of(s.lvalue)))
        op = s.op[:-1]
        value = self.expr(s.rvalue)
        if op in _BINOPS:
            return [ast.AugAssign(target, _BINOPS[op], value)]
        if op in ("/", "%"):
            fn = "_c_div" if op == "/" else "_c_mod"
            return [ast.Assign([target], _call(fn, self.lvalue(s.lvalue, ast.Load()), value))]
        raise Unsupported(f"the operator {s.op}", s)

    def _s_UnaryOp(self, s: c_ast.UnaryOp) -> list[ast.stmt]:
        if s.op in ("p++", "++", "p--", "--"):
            op = ast.Add() if "+" in s.op else ast.Sub()
            return [ast.AugAssign(self.lvalue(s.expr, ast.Store()), op, ast.Constant(1))]
        return [ast.Expr(self.expr(s))]

    def _s_FuncCall(self, s: c_ast.FuncCall) -> list[ast.stmt]:
        name = s.name.name if isinstance(s.name, c_ast.ID) else None
        if name in ASSIGNS_LAST:
            return [ast.Assign([self._assigned_local(s)], self._call(s, drop_last=True))]
        return [ast.Expr(self.expr(s))]

    def _expr_stmt(self, s: c_ast.Node) -> list[ast.stmt]:
        return [ast.Expr(self.expr(s))]

    _s_ID = _s_Constant = _s_BinaryOp = _s_TernaryOp = _s_Cast = _s_StructRef = _expr_stmt
    _s_ArrayRef = _expr_stmt

    def _s_ExprList(self, s: c_ast.ExprList) -> list[ast.stmt]:
        return [x for e in s.exprs for x in self.stmt(e)]

    def _s_If(self, s: c_ast.If) -> list[ast.stmt]:
        return [ast.If(self.expr(s.cond), self._body(s.iftrue), self.block(s.iffalse))]

    def _body(self, node: c_ast.Node | None) -> list[ast.stmt]:
        body = self.block(node)
        return body or [_at(ast.Pass(), getattr(node, "coord", None))]

    def _s_Return(self, s: c_ast.Return) -> list[ast.stmt]:
        if self.registers:
            pre = [ast.Expr(self.expr(s.expr))] if s.expr is not None else []
            return pre + [ast.Return(self._regs())]
        return [ast.Return(self.expr(s.expr) if s.expr is not None else None)]

    def _s_Break(self, s: c_ast.Break) -> list[ast.stmt]:
        loop = next((lp for lp in reversed(self.loops) if lp.kind in ("loop", "switch")),
                    None)
        if loop is None:
            raise Unsupported("break outside a loop or switch", s)
        if any(lp.kind in ("goto", "ahead") for lp in self.loops[self.loops.index(loop):]):
            raise Unsupported("break across a goto label", s)
        if loop.kind == "switch":
            raise Unsupported("break inside a nested statement of a switch case (only a "
                              "break ending the case is supported)", s)
        return [ast.Break()]

    def _s_Continue(self, s: c_ast.Continue) -> list[ast.stmt]:
        loop = next((lp for lp in reversed(self.loops) if lp.kind == "loop"), None)
        if loop is None or self.loops[-1] is not loop:
            raise Unsupported("continue outside a loop (or across a goto label or switch)", s)
        return list(copy.deepcopy(loop.on_continue)) + [ast.Continue()]

    def _s_While(self, s: c_ast.While) -> list[ast.stmt]:
        spin = _spin_wait(s.cond, s.stmt)
        self.loops.append(_Loop("loop", _relax(spin)))
        body = self.block(s.stmt) + _relax(spin)
        self.loops.pop()
        return [ast.While(self.expr(s.cond), body or [ast.Pass()], [])]

    def _s_DoWhile(self, s: c_ast.DoWhile) -> list[ast.stmt]:
        spin = _spin_wait(s.cond, s.stmt)
        check = _at(ast.If(ast.UnaryOp(ast.Not(), self.expr(s.cond)), [ast.Break()], []),
                    s.cond.coord)
        self.loops.append(_Loop("loop", _relax(spin) + [check]))
        body = self.block(s.stmt) + _relax(spin) + [check]
        self.loops.pop()
        return [ast.While(ast.Constant(True), body, [])]

    def _s_For(self, s: c_ast.For) -> list[ast.stmt]:
        init = self.stmt(s.init) if s.init is not None else []
        step = self.stmt(s.next) if s.next is not None else []
        spin = _spin_wait(s.cond, s.stmt) and s.next is None
        cond = self.expr(s.cond) if s.cond is not None else ast.Constant(True)
        self.loops.append(_Loop("loop", _relax(spin) + step))
        body = self.block(s.stmt) + _relax(spin) + step
        self.loops.pop()
        return init + [ast.While(cond, body or [ast.Pass()], [])]

    def _s_Label(self, s: c_ast.Label) -> list[ast.stmt]:
        return self.stmt(s.stmt) if s.stmt is not None else []

    def _s_Goto(self, s: c_ast.Goto) -> list[ast.stmt]:
        loop = self.loops[-1] if self.loops else None
        if loop is not None and loop.kind == "ahead" and loop.label == s.name:
            return [ast.Break()]
        if loop is None or loop.kind != "goto" or loop.label != s.name:
            raise Unsupported(f"goto {s.name}: only a jump to a label of the same or an "
                              "enclosing block, with no loop or switch in between, is "
                              "supported (retry: ... goto retry; or goto out; ... out:)", s)
        return list(copy.deepcopy(loop.on_continue)) + [ast.Continue()]

    def _goto_loop(self, label: c_ast.Label, rest: list[c_ast.Node]) -> list[ast.stmt]:
        """``L: s; rest`` with ``goto L`` in it: a loop whose ``continue`` is the goto."""
        items = ([label.stmt] if label.stmt is not None else []) + rest
        last = next(k for k, it in enumerate(items) if _gotos([it], label.name))
        spin = all(_spin_wait(None, it) for it in items[:last + 1])
        self.loops.append(_Loop("goto", _relax(spin), label.name))
        body = self.stmts(items)
        self.loops.pop()
        body.append(_at(ast.Break(), label.coord))
        return [_at(ast.While(ast.Constant(True), body, []), label.coord)]

    def _s_Switch(self, s: c_ast.Switch) -> list[ast.stmt]:
        items = list(s.stmt.block_items or ()) if isinstance(s.stmt, c_ast.Compound) else []
        tmp = self._temp()
        out: list[ast.stmt] = [ast.Assign([ast.Name(tmp, ast.Store())], self.expr(s.cond))]
        chain: list[tuple[ast.expr | None, list[ast.stmt]]] = []
        labels: list[ast.expr] = []
        default = False
        self.loops.append(_Loop("switch"))
        for k, item in enumerate(items):
            if not isinstance(item, c_ast.Case | c_ast.Default):
                raise Unsupported("a statement before the first case of a switch", item)
            if isinstance(item, c_ast.Default):
                default = True
            else:
                labels.append(ast.Compare(_name(tmp), [ast.Eq()], [self.expr(item.expr)]))
            body = list(item.stmts or ())
            if not body:
                continue
            ends = body[-1]
            if isinstance(ends, c_ast.Break):
                body = body[:-1]
            elif not isinstance(ends, c_ast.Return | c_ast.Goto | c_ast.Continue) \
                    and k != len(items) - 1:
                raise Unsupported("a switch case that falls through to the next one", item)
            test = None if default else (labels[0] if len(labels) == 1 else
                                         ast.BoolOp(ast.Or(), labels))
            chain.append((test, self.stmts(body) or [ast.Pass()]))
            labels, default = [], False
        self.loops.pop()
        orelse: list[ast.stmt] = []
        for test, body in reversed(chain):
            orelse = body if test is None else [_at(ast.If(test, body, orelse), s.coord)]
        return out + orelse

    # -- lvalues ----------------------------------------------------------------
    def lvalue(self, e: c_ast.Node, ctx: ast.expr_context) -> _Target:
        """``e`` as an assignment target (Store) or its plain read (Load)."""
        if isinstance(e, c_ast.ID):
            if e.name in self.locals:
                return _at(ast.Name(py_name(e.name), ctx), e.coord)
            if e.name in self.scope.globals:
                if self.L.is_aggregate(self.scope.globals[e.name]):
                    raise Unsupported(f"assigning the whole aggregate {e.name}", e)
                return _at(ast.Subscript(_name(py_name(e.name)), ast.Constant(0), ctx),
                           e.coord)
            raise Unsupported(f"undeclared variable {e.name}", e)
        if isinstance(e, c_ast.StructRef):
            base = self._aggregate(e)
            return _at(ast.Attribute(base, field_name(e.field.name), ctx),
                       e.coord)
        if isinstance(e, c_ast.ArrayRef):
            return _at(ast.Subscript(self.expr(e.name), self.expr(e.subscript), ctx),
                       e.coord)
        if isinstance(e, c_ast.UnaryOp) and e.op == "*":
            return _at(ast.Subscript(self.expr(e.expr), ast.Constant(0), ctx),
                       e.coord)
        if isinstance(e, c_ast.Cast):
            return self.lvalue(e.expr, ctx)
        raise Unsupported(f"{_describe(e)} as an assignment target", e)

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
            raise Unsupported(f"{_describe(e)} is not supported in an expression", e)
        return _at(method(e), e.coord)

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
            return _name(py_name(name))
        if name == "NULL":
            return _name("NULL")
        if name in self.scope.globals:
            if self.L.is_aggregate(self.scope.globals[name]) or _special(
                    self.L, self.scope.globals[name]):
                return _name(py_name(name))
            return ast.Subscript(_name(py_name(name)), ast.Constant(0), ast.Load())
        if name in self.L.enums:
            return ast.Constant(self.L.enums[name])
        if name in self.scope.functions or name in self.scope.api:
            return _name(py_name(name))
        raise Unsupported(f"undeclared identifier {name}", e)

    def _e_StructRef(self, e: c_ast.StructRef) -> ast.expr:
        return self.lvalue(e, ast.Load())

    def _e_ArrayRef(self, e: c_ast.ArrayRef) -> ast.expr:
        return self.lvalue(e, ast.Load())

    def _e_Cast(self, e: c_ast.Cast) -> ast.expr:
        inner = self.expr(e.expr)
        if isinstance(self.L.resolve(e.to_type.type), c_ast.PtrDecl):
            return _call("_c_null", inner)
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
            return _call("_c_not", self.expr(e.expr))
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
                return _name(py_name(inner.name))  # (DEFINE_WAIT's entry: a value)
            if inner.name in self.locals:
                raise Unsupported(f"the address of local variable {inner.name}: only "
                                  "shared objects (globals, kmalloc'd) have addresses", inner)
            if inner.name in self.scope.functions:
                return _name(py_name(inner.name))
            if inner.name in self.scope.globals:
                return _name(py_name(inner.name))
        if isinstance(inner, c_ast.UnaryOp) and inner.op == "*":
            return self.expr(inner.expr)
        return _call("addr", self.lvalue(inner, ast.Load()))

    def _increment(self, e: c_ast.UnaryOp) -> ast.expr:
        if not (isinstance(e.expr, c_ast.ID) and e.expr.name in self.locals):
            raise Unsupported(f"{e.op.strip('p')} on memory inside an expression: make it a "
                              "statement of its own", e)
        name = py_name(e.expr.name)
        delta = 1 if "+" in e.op else -1
        new = ast.NamedExpr(ast.Name(name, ast.Store()),
                            ast.BinOp(_name(name), ast.Add(), ast.Constant(delta)))
        if e.op.startswith("p"):
            return ast.BinOp(new, ast.Sub(), ast.Constant(delta))
        return new

    def _e_BinaryOp(self, e: c_ast.BinaryOp) -> ast.expr:
        op = e.op
        left, right = self.expr(e.left), self.expr(e.right)
        if op in _BINOPS:
            return ast.BinOp(left, _BINOPS[op], right)
        if op in _CMPOPS:
            return ast.Compare(left, [_CMPOPS[op]], [right])
        if op in ("&&", "||"):
            return _call("_c_bool", ast.BoolOp(ast.And() if op == "&&" else ast.Or(),
                                               [left, right]))
        if op in ("/", "%"):
            return _call("_c_div" if op == "/" else "_c_mod", left, right)
        raise Unsupported(f"the operator {op}", e)

    def _e_TernaryOp(self, e: c_ast.TernaryOp) -> ast.expr:
        return ast.IfExp(self.expr(e.cond), self.expr(e.iftrue), self.expr(e.iffalse))

    def _e_Assignment(self, e: c_ast.Assignment) -> ast.expr:
        if e.op != "=" or not (isinstance(e.lvalue, c_ast.ID) and e.lvalue.name in self.locals):
            raise Unsupported("an assignment inside an expression, other than to a local "
                              "variable: make it a statement of its own", e)
        value = self.expr(e.rvalue)
        if self._is_pointer(self.locals[e.lvalue.name]):
            value = _call("_c_null", value)
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
        target = RENAME.get(name, FREES.get(name, name))
        return ast.Call(_name(py_name(target)), out, [])

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
        return _at(self._address(a), a.coord)

    def _special_call(self, name: str, args: list[c_ast.Node],
                      e: c_ast.FuncCall) -> ast.expr | None:
        if name == "__smp_container_of":
            return _call("_c_container_of", self.expr(args[0]), self.expr(args[1]))
        if name == "__smp_first_or_null":
            return _call("_c_first_or_null", self.expr(args[0]), self.expr(args[1]),
                         self.expr(args[2]))
        if name == "__smp_array_size":
            t = self.L.resolve(self.type_of(args[0])) if args else None
            if not isinstance(t, c_ast.ArrayDecl) or t.dim is None:
                raise Unsupported("ARRAY_SIZE of something that is not an array", e)
            return ast.Constant(self._const(t.dim))
        if name in ALLOCATORS and name not in self.scope.functions:
            if not args:
                raise Unsupported(f"{name}() needs a size", e)
            return _call("kmalloc", _name(self._size_spec(args[0], None)))
        if name in ARRAY_ALLOCATORS and name not in self.scope.functions:
            if len(args) < 2:
                raise Unsupported(f"{name}() needs a count and a size", e)
            return _call("kmalloc", _name(self._size_spec(args[1], args[0])))
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
            got = ast.NamedExpr(ast.Name(tmp, ast.Store()), _call(
                "_c_try", _call(name, self.expr(args[0]), _name(var), self.expr(args[2]))))
            first = ast.Subscript(_name(tmp), ast.Constant(0), ast.Load())
            seen = ast.NamedExpr(ast.Name(var, ast.Store()),
                                 ast.Subscript(_name(tmp), ast.Constant(1), ast.Load()))
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


def _is_void(t: c_ast.Node) -> bool:
    return isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
        and t.type.names == ["void"]


def _is_sizeof(e: c_ast.Node) -> bool:
    return isinstance(e, c_ast.UnaryOp) and e.op == "sizeof"


def _special(layouts: Layouts, t: c_ast.Node) -> bool:
    """A lock, srcu_struct or atomic: used by its address in the API, never read plain."""
    from smpcheck.c.layout import SPECIAL_STRUCTS, SPECIAL_TYPEDEFS

    r = layouts.resolve(t)
    if isinstance(r, c_ast.TypeDecl) and isinstance(r.type, c_ast.IdentifierType):
        return r.type.names[-1] in SPECIAL_TYPEDEFS
    return layouts.struct_of(r) in SPECIAL_STRUCTS


def _decls(node: c_ast.Node | None) -> Iterator[c_ast.Decl]:
    """The local variables a function body declares, nested blocks included."""
    if node is None:
        return
    for _, child in node.children():
        if isinstance(child, c_ast.Decl) and child.name is not None \
                and not isinstance(child.type, c_ast.FuncDecl):
            yield child
        yield from _decls(child)


def _gotos(items: list[c_ast.Node], label: str) -> bool:
    return any(isinstance(n, c_ast.Goto) and n.name == label for it in items
               for n in _all(it))


def _all(node: c_ast.Node) -> Iterator[c_ast.Node]:
    yield node
    for _, child in node.children():
        yield from _all(child)


def _spin_wait(cond: c_ast.Node | None, body: c_ast.Node | None) -> bool:
    """Whether a loop only reads: no assignment, no call but to reading primitives.
    Such a loop is a spin-wait (as if it called cpu_relax())."""
    for part in (cond, body):
        for n in _all(part) if part is not None else ():
            if isinstance(n, c_ast.Assignment | c_ast.Decl | c_ast.Return | c_ast.Break):
                return False
            if isinstance(n, c_ast.UnaryOp) and n.op in ("p++", "++", "p--", "--"):
                return False
            if isinstance(n, c_ast.FuncCall) and not (
                    isinstance(n.name, c_ast.ID) and n.name.name in READS):
                return False
    return True


def _relax(spin: bool) -> list[ast.stmt]:
    return [ast.Expr(_call("cpu_relax"))] if spin else []


def _describe(n: Any) -> str:
    names = {"Switch": "switch", "Goto": "goto", "Label": "a label",
             "CompoundLiteral": "a compound literal", "InitList": "a braced initialiser",
             "StaticAssert": "_Static_assert", "Typedef": "a local typedef",
             "FuncDef": "a nested function", "Alignas": "_Alignas",
             "GenericSelection": "_Generic", "Case": "case", "Default": "default"}
    return names.get(type(n).__name__, f"this construct ({type(n).__name__})")
