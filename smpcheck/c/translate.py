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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pycparser import c_ast

from smpcheck.c.expressions import (
    ASSIGNS_LAST,
    BINOPS,
    ExprTranslator,
    Scope,
    Unsupported,
    at,
    call,
    describe,
    name_of,
    py_name,
)
from smpcheck.c.layout import HANDLE_STRUCTS

__all__ = ["FunctionTranslator", "Scope", "Unsupported", "py_name"]

# Primitives that only read: a loop of these (and branches on them) is a spin-wait.
READS = {"READ_ONCE", "smp_load_acquire", "atomic_read", "atomic_read_acquire",
         "atomic_long_read", "atomic64_read", "rcu_dereference", "rcu_access_pointer",
         "spin_is_locked", "test_bit", "barrier", "cpu_relax", "smp_rmb", "smp_mb",
         "rcu_dereference_protected", "list_empty", "read_seqcount_begin",
         "read_seqcount_retry", "raw_read_seqcount", "read_seqbegin", "read_seqretry",
         "refcount_read", "waitqueue_active", "smp_acquire__after_ctrl_dep"}


@dataclass
class _Loop:
    kind: str  # "loop", "goto", "switch"
    on_continue: list[ast.stmt] = field(default_factory=list)
    label: str | None = None
    spin: bool = False


class FunctionTranslator(ExprTranslator):
    """Translates one C function definition into a Python ``def``."""

    def __init__(self, scope: Scope, fn: c_ast.FuncDef, registers: bool) -> None:
        super().__init__(scope)
        self.fn = fn
        self.registers = registers  # a CPU entry: return its locals
        self.loops: list[_Loop] = []

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
                body.append(at(ast.Assign([ast.Name(py_name(d.name), ast.Store())],
                                           self._zero(d.type)), d.coord))
        body += self.block(self.fn.body)
        if self.registers:
            body.append(at(ast.Return(self._regs()), self.fn.body.coord))
        if not body:
            body = [at(ast.Pass(), self.fn.body.coord)]
        args = ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, [])
        fdef = ast.FunctionDef(py_name(decl.name), args, body, [], None)
        return at(fdef, decl.coord)

    def _regs(self) -> ast.expr:
        names = sorted(n for n, t in self.locals.items()
                       if self.L.struct_of(t) not in HANDLE_STRUCTS
                       and self.L.struct_of(self.L.pointee(t)) not in HANDLE_STRUCTS)
        keys: list[ast.expr | None] = [ast.Constant(n) for n in names]
        return call("_c_regs", ast.Dict(keys, [name_of(py_name(n)) for n in names]))

    def _zero(self, t: c_ast.Node) -> ast.expr:
        r = self.L.resolve(t)
        if isinstance(r, c_ast.PtrDecl):
            return name_of("NULL")
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
        body.append(at(ast.Break(), coord))
        return [at(ast.While(ast.Constant(True), body, []), coord)]

    def stmt(self, s: c_ast.Node) -> list[ast.stmt]:
        method: Callable[[Any], list[ast.stmt]] | None = getattr(
            self, "_s_" + type(s).__name__, None)
        if method is None:
            raise Unsupported(f"{describe(s)} is not supported", s)
        try:
            made = method(s)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # (a shape of syntax tree the translator does not expect: still the user's
            # statement to point at, never a traceback)
            raise Unsupported(f"cannot translate this statement ({type(exc).__name__}: "
                              f"{exc})", s) from None
        return [at(x, s.coord) for x in made]

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
                               else name_of("NULL"))]
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
            v = call("_c_null", v)
        return [ast.Assign([target], v)]

    def _s_Assignment(self, s: c_ast.Assignment) -> list[ast.stmt]:
        if isinstance(s.lvalue, c_ast.FuncCall) and isinstance(s.lvalue.name, c_ast.ID) \
                and s.lvalue.name.name == "ACCESS_ONCE" and s.op == "=":
            # (ACCESS_ONCE(x) = v: the kernel before 4.15 wrote WRITE_ONCE so)
            args = s.lvalue.args.exprs if s.lvalue.args is not None else []
            if len(args) != 1:
                raise Unsupported("ACCESS_ONCE takes one argument", s.lvalue)
            return [ast.Expr(call("WRITE_ONCE", self._location(args[0], "ACCESS_ONCE"),
                                  self.expr(s.rvalue)))]
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
                out.append(ast.Assign([self.lvalue(lv, ast.Store())], name_of(tmp)))
            return out
        target = self.lvalue(s.lvalue, ast.Store())
        if s.op == "=":
            return self._assign_to(target, s.rvalue, self._is_pointer(self.type_of(s.lvalue)))
        op = s.op[:-1]
        value = self.expr(s.rvalue)
        if op in BINOPS:
            return [ast.AugAssign(target, BINOPS[op], value)]
        if op in ("/", "%"):
            fn = "_c_div" if op == "/" else "_c_mod"
            return [ast.Assign([target], call(fn, self.lvalue(s.lvalue, ast.Load()), value))]
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
        return body or [at(ast.Pass(), getattr(node, "coord", None))]

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
        spin = _spin_wait([s.cond, s.stmt], set(self.locals), s.cond)
        self.loops.append(_Loop("loop", _relax(spin)))
        body = self.block(s.stmt) + _relax(spin)
        self.loops.pop()
        return [ast.While(self.expr(s.cond), body or [ast.Pass()], [])]

    def _s_DoWhile(self, s: c_ast.DoWhile) -> list[ast.stmt]:
        spin = _spin_wait([s.cond, s.stmt], set(self.locals), s.cond)
        check = at(ast.If(ast.UnaryOp(ast.Not(), self.expr(s.cond)), [ast.Break()], []),
                    s.cond.coord)
        self.loops.append(_Loop("loop", _relax(spin) + [check]))
        body = self.block(s.stmt) + _relax(spin) + [check]
        self.loops.pop()
        return [ast.While(ast.Constant(True), body, [])]

    def _s_For(self, s: c_ast.For) -> list[ast.stmt]:
        init = self.stmt(s.init) if s.init is not None else []
        step = self.stmt(s.next) if s.next is not None else []
        spin = s.next is None and _spin_wait([s.cond, s.stmt], set(self.locals), s.cond)
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
        region = c_ast.Compound(items[:last + 1])
        spin = _spin_wait([region], set(self.locals), region)
        self.loops.append(_Loop("goto", _relax(spin), label.name))
        body = self.stmts(items)
        self.loops.pop()
        body.append(at(ast.Break(), label.coord))
        return [at(ast.While(ast.Constant(True), body, []), label.coord)]

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
                labels.append(ast.Compare(name_of(tmp), [ast.Eq()], [self.expr(item.expr)]))
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
            orelse = body if test is None else [at(ast.If(test, body, orelse), s.coord)]
        return out + orelse


# ----------------------------------------------------------------------- helpers


def _is_void(t: c_ast.Node) -> bool:
    return isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
        and t.type.names == ["void"]


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


def _reads_memory(e: c_ast.Node, local: set[str]) -> bool:
    """Whether evaluating ``e`` may read shared memory (a call, a global, a member)."""
    return any(isinstance(n, c_ast.FuncCall | c_ast.StructRef | c_ast.ArrayRef)
               or (isinstance(n, c_ast.UnaryOp) and n.op == "*")
               or (isinstance(n, c_ast.ID) and n.name not in local) for n in _all(e))


def _spin_wait(parts: list[c_ast.Node | None], local: set[str],
               tested: c_ast.Node | None = None) -> bool:
    """Whether an iteration of a loop only reads shared memory and carries no state to
    the next, as :mod:`smpcheck.litmus.translate_c` decides for litmus loops: it calls
    only reading primitives, stores nothing but locals, computes no local from one the
    loop assigns, and sets none that ``tested`` (the condition) reads to a value read
    from no memory.  Such a loop is a spin-wait (as if it called cpu_relax())."""
    nodes = [n for p in parts if p is not None for n in _all(p)]
    assigned: dict[str, list[c_ast.Node | None]] = {}
    for n in nodes:
        if isinstance(n, c_ast.FuncCall) and not (
                isinstance(n.name, c_ast.ID) and n.name.name in READS):
            return False
        if isinstance(n, c_ast.UnaryOp) and n.op in ("p++", "++", "p--", "--"):
            return False
        if isinstance(n, c_ast.Assignment):
            if n.op != "=" or not (isinstance(n.lvalue, c_ast.ID) and n.lvalue.name in local):
                return False
            assigned.setdefault(n.lvalue.name, []).append(n.rvalue)
        elif isinstance(n, c_ast.Decl) and n.name is not None:
            assigned.setdefault(n.name, []).append(n.init)
    names = {n.name for n in _all(tested) if isinstance(n, c_ast.ID)} if tested else set()
    for target, values in assigned.items():
        for v in values:
            if v is not None and any(isinstance(m, c_ast.ID) and m.name in assigned
                                     for m in _all(v)):
                return False
            if target in names and (v is None or not _reads_memory(v, local)):
                return False
    return True


def _relax(spin: bool) -> list[ast.stmt]:
    return [ast.Expr(call("cpu_relax"))] if spin else []
