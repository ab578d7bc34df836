"""The abstract syntax of cat models.

Every node carries the 1-based ``line`` and ``col`` where it starts.
Expressions evaluate to values (event sets, relations, tags, tuples, sets of
values, functions); instructions are run for their effect (bindings, checks).
Function bindings ``let f(x) = e`` and ``let f x = e`` are desugared by the
parser into ``let f = fun x -> e``.
"""

from __future__ import annotations

from smpcheck.records import record

# A pattern binds names: a single name (None for ``_``) or a tuple of them.
Pattern = str | None | tuple[str | None, ...]


@record
class Node:
    """Base of all syntax nodes."""

    line: int
    col: int


# -- expressions ------------------------------------------------------------


@record
class Var(Node):
    """A name: ``po``, ``po-loc``."""

    name: str


@record
class TagLit(Node):
    """A tag constant ``'name``."""

    name: str


@record
class EmptyLit(Node):
    """``0`` and ``{}``: the empty relation / set."""


@record
class Universe(Node):
    """``_``: the set of all events."""


@record
class TupleExpr(Node):
    """``(e1, e2, ...)``; ``()`` when empty."""

    items: tuple[Expr, ...]


@record
class SetExpr(Node):
    """``{e1, e2, ...}``: an explicit set."""

    items: tuple[Expr, ...]


@record
class Unary(Node):
    """``op`` is one of ``star plus opt inv comp toid`` (``r*``, ``r+``, ``r?``,
    ``r^-1``, ``~e``, ``[S]``)."""

    op: str
    arg: Expr


@record
class Binary(Node):
    """``op`` is one of ``| & \\ ; ++ *``; ``|`` and ``;`` chains are n-ary."""

    op: str
    args: tuple[Expr, ...]


@record
class App(Node):
    """Function application ``f x`` (``f(x, y)`` applies f to a tuple)."""

    fn: Expr
    arg: Expr


@record
class Fun(Node):
    """``fun pat -> body``; ``name`` is the bound name for error messages."""

    param: Pattern
    body: Expr
    name: str


@record
class Binding(Node):
    """One ``pat = expr`` of a ``let``."""

    pattern: Pattern
    expr: Expr


@record
class LetIn(Node):
    """``let [rec] b1 and b2 in body``."""

    rec: bool
    bindings: tuple[Binding, ...]
    body: Expr


@record
class TagMatch(Node):
    """``match e with 'a -> e1 || 'b -> e2 || _ -> d end``."""

    subject: Expr
    clauses: tuple[tuple[str, Expr], ...]
    default: Expr | None


@record
class SetMatch(Node):
    """``match e with {} -> e1 || x ++ rest -> e2 end``."""

    subject: Expr
    if_empty: Expr
    elem: str | None
    rest: str | None
    if_nonempty: Expr


@record
class Try(Node):
    """``try e with fallback``: the fallback when ``e`` fails (e.g. an undefined name)."""

    expr: Expr
    fallback: Expr


@record
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


@record
class Let(Node):
    """Top-level ``let [rec] b1 and b2``."""

    rec: bool
    bindings: tuple[Binding, ...]


@record
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


@record
class Enum(Node):
    """``enum Name = 'a || 'b``."""

    name: str
    tags: tuple[str, ...]


@record
class Instructions(Node):
    """``instructions R[Accesses]`` (and ``default ...``): tag classes of events."""

    cls: str
    args: tuple[Expr, ...]


@record
class Show(Node):
    """``show``/``unshow`` (ignored: they only affect pictures)."""

    names: tuple[str, ...]


@record
class Include(Node):
    """``include "file.cat"``."""

    filename: str


@record
class Procedure(Node):
    """``procedure name(pat) = instructions end``."""

    name: str
    param: Pattern
    body: tuple[Instr, ...]


@record
class Call(Node):
    """``call name arg [as n]``."""

    name: str
    arg: Expr
    label: str | None


@record
class Forall(Node):
    """``forall x in e do instructions end``."""

    var: str
    expr: Expr
    body: tuple[Instr, ...]


@record
class WithFrom(Node):
    """``with x from e``: run the rest of the model once per element of ``e``."""

    var: str
    expr: Expr


@record
class IfVariant(Node):
    """``if variant "v" instructions [else instructions] end``."""

    variant: str
    then: tuple[Instr, ...]
    other: tuple[Instr, ...]


@record
class Debug(Node):
    """``debug e`` (ignored)."""

    expr: Expr


Instr = (Let | Check | Enum | Instructions | Show | Include | Procedure | Call | Forall
         | WithFrom | IfVariant | Debug)


@record
class CatFile:
    """A parsed cat or bell file: its title and instructions."""

    path: str
    title: str | None
    body: tuple[Instr, ...]
