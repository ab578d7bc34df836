"""C litmus threads as CPU functions that interpret the thread's statements.

Each thread ``P<n>(int *x, ...)`` is compiled once into Python closures (so
that every name, macro and arity is checked before anything runs, and replays
are fast); its CPU function runs them with the registers in a dict and
returns the registers.  The semantics:

* a parameter ``x`` is the address of the shared variable ``x``; ``*x`` is
  that variable (a plain load or store, through
  :func:`smpcheck.kernel.lowlevel.member_read` / ``plain_store``); ``&x`` of a shared
  variable is its address too.  ``*e`` for any pointer value ``e`` works the
  same way, with an address dependency on what ``e`` was computed from.
* registers are the thread's declared locals, the names it assigns (herd
  accepts ``r0 = ...`` undeclared) and the init block's ``n:r=v``; they start
  at 0 unless the init block says otherwise.
* calls are linux-kernel.def's macros (:mod:`.c_macros`), made by the kernel
  API functions of the same names.
* values returned by primitives are :class:`~smpcheck.model.values.Val`, kept as they
  are; C operators combine them keeping their dependencies (data and address
  dependencies), and branching on one (``if``, ``while``, ``?:``, ``&&`` with
  side effects) records a control dependency; an ``if``'s ends with the
  statement, as in herd7.
* ``while`` loops are instrumented as the loader instruments Python loops;
  a loop that carries no register computation from one iteration to the next
  is a spin-wait (as if it called cpu_relax()): an iteration that only reads
  blocks until another CPU writes what it read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from smpcheck.graph.events import Source
from smpcheck.kernel.lowlevel import (
    Cpu,
    ctrl_restore,
    ctrl_save,
    loop_enter,
    loop_head,
    member_read,
    plain_store,
    this_cpu,
)
from smpcheck.litmus.c_macros import MACROS, Macro, describe
from smpcheck.litmus.syntax import (
    AddrOf,
    Assign,
    Binary,
    Call,
    Cast,
    CTest,
    CThread,
    Decl,
    Deref,
    Expr,
    ExprStmt,
    If,
    LitmusError,
    LocRef,
    Name,
    Num,
    Return,
    Stmt,
    Ternary,
    Unary,
    While,
)
from smpcheck.litmus.translate import (
    Memory,
    SourceLines,
    check_memory_loc,
    declare_named,
    init_globals,
    init_registers,
    make_model,
    named_registers,
)
from smpcheck.litmus.translate_ops import BINARY, UNARY, combine, pointer, truth
from smpcheck.model.model import Model
from smpcheck.model.objects import Field, Loc
from smpcheck.model.source import Latent
from smpcheck.model.values import Val, deps_of, raw

__smp_engine__ = True

Eval = Callable[["Frame"], Any]
Exec = Callable[["Frame"], None]

RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, AttributeError, IndexError, KeyError)


HERD_C11 = frozenset({
    "atomic_load_explicit", "atomic_store_explicit", "atomic_exchange_explicit",
    "atomic_fetch_add_explicit", "atomic_fetch_sub_explicit", "atomic_fetch_or_explicit",
    "atomic_fetch_xor_explicit", "atomic_fetch_and_explicit", "atomic_thread_fence",
    "atomic_compare_exchange_weak", "atomic_compare_exchange_strong",
    "atomic_compare_exchange_weak_explicit", "atomic_compare_exchange_strong_explicit",
    "lock", "unlock", "mtx_lock", "mtx_unlock", "WCAS", "SCAS",
})
"""C11 primitives herd's C front end knows beside a .def file's macros."""


class Frame:
    """One run of a thread: its registers and the CPU running it."""

    __slots__ = ("regs", "cpu")

    def __init__(self, regs: dict[str, Any], cpu: Cpu) -> None:
        self.regs = regs
        self.cpu = cpu


class _Return(Exception):
    """``return;`` unwinds the thread."""


def translate_c(test: CTest, lines: SourceLines,
                macros: Mapping[str, Macro] | None = None) -> tuple[Model, dict[str, Loc]]:
    """The model of a C litmus test (see :func:`smpcheck.litmus.run.translate`)."""
    memory = Memory(lines)
    kinds = _param_kinds(test, lines)
    init_globals(test, memory, kinds)
    for name, kind in kinds.items():
        memory.declare(name, kind)
    declare_named(test, memory)
    init_regs: list[dict[str, Any]] = [{} for _ in test.threads]
    for entry, value in init_registers(test, memory):
        init_regs[entry.thread or 0][entry.name] = value
    for loc in named_registers(test):  # herd: a register the thread never sets is 0
        if loc.thread is not None and loc.thread < len(init_regs):
            init_regs[loc.thread].setdefault(loc.name, 0)
    table = MACROS if macros is None else macros
    threads = [ThreadCompiler(t, memory, lines, init_regs[i], table)
               for i, t in enumerate(test.threads)]
    cpus = [tc.cpu_function() for tc in threads]

    def check(loc: LocRef) -> None:
        if loc.thread is None:
            check_memory_loc(memory, loc)
        elif loc.thread >= len(threads):
            raise lines.error(f"the condition names {loc.thread}:{loc.name} but the test has "
                              f"no thread P{loc.thread}", loc.line, f"{loc.thread}:{loc.name}")

    model, names = make_model(test, cpus, memory, check)
    model.latent = tuple(entry for tc in threads for entry in tc.latent())
    return model, names


def _own_exprs(stmt: Stmt) -> list[Expr]:
    """The expressions a statement evaluates itself (a branch's condition, not its body)."""
    if isinstance(stmt, Decl):
        return [stmt.init] if stmt.init is not None else []
    if isinstance(stmt, Assign):
        return [stmt.target, stmt.value]
    if isinstance(stmt, ExprStmt):
        return [stmt.expr]
    if isinstance(stmt, If | While):
        return [stmt.cond]
    return [stmt.value] if stmt.value is not None else []


def _constants(e: Expr) -> Iterator[int]:
    value = _literal(e)
    if value is not None:
        yield value
    for child in _children(e):
        yield from _constants(child)


def _literal(e: Expr) -> int | None:
    """The constant ``e`` is (``1``, ``-1``), or None."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Unary) and e.op == "-" and isinstance(e.expr, Num):
        return -e.expr.value
    return None


def _calls(e: Expr) -> Iterator[Call]:
    if isinstance(e, Call):
        yield e
    for child in _children(e):
        yield from _calls(child)


def _unseen_write(call: Call, macro: Macro, old: Any) -> int | None:
    """What ``call`` writes unseen to a location holding ``old`` (``macro.writes``),
    where its value arguments are constants."""
    assert macro.writes is not None
    vals = [_literal(a) for role, a in zip(macro.roles, call.args, strict=False)
            if role == "v"]
    if None in vals:
        return None
    try:
        wrote = macro.writes(old, tuple(vals))
    except (TypeError, ArithmeticError):  # (a pointer's initial value)
        return None
    return wrote if type(wrote) is int else None


def _param_kinds(test: CTest, lines: SourceLines) -> dict[str, str]:
    """Each parameter's kind, from its type in the first thread that has it.

    herd reads the types and checks none of them against each other (a thread
    may take ``struct srcu_struct *s`` and another ``int *s``, the init block
    may give ``int *x = y`` to a parameter ``int *x``), and neither does this."""
    kinds: dict[str, str] = {}
    for thread in test.threads:
        for p in thread.params:
            if not p.type_text.endswith("*"):
                raise lines.error(f"parameter {p.name} of P{thread.index} must be a pointer "
                                  f"('{p.type_text} *{p.name}'): threads receive the "
                                  "addresses of shared variables", p.line, p.name)
            kinds.setdefault(p.name, _param_kind(p.type_text))
    return kinds


def _param_kind(type_text: str) -> str:
    base = type_text[:-1].strip()
    if base.endswith("*"):
        return "ptr"
    return {"spinlock_t": "spinlock", "atomic_t": "atomic",
            "struct srcu_struct": "srcu"}.get(base, "int")


# ------------------------------------------------------------------ threads


def _walk(stmts: tuple[Stmt, ...]) -> Iterator[Stmt]:
    for s in stmts:
        yield s
        if isinstance(s, If):
            yield from _walk(s.then)
            yield from _walk(s.orelse)
        elif isinstance(s, While):
            yield from _walk(s.body)


def _assigned(stmts: tuple[Stmt, ...]) -> set[str]:
    """Registers a statement list declares or assigns."""
    out = set()
    for s in _walk(stmts):
        if isinstance(s, Decl):
            out.add(s.name)
        elif isinstance(s, Assign) and isinstance(s.target, Name):
            out.add(s.target.id)
    return out


def _names_in(e: Expr | None) -> Iterator[str]:
    if e is None:
        return
    if isinstance(e, Name):
        yield e.id
    for child in _children(e):
        yield from _names_in(child)


def _children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, Deref | AddrOf | Unary | Cast):
        return (e.expr,)
    if isinstance(e, Binary):
        return (e.left, e.right)
    if isinstance(e, Ternary):
        return (e.cond, e.then, e.orelse)
    if isinstance(e, Call):
        return e.args
    return ()


def _pure(e: Expr) -> bool:
    """No memory access and no call: evaluating it has no event."""
    if isinstance(e, Deref | Call):
        return False
    return all(_pure(c) for c in _children(e))


class ThreadCompiler:
    """Compiles one thread's statements into closures over a :class:`Frame`."""

    def __init__(self, thread: CThread, memory: Memory, lines: SourceLines,
                 init: dict[str, Any], macros: Mapping[str, Macro] = MACROS) -> None:
        self.thread = thread
        self.macros = macros
        self.memory = memory
        self.lines = lines
        self.params = {p.name: memory.refs[p.name] for p in thread.params}
        self.registers = _assigned(thread.body) | set(init)
        self.init = {name: init.get(name, 0) for name in sorted(self.registers)}
        self.per_line: dict[int, int] = {}
        for st in _walk(thread.body):
            self.per_line[st.line] = self.per_line.get(st.line, 0) + 1
        if thread.body and thread.body[0].line == thread.line:
            self.per_line[thread.line] = 2  # the header shares the line
        self.texts = self._texts()
        self.body = self.block(thread.body)

    def _texts(self) -> dict[int, str]:
        """The text naming each statement (by ``id``) that shares its line: rendered,
        and numbered where it renders as an earlier one on that line does, so that no
        two statements are one site (speculation names statements by line and text:
        one that ran must not hide a twin that never did)."""
        out: dict[int, str] = {}
        seen: dict[tuple[int, str], int] = {}
        for st in _walk(self.thread.body):
            if self.per_line.get(st.line, 0) == 1:
                continue
            text = render_stmt(st)
            n = seen[st.line, text] = seen.get((st.line, text), 0) + 1
            out[id(st)] = text if n == 1 else f"{text}  /* #{n} on this line */"
        return out

    def cpu_function(self) -> Callable[[], dict[str, Any]]:
        body, init, names = self.body, self.init, sorted(self.registers)

        def cpu() -> dict[str, Any]:
            frame = Frame(dict(init), this_cpu())
            with contextlib.suppress(_Return):
                body(frame)
            return {name: _final(frame.regs[name]) for name in names}

        cpu.__name__ = f"P{self.thread.index}"
        cpu.smp_deterministic = True  # type: ignore[attr-defined]  # (see _rt Step)
        return cpu

    def error(self, message: str, line: int, word: str | None = None) -> LitmusError:
        return self.lines.error(message, line, word)

    def latent(self) -> Iterator[Latent]:
        """Each statement that accesses memory and has constants, with them: where no
        execution runs it, its constants may be values written only through a cycle
        (:attr:`smpcheck.model.model.Model.latent`).  A register-only statement has no
        event to show it ran, and is left out.  A statement is named by its source as
        its events carry it (line and text), not by its line alone: ``if (r0 == 1) {
        *y = 1; }`` on one line has two statements, and the branch running is not the
        store running.  What a call writes without showing it
        (:attr:`.c_macros.Macro.writes`: a lock's 1, ``atomic_sub(1, x)``'s -1 where
        ``x`` starts at 0) is a value of the location it names, or of any location
        where its pointer is computed (then as from 0)."""
        for stmt in _walk(self.thread.body):
            exprs = _own_exprs(stmt)
            if all(_pure(e) for e in exprs) and not (
                    isinstance(stmt, Assign) and isinstance(stmt.target, Deref)):
                continue
            values = {v for e in exprs for v in _constants(e)}
            at: dict[Loc, frozenset[Any]] = {}
            for call in (c for e in exprs for c in _calls(e)):
                macro = self.macros.get(call.func)
                if macro is None or macro.writes is None:
                    continue
                named = self._named_loc(call, macro)
                wrote = _unseen_write(call, macro, 0 if named is None else named[1])
                if wrote is None:
                    continue
                if named is None:
                    values.add(wrote)
                else:
                    at[named[0]] = at.get(named[0], frozenset()) | {wrote}
            if values or at:
                src = self.source(stmt)
                yield (self.thread.index, src.path, src.line, src.text, frozenset(values),
                       tuple(at.items()))

    def _named_loc(self, call: Call, macro: Macro) -> tuple[Loc, Any] | None:
        """The location a call's first pointer argument names (a parameter:
        ``spin_lock(l)``) and its initial value, or None where it is computed."""
        for role, arg in zip(macro.roles, call.args, strict=False):
            if role == "p" and isinstance(arg, Name) and arg.id in self.params \
                    and arg.id not in self.registers:
                obj = self.params[arg.id]._obj
                if obj is None or not isinstance(obj.spec, Field):
                    return None
                return obj.loc(()), obj.spec.init
            if role in "pl":
                return None
        return None

    def source(self, s: Stmt) -> Source:
        """Where a statement is, shown as its line when it is alone on it."""
        text = self.texts.get(id(s))
        if text is None:
            alone = self.per_line.get(s.line, 0) == 1
            text = self.lines.text(s.line) if alone else render_stmt(s)
        return Source(self.lines.path, s.line, text or render_stmt(s))

    # -- statements ------------------------------------------------------------
    def block(self, stmts: tuple[Stmt, ...]) -> Exec:
        steps = [self.stmt(s) for s in stmts]

        def run(frame: Frame) -> None:
            for step in steps:
                step(frame)

        return run

    def stmt(self, s: Stmt) -> Exec:
        if isinstance(s, If | While):
            return self._if(s) if isinstance(s, If) else self._while(s)
        body = self._simple(s)
        src = self.source(s)
        lines = self.lines

        def run(frame: Frame) -> None:
            frame.cpu.source_override = src
            try:
                body(frame)
            except RUNTIME_ERRORS as exc:
                raise lines.error(f"P{frame.cpu.tid}: {exc}", src.line) from None

        return run

    def _simple(self, s: Stmt) -> Exec:
        if isinstance(s, Decl):
            return self._set(s.name, self.expr(s.init) if s.init is not None else None)
        if isinstance(s, Assign):
            return self._assign(s)
        if isinstance(s, ExprStmt):
            ev = self.expr(s.expr, value=False)
            return lambda frame: (ev(frame), None)[1]
        assert isinstance(s, Return)
        value = self.expr(s.value) if s.value is not None else None

        def ret(frame: Frame) -> None:
            if value is not None:
                value(frame)
            raise _Return

        return ret

    def _set(self, name: str, value: Eval | None) -> Exec:
        if value is None:
            def zero(frame: Frame) -> None:
                frame.regs[name] = 0
            return zero

        def assign(frame: Frame) -> None:
            frame.regs[name] = value(frame)

        return assign

    def _assign(self, s: Assign) -> Exec:
        target = s.target
        if isinstance(target, Name):
            if target.id in self.params and target.id not in self.registers:
                raise self.error(f"cannot assign to {target.id}: it is a parameter (the "
                                 f"address of {target.id}); write *{target.id} = ...",
                                 s.line, target.id)
            return self._set(target.id, self.expr(s.value))
        if not isinstance(target, Deref):
            raise self.error("the left side of '=' must be a register or *pointer", s.line)
        address, value = self.expr(target.expr), self.expr(s.value)
        line, what = s.line, f"P{self.thread.index}: {render_expr(target)}"

        def store(frame: Frame) -> None:
            v = value(frame)
            p = pointer(address(frame), what, line, self.lines)
            plain_store(raw(p), v, deps_of(p))

        return store

    def _if(self, s: If) -> Exec:
        cond, then, orelse = self.expr(s.cond), self.block(s.then), self.block(s.orelse)
        src = self.source(s)

        def run(frame: Frame) -> None:
            frame.cpu.source_override = src
            saved = ctrl_save()
            if truth(self._guard(cond, frame, src.line)):
                then(frame)
            else:
                orelse(frame)
            ctrl_restore(saved)

        return run

    def _guard(self, cond: Eval, frame: Frame, line: int) -> Any:
        try:
            return cond(frame)
        except RUNTIME_ERRORS as exc:
            raise self.lines.error(f"P{frame.cpu.tid}: {exc}", line) from None

    def _while(self, s: While) -> Exec:
        cond, body = self.expr(s.cond), self.block(s.body)
        site = (self.lines.path, s.line)
        src = self.source(s)
        spin = not self._carries_state(s)
        changed = sorted(_assigned(s.body))  # (what an iteration may leave changed)

        def run(frame: Frame) -> None:
            frame.cpu.source_override = src
            saved = ctrl_save()
            loop_enter(site)
            while loop_head(site, tuple(frame.regs.get(r) for r in changed)):
                frame.cpu.relaxed = spin or frame.cpu.relaxed
                if not truth(self._guard(cond, frame, s.line)):
                    break
                body(frame)
                frame.cpu.relaxed = spin or frame.cpu.relaxed
                frame.cpu.source_override = src
            ctrl_restore(saved)

        return run

    def _carries_state(self, s: While) -> bool:
        """Whether an iteration computes a register from one the loop assigns, or sets
        one the condition reads without reading memory (``while (r == 1) r = 0;``)."""
        assigned = _assigned(s.body)
        tested = set(_names_in(s.cond))
        for st in _walk(s.body):
            rhs = st.init if isinstance(st, Decl) else st.value if isinstance(st, Assign) \
                else None
            if set(_names_in(rhs)) & assigned:
                return True
            target = st.name if isinstance(st, Decl) else \
                st.target.id if isinstance(st, Assign) and isinstance(st.target, Name) else None
            if target in tested and (rhs is None or _pure(rhs)):
                return True
        return False

    # -- expressions -----------------------------------------------------------
    def expr(self, e: Expr, value: bool = True) -> Eval:
        """A closure computing ``e``; ``value``: its result is used."""
        if isinstance(e, Num):
            n = e.value
            return lambda frame: n
        if isinstance(e, Name):
            return self._name(e)
        if isinstance(e, Deref):
            return self._deref(e)
        if isinstance(e, AddrOf):
            return self._addr_of(e)
        if isinstance(e, Cast):
            return self.expr(e.expr, value)
        if isinstance(e, Unary):
            return self._unary(e)
        if isinstance(e, Binary):
            return self._binary(e)
        if isinstance(e, Ternary):
            return self._ternary(e)
        return self._call(e, value)

    def _name(self, e: Name) -> Eval:
        name = e.id
        if name in self.registers:
            return lambda frame: frame.regs[name]
        if name in self.params:
            ref = self.params[name]
            return lambda frame: ref
        if name in self.memory.refs:
            raise self.error(f"{name} is not a parameter of P{self.thread.index}: add "
                             f"'int *{name}' to its parameters", e.line, name)
        raise self.error(f"undeclared variable or register {name!r} in P{self.thread.index}",
                         e.line, name)

    def _deref(self, e: Deref) -> Eval:
        address, line, lines = self.expr(e.expr), e.line, self.lines
        what = f"P{self.thread.index}: {render_expr(e)}"

        def load(frame: Frame) -> Any:
            p = pointer(address(frame), what, line, lines)
            return member_read(raw(p), deps_of(p))

        return load

    def _addr_of(self, e: AddrOf) -> Eval:
        inner = e.expr
        if isinstance(inner, Deref):
            return self.expr(inner.expr)
        if isinstance(inner, Name) and inner.id not in self.registers \
                and inner.id in self.memory.refs:
            if inner.id not in self.params:
                self._name(inner)  # the same error as a use of it
            ref = self.memory.refs[inner.id]
            return lambda frame: ref
        what = f"register {inner.id}" if isinstance(inner, Name) else "this expression"
        raise self.error(f"cannot take the address of {what}: only of shared variables "
                         "(&x) and of *pointers", e.line)

    def _unary(self, e: Unary) -> Eval:
        operand, fn = self.expr(e.expr), UNARY[e.op]
        return lambda frame: combine(fn, operand(frame))

    def _binary(self, e: Binary) -> Eval:
        left, right = self.expr(e.left), self.expr(e.right)
        if e.op in ("&&", "||") and not _pure(e.right):
            want = e.op == "&&"

            def branch(frame: Frame) -> Any:
                a = left(frame)
                if bool(truth(a)) != want:
                    return int(not want)
                return combine(lambda v: int(bool(v)), right(frame))

            return branch
        fn = BINARY[e.op]

        def apply(frame: Frame) -> Any:
            a = left(frame)
            b = right(frame)
            return combine(fn, a, b)

        return apply

    def _ternary(self, e: Ternary) -> Eval:
        cond, then, orelse = self.expr(e.cond), self.expr(e.then), self.expr(e.orelse)
        if _pure(e.then) and _pure(e.orelse):
            def select(frame: Frame) -> Any:
                c = cond(frame)
                chosen = then(frame) if raw(c) else orelse(frame)
                return combine(lambda _c, v: v, c, chosen)
            return select
        return lambda frame: then(frame) if truth(cond(frame)) else orelse(frame)

    def _call(self, e: Call, value: bool) -> Eval:
        macro = self.macros.get(e.func)
        if macro is None and e.func in HERD_C11:
            raise self.error(f"C11 atomics ({e.func}) are not supported: smpcheck reads the "
                             "kernel's primitives (READ_ONCE, smp_load_acquire, ...)", e.line,
                             e.func)
        if macro is None:
            import difflib  # (an unknown macro only)

            close = difflib.get_close_matches(e.func, list(self.macros), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            origin = getattr(self.macros, "origin", "the macros")
            raise self.error(f"unknown function or macro {e.func!r} (not in {origin})" + hint,
                             e.line, e.func)
        if len(e.args) != len(macro.roles):
            n = len(macro.roles)
            raise self.error(f"{e.func} takes {n} argument{'s' if n != 1 else ''} "
                             f"({describe(macro)}), found {len(e.args)}", e.line, e.func)
        if value and not macro.returns:
            raise self.error(f"{e.func}() gives no value", e.line, e.func)
        args = [self._arg(macro, role, arg, e.line) for role, arg in zip(macro.roles, e.args,
                                                                       strict=True)]
        return self._invoke(macro, args, e.line)

    def _arg(self, macro: Macro, role: str, arg: Expr, line: int) -> Eval:
        if role == "l":
            if not isinstance(arg, Deref):
                shown = arg.id if isinstance(arg, Name) else "x"
                raise self.error(f"{macro.name} takes a location such as *{shown}: write "
                                 f"{describe(macro).replace('*x', '*' + shown)}", line,
                                 macro.name)
            return self._checked_pointer(self.expr(arg.expr), macro.name, line)
        if role == "p":
            if isinstance(arg, Num):
                raise self.error(f"{macro.name} takes a pointer such as x ({describe(macro)}), "
                                 f"found the number {arg.value}", line, macro.name)
            return self._checked_pointer(self.expr(arg), macro.name, line)
        return self.expr(arg)

    def _checked_pointer(self, ev: Eval, name: str, line: int) -> Eval:
        lines, what = self.lines, f"P{self.thread.index}: {name}"
        return lambda frame: pointer(ev(frame), what, line, lines)

    def _invoke(self, macro: Macro, args: list[Eval], line: int) -> Eval:
        fn, name, lines = macro.fn, macro.name, self.lines

        def call(frame: Frame) -> Any:
            values = [a(frame) for a in args]
            try:
                out = fn(*values)
            except RUNTIME_ERRORS as exc:
                raise lines.error(f"P{frame.cpu.tid}: {name}: {exc}", line) from None
            if isinstance(raw(out), bool):
                return Val(int(raw(out)), deps_of(out)) if isinstance(out, Val) else int(out)
            return out

        return call


def _final(v: Any) -> Any:
    """A register's value in the final state: bare, booleans as 0/1."""
    v = raw(v)
    return int(v) if isinstance(v, bool) else v


# ------------------------------------------------------------------ printing


def render_stmt(s: Stmt) -> str:
    """A statement as C (an ``if``/``while`` by its head), for report rows."""
    if isinstance(s, Decl):
        init = f" = {render_expr(s.init)}" if s.init is not None else ""
        star = "" if s.type_text.endswith("*") else " "
        return f"{s.type_text}{star}{s.name}{init};"
    if isinstance(s, Assign):
        return f"{render_expr(s.target)} = {render_expr(s.value)};"
    if isinstance(s, ExprStmt):
        return f"{render_expr(s.expr)};"
    if isinstance(s, Return):
        return "return;" if s.value is None else f"return {render_expr(s.value)};"
    return f"{'if' if isinstance(s, If) else 'while'} ({render_expr(s.cond)})"


def render_expr(e: Expr) -> str:
    """An expression as C, fully parenthesised below the top."""
    if isinstance(e, Num):
        return str(e.value)
    if isinstance(e, Name):
        return e.id
    if isinstance(e, Deref | AddrOf):
        return ("*" if isinstance(e, Deref) else "&") + _sub(e.expr)
    if isinstance(e, Unary):
        return e.op + _sub(e.expr)
    if isinstance(e, Cast):
        return f"({e.type_text}){_sub(e.expr)}"
    if isinstance(e, Binary):
        return f"{_sub(e.left)} {e.op} {_sub(e.right)}"
    if isinstance(e, Ternary):
        return f"{_sub(e.cond)} ? {_sub(e.then)} : {_sub(e.orelse)}"
    return f"{e.func}({', '.join(render_expr(a) for a in e.args)})"


def _sub(e: Expr) -> str:
    text = render_expr(e)
    return f"({text})" if isinstance(e, Binary | Ternary | Cast) else text
