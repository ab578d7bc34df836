"""Which expressions of a model cannot fail: the kind of value each gives, found at load time.

A top-level ``let`` whose expression cannot fail is evaluated only when something
reads it (:mod:`smpcheck.cat.program`), and ``a & b`` / ``a \\ b`` skip operands that
cannot fail once ``a`` is empty: a model's data-race lets cost nothing on a test
without plain accesses.  Deferring an expression that could fail would hide the
error a run must report, so only these are deferred, judged from the syntax:

* the kind of each value: an event set, a relation, or ``0`` (empty, fits both),
  from the base names, earlier top-level lets and the operators;
* an operator fails only on operands of the wrong kind (``po | R``), ``~0`` too
  (a complement cannot fail only on an enum's tag set, ``~Noreturn``: a mask);
  a call only of a top-level function of one parameter (its body judged with the
  argument's kind), ``domain`` and ``range``; anything else (tags, tuples,
  matches, ``try``, local lets) may fail.

A base name's read fails when the execution lacks it (or gives another kind):
:meth:`Kinds.holds` checks the names a deferred let reads before each run.
"""

from __future__ import annotations

from typing import Any

from smpcheck.cat import syntax as S
from smpcheck.cat.stdlib import BASE_NAMES

SET, REL, EMPTY = "set", "rel", "empty"
Kind = str | None  # None: not known (or not a set nor a relation)

#: The base names that are relations; the other names of stdlib.BASE_NAMES are sets.
RELATIONS = frozenset({"po", "rf", "co", "addr", "data", "ctrl", "rmw", "amo", "loc",
                       "int", "ext", "id"})
_CLOSURES = frozenset({"star", "plus", "opt", "inv"})
_DEPTH = 8  # nested calls judged through (deeper: may fail)


class Kinds:
    """The kinds of a program's top-level values, learnt let by let as it compiles."""

    def __init__(self, variants: frozenset[str], base_names: frozenset[str]) -> None:
        self.variants = variants
        self.base_names = base_names & BASE_NAMES  # (those of a known kind)
        self.slots: dict[int, str] = {}  # global slot -> the kind of its value
        self.tag_sets: set[int] = set()  # slots of an enum's tag sets (each an int mask)
        self.funs: dict[int, tuple[S.Fun, dict[str, int]]] = {}  # (function, its globals)
        self.bases: set[str] = set()  # the base names deferred lets read
        self._read: set[str] = set()
        # (node, kind, cannot fail, base names read) of the nodes judged outside functions:
        # a let is judged whole, then each of its & and \ again as it compiles
        self._memo: dict[int, tuple[S.Expr, Kind, bool, set[str]]] = {}

    def judge(self, node: S.Expr, globals_: dict[str, int], local: dict[str, Kind] | None = None
              ) -> tuple[Kind, bool, set[str]]:
        """The kind of ``node``'s value, whether evaluating it cannot fail, and the base
        names it reads; ``local``: the local names in sight."""
        self._read = set()
        kind, safe = self._of(node, dict(local or {}), globals_, 0)
        return kind, safe, self._read

    def learn_recursive(self, slots: list[int], exprs: list[S.Expr],
                        globals_: dict[str, int]) -> None:
        """The kinds of a top-level ``let rec``'s names (slots), from their expressions:
        a body of a known kind (``x | po``) gives it to its name, before the bodies are
        compiled.  What was judged before, while the names had no kind, is forgotten."""
        for slot, expr in zip(slots, exprs, strict=True):
            kind = self.judge(expr, globals_)[0]
            if kind in (SET, REL):
                self.slots[slot] = kind
        self._memo.clear()

    def holds(self, g: list[Any], base_slots: dict[str, int]) -> bool:
        """Whether the base names deferred lets read are given (``g``: a run's slots),
        each of its kind."""
        from smpcheck.cat import batch as B
        from smpcheck.cat import values as V
        from smpcheck.graph.relation import Rel

        for name in self.bases:
            v = g[base_slots[name]]
            if v is V.EMPTY:
                continue
            want = (Rel, B.BRel) if name in RELATIONS else (int, B.BSet)
            if type(v) not in want:
                return False
        return True

    # -- the rules ------------------------------------------------------------------

    def _of(self, node: S.Expr, local: dict[str, Kind], globals_: dict[str, int],
            depth: int) -> tuple[Kind, bool]:
        if isinstance(node, S.Var):  # (most nodes: judged as fast as looked up)
            return self._var(node.name, local, globals_)
        if local:
            return self._judged(node, local, globals_, depth)
        hit = self._memo.get(id(node))
        if hit is not None and hit[0] is node:
            self._read.update(hit[3])
            return hit[1], hit[2]
        outer, self._read = self._read, set()
        kind, safe = self._judged(node, local, globals_, depth)
        self._memo[id(node)] = (node, kind, safe, self._read)
        outer.update(self._read)
        self._read = outer
        return kind, safe

    def _judged(self, node: S.Expr, local: dict[str, Kind], globals_: dict[str, int],
                depth: int) -> tuple[Kind, bool]:
        if isinstance(node, S.EmptyLit):
            return EMPTY, True
        if isinstance(node, S.Universe):
            return SET, True
        if isinstance(node, S.Unary):
            return self._unary(node, local, globals_, depth)
        if isinstance(node, S.Binary):
            return self._binary(node, local, globals_, depth)
        if isinstance(node, S.App):
            return self._app(node, local, globals_, depth)
        if isinstance(node, S.LetIn):  # (its kind only: a local let may fail)
            return self._let_in(node, local, globals_, depth), False
        if isinstance(node, S.IfExpr) and node.kind == "variant":
            branch = node.then if node.variant in self.variants else node.other
            return self._of(branch, local, globals_, depth)
        return None, False

    def _let_in(self, node: S.LetIn, local: dict[str, Kind], globals_: dict[str, int],
                depth: int) -> Kind:
        """The kind of ``let [rec] ... in body``, its names' kinds judged in order (a
        recursive one's as its expression gives it, from names known before)."""
        inner = dict(local)
        if node.rec:
            inner.update((b.pattern, None) for b in node.bindings if isinstance(b.pattern, str))
        for b in node.bindings:
            if isinstance(b.pattern, str):
                inner[b.pattern] = self._of(b.expr, inner if node.rec else local, globals_,
                                            depth)[0]
        return self._of(node.body, inner, globals_, depth)[0]

    def _var(self, name: str, local: dict[str, Kind],
             globals_: dict[str, int]) -> tuple[Kind, bool]:
        if name in local:
            return local[name], True
        slot = globals_.get(name)
        if slot is not None:
            return self.slots.get(slot), True
        if name in self.base_names:
            self._read.add(name)
            return (REL if name in RELATIONS else SET), True
        return None, False  # (a built-in function's value, or another base name)

    def _unary(self, node: S.Unary, local: dict[str, Kind], globals_: dict[str, int],
               depth: int) -> tuple[Kind, bool]:
        kind, safe = self._of(node.arg, local, globals_, depth)
        if node.op in _CLOSURES:
            return REL, safe and kind in (REL, EMPTY)
        if node.op == "toid":
            return REL, safe and kind in (SET, EMPTY)
        if node.op == "comp":  # (~0 fails: only the complement of a tag set cannot)
            arg = node.arg
            tags = isinstance(arg, S.Var) and arg.name not in local \
                and globals_.get(arg.name) in self.tag_sets
            return (kind if kind in (SET, REL) else None), safe and tags
        return None, False

    def _binary(self, node: S.Binary, local: dict[str, Kind], globals_: dict[str, int],
                depth: int) -> tuple[Kind, bool]:
        judged = [(self._of(_operand(node.op, a), local, globals_, depth),
                   node.op == ";" and _is_toid(a)) for a in node.args]
        safe = all(s for (_, s), _ in judged)
        kinds = [k for (k, _), _ in judged]
        if node.op == ";":
            fits = all(k in ((SET, EMPTY) if is_id else (REL, EMPTY))
                       for (k, _), is_id in judged)
            return REL, safe and fits
        if node.op == "*":
            return REL, safe and len(kinds) == 2 and all(k in (SET, EMPTY) for k in kinds)
        if node.op not in ("|", "&", "\\"):
            return None, False
        known = {k for k in kinds if k != EMPTY}
        if not known:
            return EMPTY, safe
        if len(known) == 1 and None not in known:
            return known.pop(), safe
        rest = known - {None}
        return (rest.pop() if len(rest) == 1 else None), False

    def _app(self, node: S.App, local: dict[str, Kind], globals_: dict[str, int],
             depth: int) -> tuple[Kind, bool]:
        arg, arg_safe = self._of(node.arg, local, globals_, depth)
        fn = node.fn
        if not isinstance(fn, S.Var) or fn.name in local or depth >= _DEPTH:
            return None, False
        slot = globals_.get(fn.name)
        if slot is None:
            if fn.name in ("domain", "range") and fn.name not in self.base_names:
                return SET, arg_safe and arg in (REL, EMPTY)
            return None, False
        fun = self.funs.get(slot)
        if fun is None or not isinstance(fun[0].param, str):
            return None, False
        kind, safe = self._of(fun[0].body, {fun[0].param: arg}, fun[1], depth + 1)
        return kind, arg_safe and safe


def _is_toid(node: S.Expr) -> bool:
    return isinstance(node, S.Unary) and node.op == "toid"


def _operand(op: str, node: S.Expr) -> S.Expr:
    """What a part of ``a ; [S] ; b`` reads: ``S`` for ``[S]`` (a domain or range)."""
    return node.arg if op == ";" and isinstance(node, S.Unary) and node.op == "toid" else node


_NOT_SET = "expected an event set, got a relation"
_NOT_REL = "expected a relation, got an event set"


def mistyped(op: str, kinds: list[Kind], sets: list[Kind] | None = None) -> str | None:
    """Why operator ``op`` cannot take operands of ``kinds`` (for ``;``: the parts but
    its identities ``[S]``, the kinds of whose sets are ``sets``), or None where they fit or are
    not known.  herd7 types a model's expressions, so an operand of the wrong kind is an
    error even where its value is empty (an empty value carries no kind in smpcheck: the
    run alone did not fail)."""
    if op == "toid" or op == ";" and REL in (sets or ()):
        return _NOT_SET if REL in kinds or op == ";" else None
    if op in _CLOSURES or op == ";":
        return _NOT_REL if SET in kinds else None
    if op == "*":
        return _NOT_SET if REL in kinds else None
    if op in ("|", "&", "\\") and SET in kinds and REL in kinds:
        first = next(k for k in kinds if k in (SET, REL))
        names = ("an event set", "a relation") if first == SET else ("a relation",
                                                                     "an event set")
        return f"'{op}' between {names[0]} and {names[1]}"
    return None
