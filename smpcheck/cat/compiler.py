"""Compile cat syntax into Python closures over a slot array.

Names are resolved once, at load time: each top-level binding gets a fresh
slot of the global array (a later ``let fence = fence | ...`` gets a new
slot, so functions defined earlier keep seeing the value they closed over);
local names (function parameters, ``let ... in``) live in frames reached by
a fixed (depth, index).  A name that is neither bound, nor a base name of the
execution, nor a built-in is reported here as ``undefined name X`` at its
line -- that is how a recursive ``let`` without ``rec`` is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from smpcheck.cat import batch as B
from smpcheck.cat import syntax as S
from smpcheck.cat import values as V
from smpcheck.cat.stdlib import BUILTINS
from smpcheck.cat.values import EMPTY, CatTypeError, Value
from smpcheck.errors import UsageError
from smpcheck.graph.relation import Rel, find_cycle

if TYPE_CHECKING:  # (the runtime the compiled closures read natively)
    from smpcheck.cat.evaluate import Runtime

Code = Callable[["Runtime", "Frame"], Value]
Step = Callable[["Runtime", "Frame"], None]
Loader = Callable[[str, str, int, int], "S.CatFile | None"]


class Frame:
    """Values of one local scope at run time; ``up`` is the enclosing frame."""

    __slots__ = ("vals", "up")

    def __init__(self, vals: list[Value], up: Frame | None = None) -> None:
        self.vals = vals
        self.up: Frame = self if up is None else up


ROOT = Frame([])


class _Pending:
    __slots__ = ()

    def __repr__(self) -> str:
        return "PENDING"


#: The value of a deferred let (smpcheck.cat.program) not read yet in a run.
PENDING: Any = _Pending()


def deferred_read(slot: int, code: Code) -> Code:
    """The reader of a deferred let's global slot: its ``code`` runs on the first read."""
    def read(rt: Runtime, f: Frame) -> Value:
        g = rt.g
        v = g[slot]
        if v is PENDING:
            v = g[slot] = code(rt, ROOT)
        return v
    return read


def skipping(op: Callable[[Value, Value, int], Value], codes: list[Code],
             where: Callable[[CatTypeError], UsageError]) -> Code:
    """``a & b ...`` or ``a \\ b ...`` (``op``) that stops at an empty value, in a run
    that defers (the operands after the first cannot fail: skipping them hides nothing)."""
    first, rest = codes[0], codes[1:]

    def code(rt: Runtime, f: Frame) -> Value:
        acc = first(rt, f)
        n = rt.n
        try:
            for c in rest:
                if acc is EMPTY and rt.defer:
                    return EMPTY
                acc = op(acc, c(rt, f), n)
        except CatTypeError as e:
            raise where(e) from None
        return acc
    return code


class Scope:
    """Compile-time names of one local scope (name -> index in its frame)."""

    __slots__ = ("names", "parent", "size")

    def __init__(self, parent: Scope | None) -> None:
        self.names: dict[str, int] = {}
        self.parent = parent
        self.size = 0

    def add(self, name: str | None) -> int:
        idx = self.size
        self.size += 1
        if name is not None:
            self.names[name] = idx
        return idx


class Closure:
    """A function defined in cat, with the frame it closed over."""

    __slots__ = ("param", "body", "frame", "name")

    def __init__(self, param: S.Pattern, body: Code, frame: Frame, name: str) -> None:
        self.param = param
        self.body = body
        self.frame = frame
        self.name = name


class Procedure:
    """A cat procedure: instructions run by ``call``."""

    __slots__ = ("param", "steps", "scope", "name")

    def __init__(self, param: S.Pattern, steps: list[Step], scope: Scope, name: str) -> None:
        self.param = param
        self.steps = steps
        self.scope = scope
        self.name = name


class WithStep:
    """``with var from expr``: the runner forks the rest of the model per element."""

    __slots__ = ("var", "code", "slot", "line")

    def __init__(self, var: str, code: Code, slot: int, line: int) -> None:
        self.var = var
        self.code = code
        self.slot = slot
        self.line = line


def pattern_names(p: S.Pattern) -> tuple[str | None, ...]:
    """The names a pattern binds, in order (None for ``_``)."""
    return p if isinstance(p, tuple) else (p,)


def destructure(p: S.Pattern, v: Value) -> list[Value]:
    """The values a pattern binds when matched against ``v``."""
    if not isinstance(p, tuple):
        return [v]
    if type(v) is V.Pair and len(p) == 2:
        return [V.Event(v.src), V.Event(v.dst)]
    if type(v) is not tuple or len(v) != len(p):
        raise CatTypeError(f"expected a tuple of {len(p)} values, got {V.a_kind(v)}")
    return list(v)


def apply(rt: Runtime, fn: Value, arg: Value) -> Value:
    """Call a cat function value on ``arg``."""
    t = type(fn)
    if t is Closure:
        return fn.body(rt, Frame(destructure(fn.param, arg), fn.frame))
    if t is V.Builtin:
        if len(fn.bound) + 1 < fn.arity:
            return V.Builtin(fn.name, fn.fn, fn.arity, fn.bound + (arg,))
        return fn.fn(rt, *fn.bound, arg)
    raise CatTypeError(f"{V.a_kind(fn)} is not a function")


def _test(test: str, v: Value) -> bool | int:
    """Whether ``test`` holds of ``v``; for a batched ``v``, the mask of the executions
    where it holds."""
    if type(v) in B.BATCHED:
        return _test_batched(test, v)
    if test == "empty":
        return V.is_empty(v)
    if v is EMPTY:
        return True
    if type(v) is not Rel:
        raise CatTypeError(f"{test} needs a relation, got {V.a_kind(v)}")
    if test == "acyclic":
        return find_cycle(v) is None
    return not any(r >> i & 1 for i, r in enumerate(v.rows))


def _test_batched(test: str, v: Value) -> int:
    if test == "empty":
        return int(v.all & ~B.nonempty(v))
    if type(v) is not B.BRel:
        raise CatTypeError(f"{test} needs a relation, got {V.a_kind(v)}")
    if test == "acyclic":
        return int(v.all & ~B.cyclic(v, len(v.rows)))
    return int(v.all & ~B.reflexive(v))


@mypyc_attr(allow_interpreted_subclasses=True)  # (compiled by mypyc: ProgramCompiler's base)
class Compiler:
    """Turns the instructions of a model (with its includes) into steps."""

    def __init__(self, loader: Loader, variants: frozenset[str],
                 base_names: frozenset[str]) -> None:
        self.loader = loader
        self.variants = variants
        self.base_names = base_names
        self.globals: dict[str, int] = {}
        self.slot_names: list[str] = []
        self.base_slots: dict[str, int] = {}
        self.tags: set[str] = set()
        self.enums: dict[str, tuple[str, ...]] = {}
        self.instruction_classes: dict[str, list[str]] = {}
        self.check_names: list[tuple[str, str]] = []
        self.path = "<model>"
        self.in_try = 0
        self.in_fun = 0  # function bodies being compiled (their names looked up when called)
        self.defining: set[str] = set()  # names of the non-recursive let being compiled
        self.deferred: dict[int, Code] = {}  # global slot -> code of a deferred let

    # -- helpers ------------------------------------------------------------

    def error(self, message: str, node: S.Node) -> UsageError:
        return UsageError(message, self.path, node.line, node.col)

    def new_slot(self, name: str) -> int:
        self.slot_names.append(name)
        return len(self.slot_names) - 1

    def located(self, node: S.Node) -> Callable[[CatTypeError], UsageError]:
        path, line, col = self.path, node.line, node.col
        return lambda e: UsageError(str(e), path, line, col)

    # -- names ----------------------------------------------------------------

    def var(self, node: S.Var, scope: Scope | None) -> Code:
        name = node.name
        depth = 0
        s = scope
        while s is not None:
            idx = s.names.get(name)
            if idx is not None:
                return _local(depth, idx)
            s = s.parent
            depth += 1
        slot = self.globals.get(name)
        if slot is not None:
            code = self.deferred.get(slot)
            if code is not None:
                return deferred_read(slot, code)
            return lambda rt, f: rt.g[slot]
        if name in self.base_names:
            return self.base(name, node)
        if name in BUILTINS:
            value = BUILTINS[name]
            return lambda rt, f: value
        if self.in_try:
            message = f"undefined name {name}"
            return _raiser(message)
        if name in self.defining:
            raise self.error(f"undefined name {name}: a let that uses the name it defines "
                             f"needs 'let rec {name} = ...'", node)
        if self.in_fun:  # (herd7 reports it only if the function is called)
            return _raiser(f"undefined name {name}", self.located(node))
        raise self.error(f"undefined name {name}", node)

    def bindings(self, bindings: Any, scope: Scope | None) -> list[tuple[Any, Code]]:
        """The (pattern, code) of a non-recursive let's bindings."""
        outer = self.defining
        self.defining = outer | {n for b in bindings for n in pattern_names(b.pattern) if n}
        try:
            return [(b.pattern, self.expr(b.expr, scope)) for b in bindings]
        finally:
            self.defining = outer

    def base(self, name: str, node: S.Node) -> Code:
        slot = self.base_slots.get(name)
        if slot is None:
            slot = self.base_slots[name] = self.new_slot(name)
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            v = rt.g[slot]
            if v is None:
                raise where(CatTypeError(f"the execution does not give {name!r} "
                                         "(see smpcheck.cat for the names to supply)"))
            return v
        return code

    # -- expressions ----------------------------------------------------------

    def expr(self, node: S.Expr, scope: Scope | None) -> Code:
        method = getattr(self, "x_" + type(node).__name__)
        code: Code = method(node, scope)
        return code

    def x_Var(self, node: S.Var, scope: Scope | None) -> Code:
        return self.var(node, scope)

    def x_TagLit(self, node: S.TagLit, scope: Scope | None) -> Code:
        if node.name not in self.tags:
            raise self.error(f"undefined tag '{node.name} (declare it with enum)", node)
        tag = V.Tag(node.name)
        return lambda rt, f: tag

    def x_EmptyLit(self, node: S.EmptyLit, scope: Scope | None) -> Code:
        return lambda rt, f: EMPTY

    def x_Universe(self, node: S.Universe, scope: Scope | None) -> Code:
        return lambda rt, f: rt.full

    def x_TupleExpr(self, node: S.TupleExpr, scope: Scope | None) -> Code:
        codes = [self.expr(e, scope) for e in node.items]
        return lambda rt, f: tuple([c(rt, f) for c in codes])

    def x_SetExpr(self, node: S.SetExpr, scope: Scope | None) -> Code:
        codes = [self.expr(e, scope) for e in node.items]
        return lambda rt, f: V.from_elements([c(rt, f) for c in codes], rt.n)

    def x_Unary(self, node: S.Unary, scope: Scope | None) -> Code:
        op = _UNARY[node.op]
        arg = self.expr(node.arg, scope)
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            v = arg(rt, f)
            try:
                return op(v, rt.n)
            except CatTypeError as e:
                raise where(e) from None
        return code

    def x_Binary(self, node: S.Binary, scope: Scope | None) -> Code:
        if node.op == ";":
            return self.sequence(node, scope)
        op = _BINARY[node.op]
        codes = [self.expr(e, scope) for e in node.args]
        first, rest = codes[0], codes[1:]
        where = self.located(node)
        if len(rest) == 1:  # (most: the same steps as the loop below)
            second = rest[0]

            def pair(rt: Runtime, f: Frame) -> Value:
                a = first(rt, f)
                try:
                    return op(a, second(rt, f), rt.n)
                except CatTypeError as e:
                    raise where(e) from None
            return pair

        def code(rt: Runtime, f: Frame) -> Value:
            acc = first(rt, f)
            n = rt.n
            try:
                for c in rest:
                    acc = op(acc, c(rt, f), n)
            except CatTypeError as e:
                raise where(e) from None
            return acc
        return code

    def sequence(self, node: S.Binary, scope: Scope | None) -> Code:
        """``a ; [S] ; b``: identities become domain/range restrictions."""
        parts = [(isinstance(a, S.Unary) and a.op == "toid",
                  self.expr(a.arg if isinstance(a, S.Unary) and a.op == "toid" else a, scope))
                 for a in node.args]
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            n = rt.n
            dom = -1
            acc: Any = None  # (Any: compiled, a declared Rel | None is checked, and EMPTY comes)
            try:
                for k, (is_id, c) in enumerate(parts):
                    v = c(rt, f)
                    if v is EMPTY:
                        return EMPTY
                    if type(v) in B.BATCHED:
                        return _sequence_rest(rt, f, parts, k, v, dom, acc)
                    acc, dom, empty = _sequence_step(acc, dom, is_id, v, n)
                    if empty:
                        return EMPTY
            except CatTypeError as e:
                raise where(e) from None
            if acc is None:
                return V.toid(dom & rt.full, n)
            return acc
        return code

    def x_App(self, node: S.App, scope: Scope | None) -> Code:
        fn = self.expr(node.fn, scope)
        arg = self.expr(node.arg, scope)
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            fv = fn(rt, f)
            av = arg(rt, f)
            try:
                return apply(rt, fv, av)
            except CatTypeError as e:
                raise where(e) from None
        return code

    def x_Fun(self, node: S.Fun, scope: Scope | None) -> Code:
        inner = Scope(scope)
        for name in pattern_names(node.param):
            inner.add(name)
        self.in_fun += 1
        try:
            body = self.expr(node.body, inner)
        finally:
            self.in_fun -= 1
        param, name = node.param, node.name
        return lambda rt, f: Closure(param, body, f, name)

    def x_LetIn(self, node: S.LetIn, scope: Scope | None) -> Code:
        inner = Scope(scope)
        if node.rec:
            return self.let_rec_in(node, inner)
        codes = self.bindings(node.bindings, scope)
        for b in node.bindings:
            for name in pattern_names(b.pattern):
                inner.add(name)
        body = self.expr(node.body, inner)
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            vals: list[Value] = []
            try:
                for pattern, c in codes:
                    vals.extend(destructure(pattern, c(rt, f)))
            except CatTypeError as e:
                raise where(e) from None
            return body(rt, Frame(vals, f))
        return code

    def let_rec_in(self, node: S.LetIn, inner: Scope) -> Code:
        for b in node.bindings:
            if isinstance(b.pattern, tuple):
                raise self.error("let rec binds names, not tuples", b)
            inner.add(b.pattern)
        codes = [self.expr(b.expr, inner) for b in node.bindings]
        funs = [isinstance(b.expr, S.Fun) for b in node.bindings]
        body = self.expr(node.body, inner)
        size = inner.size
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            frame = Frame([EMPTY] * size, f)
            fixpoint(rt, frame, frame.vals, list(range(size)), codes, funs, where)
            return body(rt, frame)
        return code

    def x_TagMatch(self, node: S.TagMatch, scope: Scope | None) -> Code:
        subject = self.expr(node.subject, scope)
        for tag, _ in node.clauses:
            if tag not in self.tags:
                raise self.error(f"undefined tag '{tag}", node)
        table = {tag: self.expr(e, scope) for tag, e in reversed(node.clauses)}
        default = self.expr(node.default, scope) if node.default is not None else None
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            v = subject(rt, f)
            if type(v) is not V.Tag:
                raise where(CatTypeError(f"match on tags got {V.a_kind(v)}"))
            branch = table.get(v.name, default)
            if branch is None:
                raise where(CatTypeError(f"no clause matches tag '{v.name}"))
            return branch(rt, f)
        return code

    def x_SetMatch(self, node: S.SetMatch, scope: Scope | None) -> Code:
        subject = self.expr(node.subject, scope)
        if_empty = self.expr(node.if_empty, scope)
        inner = Scope(scope)
        inner.add(node.elem)
        inner.add(node.rest)
        if_nonempty = self.expr(node.if_nonempty, inner)
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            v = subject(rt, f)
            try:
                if V.is_empty(v):
                    return if_empty(rt, f)
                first, rest = _split(v, rt.n)
            except CatTypeError as e:
                raise where(e) from None
            return if_nonempty(rt, Frame([first, rest], f))
        return code

    def x_Try(self, node: S.Try, scope: Scope | None) -> Code:
        self.in_try += 1
        try:
            inner = self.expr(node.expr, scope)
        finally:
            self.in_try -= 1
        fallback = self.expr(node.fallback, scope)

        def code(rt: Runtime, f: Frame) -> Value:
            try:
                return inner(rt, f)
            except (UsageError, CatTypeError):
                return fallback(rt, f)
        return code

    def x_IfExpr(self, node: S.IfExpr, scope: Scope | None) -> Code:
        if node.kind == "variant":
            return self.expr(node.then if node.variant in self.variants else node.other, scope)
        assert node.left is not None and node.right is not None
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        then, other = self.expr(node.then, scope), self.expr(node.other, scope)
        cond = _CONDITIONS[node.kind]
        where = self.located(node)

        def code(rt: Runtime, f: Frame) -> Value:
            try:
                ok = cond(left(rt, f), right(rt, f), rt.n)
            except CatTypeError as e:
                raise where(e) from None
            return then(rt, f) if ok else other(rt, f)
        return code


def _sequence_step(acc: Any, dom: int, is_id: bool, v: Value, n: int
                   ) -> tuple[Any, int, bool]:
    """One part ``v`` of ``a ; [S] ; b`` after ``acc`` (None while only identities came,
    their domain ``dom``): the new ``acc`` and ``dom``, and whether the sequence is
    now empty."""
    if is_id:
        m = V.as_set(v)
        if acc is None:
            return None, dom & m, False
        rel = acc.restrict(None, m)  # (Rel's: compiled in the core)
    elif acc is None:
        rel = V.as_rel(v, n)
        if dom != -1:
            rel = rel.restrict(dom, None)
    else:
        nxt = V.seq(acc, v, n)
        return nxt, dom, nxt is EMPTY
    if not any(rel.rows):
        return acc, dom, True
    return rel, dom, False


def _sequence_rest(rt: Runtime, f: Frame, parts: list[tuple[bool, Code]], k: int, v: Value,
                   dom: int, acc: Value) -> Value:
    """The rest of ``a ; [S] ; b`` from part ``k`` (whose value ``v`` is batched, or None
    to evaluate it) once a batched value is met: the same steps through the generic
    operators.  ``dom`` is the pending domain restriction (-1: none), ``acc`` the chain
    so far (None: no relation yet)."""
    n = rt.n
    pending: Value = None if dom == -1 else dom
    for is_id, c in parts[k:]:
        if v is None:
            v = c(rt, f)
        if v is EMPTY:
            return EMPTY
        if is_id:
            if acc is None:
                pending = v if pending is None else V.inter(pending, v, n)
            else:
                acc = V.restrict(acc, None, v, n)
        elif acc is None:
            acc = v if pending is None else V.restrict(v, pending, None, n)
        else:
            acc = V.seq(acc, v, n)
        if acc is EMPTY:
            return EMPTY
        v = None
    if acc is None:
        return V.toid(V.inter(pending, rt.full, n), n)
    return acc


def _local(depth: int, idx: int) -> Code:
    if depth == 0:
        return lambda rt, f: f.vals[idx]
    if depth == 1:
        return lambda rt, f: f.up.vals[idx]

    def code(rt: Runtime, f: Frame) -> Value:
        for _ in range(depth):
            f = f.up
        return f.vals[idx]
    return code


def _raiser(message: str, where: Callable[[CatTypeError], UsageError] | None = None
            ) -> Code:
    """Code that fails with ``message`` (located by ``where``: not caught by a try)."""
    def code(rt: Runtime, f: Frame) -> Value:
        if where is not None:
            raise where(CatTypeError(message))
        raise CatTypeError(message)
    return code


def _split(v: Value, n: int) -> tuple[Value, Value]:
    """One element of a non-empty set and the rest of it."""
    t = type(v)
    if t is int:
        low = v & -v
        return V.Event(low.bit_length() - 1), v ^ low
    if t is Rel:
        i = next(i for i, r in enumerate(v.rows) if r)
        low = v.rows[i] & -v.rows[i]
        rows = list(v.rows)
        rows[i] ^= low
        return V.Pair(i, low.bit_length() - 1), V.mk_rel(n, tuple(rows))
    if t is frozenset:
        first = min(v, key=V.order_key)
        return first, v - {first}
    raise CatTypeError(f"match on sets got {V.a_kind(v)}")


def fixpoint(rt: Runtime, frame: Frame, store: list[Value], slots: Sequence[int],
             codes: Sequence[Code], funs: Sequence[bool],
             where: Callable[[CatTypeError], UsageError]) -> None:
    """The fixpoint of ``let rec``: functions are bound once, the other bindings
    start empty and are re-evaluated in order, each seeing the values just
    computed before it, until none changes.  The order matters where a binding is
    not monotone (the bell file's ``unmatched = ... \\ domain(matched)``):
    evaluating them all from the previous round's values would let ``matched``
    take a pair that the same round's ``unmatched-po`` rules out."""
    for slot, code, is_fun in zip(slots, codes, funs, strict=True):
        if is_fun:
            store[slot] = code(rt, frame)
    todo = [(slot, code) for slot, code, is_fun in zip(slots, codes, funs, strict=True)
            if not is_fun]
    for _ in range(100_000):
        changed = False
        for slot, code in todo:
            v = code(rt, frame)
            if not V.same(store[slot], v):
                changed = True
            store[slot] = v
        if not changed:
            return
    raise where(CatTypeError("let rec does not reach a fixpoint"))


def _cond_in(a: Value, b: Value, n: int) -> bool:
    if type(b) is frozenset:
        return a in b
    if type(a) is V.Event:
        return bool(V.as_set(b) >> a.index & 1)
    if type(a) is V.Pair:
        return V.as_rel(b, n).has(a.src, a.dst)
    raise CatTypeError(f"'in' needs an element and a set, got {V.a_kind(a)}")


def _cond_subset(a: Value, b: Value, n: int) -> bool:
    return V.is_empty(V.diff(a, b, n))


_UNARY: dict[str, Callable[[Value, int], Value]] = {
    "star": V.star, "plus": V.plus, "opt": V.opt, "inv": V.inverse,
    "comp": V.complement, "toid": V.toid,
}
_BINARY: dict[str, Callable[[Value, Value, int], Value]] = {
    "|": V.union, "&": V.inter, "\\": V.diff, "++": V.add, "*": V.product,
}
_CONDITIONS: dict[str, Callable[[Value, Value, int], bool]] = {
    "eq": lambda a, b, n: V.equal(a, b), "subset": _cond_subset, "in": _cond_in,
}

# Re-exported for the instruction compiler.
check_test = _test
