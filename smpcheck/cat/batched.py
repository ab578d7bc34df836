"""The value representations both cat's scalar operators (:mod:`smpcheck.cat.values`)
and its batched ones (:mod:`smpcheck.cat.batch`) build: the empty value, a
:class:`~smpcheck.graph.relation.Rel` made without copying, and the batched values,
a set (:class:`BSet`) or a relation (:class:`BRel`) that differs between the
executions of a batch, with :class:`NotBatchable` for what cannot be computed on
them.  Below both operator modules, which call each other's operators."""

from __future__ import annotations

from smpcheck.graph.relation import Rel

__all__ = ["BATCHED", "EMPTY", "BRel", "BSet", "NotBatchable", "Rows", "mk_rel"]


class _Empty:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY"



EMPTY = _Empty()



def mk_rel(n: int, rows: tuple[int, ...]) -> Rel:
    """A Rel over ``rows`` without copying (rows must be a tuple)."""
    return Rel(n, rows)  # (tuple() of a tuple is that tuple; not __new__: Rel is compiled)



class NotBatchable(Exception):
    """A value that differs between the executions of a batch reached an operation
    whose result is not pointwise; judge the executions one at a time."""



class BSet:
    """An event set per execution: ``m[i]`` holds the executions where event i is in."""

    __slots__ = ("m", "all")

    def __init__(self, m: tuple[int, ...], all_: int) -> None:
        self.m = m
        self.all = all_

    def __eq__(self, other: object) -> bool:
        return type(other) is BSet and self.m == other.m

    def __hash__(self) -> int:
        return hash(self.m)



class BRel:
    """A relation per execution: ``rows[i][j]`` holds the executions where (i, j) is in."""

    __slots__ = ("rows", "all")

    def __init__(self, rows: tuple[dict[int, int], ...], all_: int) -> None:
        self.rows = rows
        self.all = all_

    def __eq__(self, other: object) -> bool:
        return type(other) is BRel and self.rows == other.rows

    def __hash__(self) -> int:
        return len(self.rows)



BATCHED = (BSet, BRel)


Rows = list[dict[int, int]]
