"""The abstract syntax of cat models.

Every node carries the 1-based ``line`` and ``col`` where it starts.
Expressions evaluate to values (event sets, relations, tags, tuples, sets of
values, functions); instructions are run for their effect (bindings, checks).
Function bindings ``let f(x) = e`` and ``let f x = e`` are desugared by the
parser into ``let f = fun x -> e``.
"""

from __future__ import annotations

from dataclasses import dataclass

# A pattern binds names: a single name (None for ``_``) or a tuple of them.
Pattern = str | None | tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all syntax nodes."""

    line: int
    col: int


# -- expressions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Var(Node):
    """A name: ``po``, ``po-loc``."""

    name: str


@dataclass(frozen=True, slots=True)
class TagLit(Node):
    """A tag constant ``'name``."""

    name: str


@dataclass(frozen=True, slots=True)
class EmptyLit(Node):
    """``0`` and ``{}``: the empty relation / set."""


@dataclass(frozen=True, slots=True)
class Universe(Node):
    """``_``: the set of all events."""


@dataclass(frozen=True, slots=True)
class TupleExpr(Node):
    """``(e1, e2, ...)``; ``()`` when empty."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class SetExpr(Node):
    """``{e1, e2, ...}``: an explicit set."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``op`` is one of ``star plus opt inv comp toid`` (``r*``, ``r+``, ``r?``,
    ``r^-1``, ``~e``, ``[S]``)."""

    op: str
    arg: Expr


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``op`` is one of ``| & \\ ; ++ *``; ``|`` and ``;`` chains are n-ary."""

    op: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class App(Node):
    """Function application ``f x`` (``f(x, y)`` applies f to a tuple)."""

    fn: Expr
    arg: Expr


@dataclass(frozen=True, slots=True)
class Fun(Node):
    """``fun pat -> body``; ``name`` is the bound name for error messages."""

    param: Pattern
    body: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Binding(Node):
    """One ``pat = expr`` of a ``let``."""

    pattern: Pattern
    expr: Expr


@dataclass(frozen=True, slots=True)
class LetIn(Node):
    """``let [rec] b1 and b2 in body``."""

    rec: bool
    bindings: tuple[Binding, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class TagMatch(Node):
    """``match e with 'a -> e1 || 'b -> e2 || _ -> d end``."""

    subject: Expr
    clauses: tuple[tuple[str, Expr], ...]
    default: Expr | None


@dataclass(frozen=True, slots=True)
class SetMatch(Node):
    """``match e with {} -> e1 || x ++ rest -> e2 end``."""

    subject: Expr
    if_empty: Expr
    elem: str | None
    rest: str | None
    if_nonempty: Expr


@dataclass(frozen=True, slots=True)
class Try(Node):
    """``try e with fallback``: the fallback when ``e`` fails (e.g. an undefined name)."""

    expr: Expr
    fallback: Expr


@dataclass(frozen=True, slots=True)
class IfExpr(Node):
    """``if cond then e1 else e2``; ``kind`` is ``variant`` (cond is a string),
    ``eq``, ``subset`` or ``in``."""

    kind: str
    variant: str
    left: Expr | None
    right: Expr | None
    then: Expr
    other: Expr


Expr = (Var | TagLit | EmptyLit | Universe | TupleExpr | SetExpr | Unary | Binary | App
        | Fun | LetIn | TagMatch | SetMatch | Try | IfExpr)


# -- instructions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Let(Node):
    """Top-level ``let [rec] b1 and b2``."""

    rec: bool
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class Check(Node):
    """``[flag|requires] [~](acyclic|irreflexive|empty) e [as name]``.

    ``mode`` is ``check``, ``flag`` or ``requires``; ``text`` is the source of
    the checked expression (the check's name when ``as`` is absent)."""

    mode: str
    test: str
    negated: bool
    expr: Expr
    name: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Enum(Node):
    """``enum Name = 'a || 'b``."""

    name: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Instructions(Node):
    """``instructions R[Accesses]`` (and ``default ...``): tag classes of events."""

    cls: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Show(Node):
    """``show``/``unshow`` (ignored: they only affect pictures)."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Include(Node):
    """``include "file.cat"``."""

    filename: str


@dataclass(frozen=True, slots=True)
class Procedure(Node):
    """``procedure name(pat) = instructions end``."""

    name: str
    param: Pattern
    body: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``call name arg [as n]``."""

    name: str
    arg: Expr
    label: str | None


@dataclass(frozen=True, slots=True)
class Forall(Node):
    """``forall x in e do instructions end``."""

    var: str
    expr: Expr
    body: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class WithFrom(Node):
    """``with x from e``: run the rest of the model once per element of ``e``."""

    var: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class IfVariant(Node):
    """``if variant "v" instructions [else instructions] end``."""

    variant: str
    then: tuple[Instr, ...]
    other: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class Debug(Node):
    """``debug e`` (ignored)."""

    expr: Expr


Instr = (Let | Check | Enum | Instructions | Show | Include | Procedure | Call | Forall
         | WithFrom | IfVariant | Debug)


@dataclass(frozen=True, slots=True)
class CatFile:
    """A parsed cat or bell file: its title and instructions."""

    path: str
    title: str | None
    body: tuple[Instr, ...]
