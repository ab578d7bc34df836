"""Compile the instructions of a model into a :class:`Program`.

Includes are resolved while compiling (through a loader callback, each file at
most once, as herd does), ``if variant`` blocks are decided at load time, and
checks become steps that record their outcome in the run-time state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smpcheck.cat import syntax as S
from smpcheck.cat import values as V
from smpcheck.cat.batch import BATCHED
from smpcheck.cat.compiler import (
    PENDING,
    Code,
    Compiler,
    Frame,
    Loader,
    Procedure,
    Scope,
    Step,
    WithStep,
    check_test,
    destructure,
    fixpoint,
    pattern_names,
    skipping,
)
from smpcheck.cat.kinds import REL, SET, Kinds, mistyped
from smpcheck.cat.values import EMPTY, CatTypeError, Value
from smpcheck.errors import UsageError
from smpcheck.records import mutable_record

if TYPE_CHECKING:  # (the runtime the compiled closures read natively)
    from smpcheck.cat.evaluate import Runtime


@mutable_record
class Program:
    """A compiled model: top-level steps and what the model declares."""

    steps: list[Step | WithStep]
    slot_names: list[str]
    globals: dict[str, int]
    base_slots: dict[str, int]
    enums: dict[str, tuple[str, ...]]
    instruction_classes: dict[str, list[str]]
    check_names: list[tuple[str, str]]
    #: the deferred lets' code by slot (:mod:`smpcheck.cat.kinds`: they cannot fail)
    deferred: dict[int, Code]
    kinds: Kinds

    def defers(self, g: list[Value]) -> bool:
        """Whether a run with base values ``g`` may defer lets and skip operands: every
        base name they read is given, of its kind (else all is evaluated, as written,
        so that the run fails where it would)."""
        return bool(self.deferred) and self.kinds.holds(g, self.base_slots)


def capitalise(tag: str) -> str:
    """The name of the event set of a tag: ``'rcu-lock`` -> ``Rcu-lock``."""
    return tag[:1].upper() + tag[1:]


class ProgramCompiler(Compiler):
    """Adds instructions (let, checks, enum, with, procedures...) to Compiler."""

    def compile(self, files: list[S.CatFile]) -> Program:
        steps: list[Step | WithStep] = []
        self.kinds = Kinds(self.variants, self.base_names)
        # node id -> (the node, its static_error): each node judged once
        self._errors: dict[int, tuple[S.Expr, tuple[S.Node, str] | None]] = {}
        for cat in files:
            self.file(cat, steps)
        return Program(steps, self.slot_names, dict(self.globals), dict(self.base_slots),
                       dict(self.enums), self.instruction_classes, self.check_names,
                       self.deferred, self.kinds)

    def file(self, cat: S.CatFile, steps: list[Step | WithStep]) -> None:
        saved = self.path
        self.path = cat.path
        try:
            self.block(cat.body, None, steps)
        finally:
            self.path = saved

    def block(self, body: tuple[S.Instr, ...], scope: Scope | None,
              steps: list[Step | WithStep]) -> None:
        for ins in body:
            method = getattr(self, "i_" + type(ins).__name__)
            method(ins, scope, steps)

    def body_steps(self, body: tuple[S.Instr, ...], scope: Scope) -> list[Step]:
        steps: list[Step | WithStep] = []
        self.block(body, scope, steps)
        out: list[Step] = []
        for st in steps:
            if isinstance(st, WithStep):
                raise UsageError("'with ... from' is only supported at the top level of a model",
                                 self.path, st.line)
            out.append(st)
        return out

    # -- bindings ---------------------------------------------------------------

    def targets(self, names: tuple[str | None, ...], scope: Scope | None) -> list[int]:
        """Fresh storage for newly bound names: global slots or frame indexes."""
        if scope is None:
            out = []
            for name in names:
                slot = self.new_slot(name or "_")
                if name is not None:
                    self.globals[name] = slot
                out.append(slot)
            return out
        return [scope.add(name) for name in names]

    @staticmethod
    def storer(scope: Scope | None) -> Any:
        if scope is None:
            return lambda rt, f: rt.g
        return lambda rt, f: f.vals

    def i_Let(self, ins: S.Let, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        if ins.rec:
            self.let_rec(ins, scope, steps)
            return
        codes = self.bindings(ins.bindings, scope)
        first = ins.bindings[0]
        top = scope is None and len(codes) == 1
        seen = dict(self.globals) if top and isinstance(first.expr, S.Fun) else None
        judged = self.judge(first) if top else None
        slots = [self.targets(pattern_names(b.pattern), scope) for b in ins.bindings]
        store = self.storer(scope)
        where = self.located(ins)
        if len(codes) == 1 and not isinstance(codes[0][0], tuple):
            code, slot = codes[0][1], slots[0][0]
            if seen is not None:  # (a function: its calls are judged with its body)
                self.kinds.funs[slot] = (first.expr, seen)  # type: ignore[assignment]
            if judged is not None:
                steps.append(self.learn(judged, slot, code))
                return

            def simple(rt: Runtime, f: Frame) -> None:
                store(rt, f)[slot] = code(rt, f)

            steps.append(simple)
            return

        def step(rt: Runtime, f: Frame) -> None:
            out = store(rt, f)
            try:
                vals = [destructure(p, c(rt, f)) for p, c in codes]
            except CatTypeError as e:
                raise where(e) from None
            for group, vs in zip(slots, vals, strict=True):
                for slot, v in zip(group, vs, strict=True):
                    out[slot] = v
        steps.append(step)

    def judge(self, b: S.Binding) -> tuple[Any, bool, set[str]] | None:
        """A top-level binding's kind, whether it cannot fail, the base names it reads
        (judged before its name is bound); None for a function."""
        if isinstance(b.expr, S.Fun) or isinstance(b.pattern, tuple):
            return None
        return self.kinds.judge(b.expr, self.globals)

    def learn(self, judged: tuple[Any, bool, set[str]], slot: int, code: Code) -> Step:
        """The step of a top-level let of one name: deferred when it cannot fail (the
        slot marked PENDING, computed where first read: Compiler.var)."""
        kind, safe, bases = judged
        if kind is not None:
            self.kinds.slots[slot] = kind
        if not safe:
            def top(rt: Runtime, f: Frame) -> None:
                rt.g[slot] = code(rt, f)
            return top
        self.kinds.bases.update(bases)
        self.deferred[slot] = code

        def mark(rt: Runtime, f: Frame) -> None:
            rt.g[slot] = PENDING if rt.defer else code(rt, f)
        return mark

    def x_Binary(self, node: S.Binary, scope: Scope | None) -> Code:
        """``a & b`` and ``a \\ b`` skip the operands after an empty one when they cannot
        fail (as deferred lets: only in a run that defers)."""
        if node.op not in ("&", "\\") or not all(self.cannot_fail(a, scope)
                                                 for a in node.args[1:]):
            return super().x_Binary(node, scope)
        op = V.inter if node.op == "&" else V.diff
        return skipping(op, [self.expr(e, scope) for e in node.args], self.located(node))

    def expr(self, node: S.Expr, scope: Scope | None) -> Code:
        """An expression's code; one with an operator given operands of kinds it does not
        take (smpcheck.cat.kinds.mistyped), itself or in an operand, fails whenever it
        is evaluated, as herd7's does: though an operand be empty, and though a
        sequence stop at an empty part (herd7 evaluates every part)."""
        if isinstance(node, (S.Unary, S.Binary, S.App)):
            found = self.static_error(node, scope)
            if found is not None:
                where = self.located(found[0])
                why = found[1]

                def fail(rt: Runtime, f: Frame) -> Value:
                    raise where(CatTypeError(why))
                return fail
        return super().expr(node, scope)

    def static_error(self, node: S.Expr, scope: Scope | None) -> tuple[S.Node, str] | None:
        """The first node of ``node``'s operators (not inside a function, a ``try`` or a
        branch) whose operands are of the wrong kinds, and why."""
        hit = self._errors.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        found: tuple[S.Node, str] | None = None
        parts: tuple[S.Expr, ...] = ()
        if isinstance(node, S.Unary):
            parts = (node.arg,)
        elif isinstance(node, S.Binary):
            parts = node.args
        elif isinstance(node, S.App):
            parts = (node.fn, node.arg)
        for part in parts:
            found = found or self.static_error(part, scope)
        if found is None and parts:
            why = self.mistyped(node, scope)  # type: ignore[arg-type]
            found = (node, why) if why is not None else None
        self._errors[id(node)] = (node, found)
        return found

    def mistyped(self, node: S.Unary | S.Binary | S.App, scope: Scope | None) -> str | None:
        if not isinstance(node, S.App) and any(
                self.is_function(a, scope) for a in _operands(node)):
            return "a function is not an event set nor a relation"
        if isinstance(node, S.App):
            kind = self.kind_of(node.fn, scope)
            return f"{'an event set' if kind == SET else 'a relation'} is not a function" \
                if kind in (SET, REL) else None
        if isinstance(node, S.Unary):
            return mistyped(node.op, [self.kind_of(node.arg, scope)])
        if node.op != ";":
            return mistyped(node.op, [self.kind_of(a, scope) for a in node.args])
        ids = [a for a in node.args if isinstance(a, S.Unary) and a.op == "toid"]
        rest = [a for a in node.args if not (isinstance(a, S.Unary) and a.op == "toid")]
        return mistyped(";", [self.kind_of(a, scope) for a in rest],
                        [self.kind_of(a.arg, scope) for a in ids])

    def x_Unary(self, node: S.Unary, scope: Scope | None) -> Code:
        """``~a`` where ``a`` is empty and of a kind the syntax tells (smpcheck.cat.kinds):
        every event, or every pair of events.  An empty value carries no kind here (herd7's
        do: ``~(po-loc \\ barrier)`` on a test with no two accesses of a location is every
        pair); where the kind is not known, ``~`` of an empty value stays an error."""
        kind = self.kind_of(node.arg, scope) if node.op == "comp" else None
        if kind not in (SET, REL):
            return super().x_Unary(node, scope)
        arg = self.expr(node.arg, scope)
        where = self.located(node)
        rel = kind == REL

        def code(rt: Runtime, f: Frame) -> Value:
            v = arg(rt, f)
            n = rt.n
            if v is EMPTY:
                return V.complement(V.as_rel(v, n), n) if rel else (1 << n) - 1
            try:
                return V.complement(v, n)
            except CatTypeError as e:
                raise where(e) from None
        return code

    def is_function(self, node: S.Expr, scope: Scope | None) -> bool:
        """Whether ``node`` names a top-level function (``let f x = ...``)."""
        if not isinstance(node, S.Var) or node.name in self.locals(scope):
            return False
        slot = self.globals.get(node.name)
        return slot is not None and slot in self.kinds.funs

    def kind_of(self, node: S.Expr, scope: Scope | None) -> str | None:
        """The kind of ``node``'s value (compiled in ``scope``), if the syntax tells."""
        return self.kinds.judge(node, self.globals, self.locals(scope))[0]

    @staticmethod
    def locals(scope: Scope | None) -> dict[str, Any]:
        """The local names in sight in ``scope``, of no known kind."""
        local: dict[str, Any] = {}
        s = scope
        while s is not None:
            local.update(dict.fromkeys(s.names))
            s = s.parent
        return local

    def cannot_fail(self, node: S.Expr, scope: Scope | None) -> bool:
        """Whether ``node`` (compiled in ``scope``) cannot fail (smpcheck.cat.kinds)."""
        _, safe, bases = self.kinds.judge(node, self.globals, self.locals(scope))
        if safe:
            self.kinds.bases.update(bases)
        return safe

    def let_rec(self, ins: S.Let, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        for b in ins.bindings:
            if isinstance(b.pattern, tuple):
                raise self.error("let rec binds names, not tuples", b)
        slots = [self.targets((b.pattern,), scope)[0] for b in ins.bindings]  # type: ignore[arg-type]
        if scope is None:
            self.kinds.learn_recursive(slots, [b.expr for b in ins.bindings], self.globals)
        codes = [self.expr(b.expr, scope) for b in ins.bindings]
        funs = [isinstance(b.expr, S.Fun) for b in ins.bindings]
        store = self.storer(scope)
        where = self.located(ins)

        def step(rt: Runtime, f: Frame) -> None:
            out = store(rt, f)
            for slot in slots:
                out[slot] = EMPTY
            fixpoint(rt, f, out, slots, codes, funs, where)
        steps.append(step)

    # -- checks -----------------------------------------------------------------

    def i_Check(self, ins: S.Check, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        code = self.expr(ins.expr, scope)
        name = ins.name or f"{ins.test} {ins.text}"
        self.check_names.append((ins.mode, name))
        test, negated, mode = ins.test, ins.negated, ins.mode
        where = self.located(ins)

        def step(rt: Runtime, f: Frame) -> None:
            v = code(rt, f)
            try:
                ok = check_test(test, v)
            except CatTypeError as e:
                raise where(e) from None
            if type(v) in BATCHED:  # (a batch's mask)
                rt.record(mode, name, ok, negated, v)
            else:  # (a bool, told apart from a mask by its type: compiled, True comes as 1;
                # two calls, as one with ``ok if ... else bool(ok)`` is typed int there)
                rt.record(mode, name, bool(ok), negated, v)
        steps.append(step)

    # -- declarations -------------------------------------------------------------

    def i_Enum(self, ins: S.Enum, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        if scope is not None:
            raise self.error("enum is only allowed at the top level", ins)
        self.tags.update(ins.tags)
        self.enums[ins.name] = ins.tags
        tagset = frozenset(V.Tag(t) for t in ins.tags)
        enum_slot = self.targets((ins.name,), None)[0]
        pairs = [(t, self.targets((capitalise(t),), None)[0]) for t in ins.tags]
        self.kinds.slots.update((slot, SET) for _, slot in pairs)  # (event sets)
        self.kinds.tag_sets.update(slot for _, slot in pairs)

        def step(rt: Runtime, f: Frame) -> None:
            g = rt.g
            g[enum_slot] = tagset
            for tag, slot in pairs:
                g[slot] = rt.exe.tag_set(tag)
        steps.append(step)

    def i_Instructions(self, ins: S.Instructions, scope: Scope | None,
                       steps: list[Step | WithStep]) -> None:
        names = [a.name for a in ins.args if isinstance(a, S.Var)]
        self.instruction_classes.setdefault(ins.cls, []).extend(names)

    def i_Show(self, ins: S.Show, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        """show/unshow only choose what pictures display."""

    def i_Debug(self, ins: S.Debug, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        """debug prints in herd; nothing here."""

    def i_Include(self, ins: S.Include, scope: Scope | None,
                  steps: list[Step | WithStep]) -> None:
        if scope is not None:
            raise self.error("include is only allowed at the top level", ins)
        cat = self.loader(ins.filename, self.path, ins.line, ins.col)
        if cat is not None:
            self.file(cat, steps)

    def i_IfVariant(self, ins: S.IfVariant, scope: Scope | None,
                    steps: list[Step | WithStep]) -> None:
        self.block(ins.then if ins.variant in self.variants else ins.other, scope, steps)

    # -- with, procedures, forall -------------------------------------------------

    def i_WithFrom(self, ins: S.WithFrom, scope: Scope | None,
                   steps: list[Step | WithStep]) -> None:
        code = self.expr(ins.expr, scope)
        if scope is not None:
            raise self.error("'with ... from' is only supported at the top level", ins)
        slot = self.targets((ins.var,), None)[0]
        steps.append(WithStep(ins.var, code, slot, ins.line))

    def i_Procedure(self, ins: S.Procedure, scope: Scope | None,
                    steps: list[Step | WithStep]) -> None:
        if scope is not None:
            raise self.error("procedures are only allowed at the top level", ins)
        inner = Scope(None)
        for name in pattern_names(ins.param):
            inner.add(name)
        slot = self.targets((ins.name,), None)[0]
        proc = Procedure(ins.param, self.body_steps(ins.body, inner), inner, ins.name)

        def step(rt: Runtime, f: Frame) -> None:
            rt.g[slot] = proc
        steps.append(step)

    def i_Call(self, ins: S.Call, scope: Scope | None, steps: list[Step | WithStep]) -> None:
        fn = self.var(S.Var(ins.line, ins.col, ins.name), scope)
        arg = self.expr(ins.arg, scope)
        where = self.located(ins)

        def step(rt: Runtime, f: Frame) -> None:
            proc = fn(rt, f)
            if type(proc) is not Procedure:
                raise where(CatTypeError(f"{ins.name} is not a procedure"))
            try:
                vals = destructure(proc.param, arg(rt, f))
            except CatTypeError as e:
                raise where(e) from None
            frame = Frame(vals + [None] * (proc.scope.size - len(vals)))
            run_steps(proc.steps, rt, frame)
        steps.append(step)

    def i_Forall(self, ins: S.Forall, scope: Scope | None,
                 steps: list[Step | WithStep]) -> None:
        code = self.expr(ins.expr, scope)
        inner = Scope(scope)
        inner.add(ins.var)
        body = self.body_steps(ins.body, inner)
        where = self.located(ins)

        def step(rt: Runtime, f: Frame) -> None:
            try:
                elems = V.elements(code(rt, f), rt.n)
            except CatTypeError as e:
                raise where(e) from None
            for elem in elems:
                frame = Frame([elem] + [None] * (inner.size - 1), f)
                run_steps(body, rt, frame)
        steps.append(step)


def run_steps(steps: list[Step], rt: Runtime, frame: Frame) -> None:
    """Run body steps (no ``with``) until done or stopped."""
    for st in steps:
        st(rt, frame)
        if rt.stopped:
            return


def compile_program(files: list[S.CatFile], loader: Loader, variants: frozenset[str],
                    base_names: frozenset[str]) -> Program:
    """Compile parsed files (stdlib first, then bell, then the model) into a Program."""
    return ProgramCompiler(loader, variants, base_names).compile(files)


__all__ = ["PENDING", "Program", "compile_program", "capitalise", "run_steps", "Code", "Value"]


def _operands(node: S.Unary | S.Binary) -> tuple[S.Expr, ...]:
    """What an operator takes (an identity's set, in a sequence)."""
    parts = (node.arg,) if isinstance(node, S.Unary) else node.args
    return tuple(a.arg if isinstance(a, S.Unary) and a.op == "toid" else a for a in parts)
