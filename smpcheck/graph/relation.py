"""Binary relations and sets over the events of one execution graph.

Events are numbered 0..n-1.  A set of events is an ``int`` bit mask (bit i set
when event i is in the set).  A relation is a :class:`Rel`: one successor mask
per event.  Every memory model (built in or read from a cat file) computes
with these, so the operations are the ones axiomatic models use: union,
intersection, difference, sequence, inverse, closures, and the three checks
(acyclic, irreflexive, empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def bits(mask: int) -> Iterator[int]:
    """The members of a set mask, in increasing order."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def mask_of(items: Iterable[int]) -> int:
    """The set mask holding ``items``."""
    m = 0
    for i in items:
        m |= 1 << i
    return m


class Rel:
    """An immutable binary relation over events 0..n-1, stored as rows of successor masks."""

    __slots__ = ("n", "rows")

    def __init__(self, n: int, rows: tuple[int, ...] | list[int] | None = None) -> None:
        self.n = n
        self.rows: tuple[int, ...] = tuple(rows) if rows is not None else (0,) * n

    # -- construction -------------------------------------------------------

    @classmethod
    def empty(cls, n: int) -> Rel:
        return cls(n)

    @classmethod
    def from_pairs(cls, n: int, pairs: Iterable[tuple[int, int]]) -> Rel:
        rows = [0] * n
        for a, b in pairs:
            rows[a] |= 1 << b
        return cls(n, rows)

    @classmethod
    def identity(cls, n: int, on: int | None = None) -> Rel:
        """The identity on the set ``on`` (all events when None): ``[S]`` in cat."""
        on = (1 << n) - 1 if on is None else on
        return cls(n, [(1 << i) if on >> i & 1 else 0 for i in range(n)])

    @classmethod
    def product(cls, n: int, left: int, right: int) -> Rel:
        """The cartesian product ``left * right`` of two sets."""
        return cls(n, [right if left >> i & 1 else 0 for i in range(n)])

    # -- set-like operators -------------------------------------------------

    def __or__(self, other: Rel) -> Rel:
        if not any(other.rows):  # relations are immutable: share the operand
            return self
        if not any(self.rows):
            return other
        return Rel(self.n, [a | b for a, b in zip(self.rows, other.rows, strict=True)])

    def __and__(self, other: Rel) -> Rel:
        return Rel(self.n, [a & b for a, b in zip(self.rows, other.rows, strict=True)])

    def __sub__(self, other: Rel) -> Rel:
        return Rel(self.n, [a & ~b for a, b in zip(self.rows, other.rows, strict=True)])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rel) and self.rows == other.rows

    def __hash__(self) -> int:
        return hash(self.rows)

    def __bool__(self) -> bool:
        return any(self.rows)

    def __repr__(self) -> str:
        return f"Rel({sorted(self.pairs())})"

    def complement(self) -> Rel:
        full = (1 << self.n) - 1
        return Rel(self.n, [~r & full for r in self.rows])

    # -- relational operators -----------------------------------------------

    def seq(self, other: Rel) -> Rel:
        """Sequential composition ``self ; other``."""
        orows = other.rows
        if not any(orows):
            return other
        out = []
        for r in self.rows:
            acc = 0
            while r:
                low = r & -r
                acc |= orows[low.bit_length() - 1]
                r ^= low
            out.append(acc)
        return Rel(self.n, out)

    def inverse(self) -> Rel:
        rows = [0] * self.n
        for i, r in enumerate(self.rows):
            bit = 1 << i
            while r:
                low = r & -r
                rows[low.bit_length() - 1] |= bit
                r ^= low
        return Rel(self.n, rows)

    def plus(self) -> Rel:
        """Transitive closure ``r+`` (Warshall over bit rows)."""
        rows = list(self.rows)
        for k in range(self.n):
            kb = 1 << k
            rk = rows[k]
            if not rk:
                continue
            for i in range(self.n):
                if rows[i] & kb:
                    rows[i] |= rk
        return Rel(self.n, rows)

    def star(self) -> Rel:
        """Reflexive-transitive closure ``r*``."""
        return self.plus().opt()

    def opt(self) -> Rel:
        """Reflexive closure ``r?``."""
        return Rel(self.n, [r | (1 << i) for i, r in enumerate(self.rows)])

    def restrict(self, dom: int | None = None, rng: int | None = None) -> Rel:
        """``[dom] ; r ; [rng]``: keep pairs whose ends lie in the given sets."""
        if dom == 0 or rng == 0:
            return Rel(self.n)
        rows: tuple[int, ...] | list[int] = self.rows
        if dom is not None:
            rows = _rows_in(rows, dom, self.n)
        if rng is not None:
            rows = [r & rng for r in rows]
        return Rel(self.n, rows)

    # -- queries ------------------------------------------------------------

    def domain(self) -> int:
        m = 0
        for i, r in enumerate(self.rows):
            if r:
                m |= 1 << i
        return m

    def range(self) -> int:
        m = 0
        for r in self.rows:
            m |= r
        return m

    def pairs(self) -> Iterator[tuple[int, int]]:
        for i, r in enumerate(self.rows):
            for j in bits(r):
                yield (i, j)

    def has(self, a: int, b: int) -> bool:
        return bool(self.rows[a] >> b & 1)

    def is_empty(self) -> bool:
        return not any(self.rows)

    def is_irreflexive(self) -> bool:
        return not any(r >> i & 1 for i, r in enumerate(self.rows))

    def is_acyclic(self) -> bool:
        return find_cycle(self) is None


def _rows_in(rows: tuple[int, ...] | list[int], dom: int, n: int) -> list[int]:
    """``rows`` with those outside ``dom`` emptied, walking the smaller of ``dom`` and
    its complement."""
    off = ~dom & ((1 << n) - 1)
    if off.bit_count() <= n // 2:
        out = list(rows)
        for i in bits(off):
            out[i] = 0
        return out
    out = [0] * n
    for i in bits(dom & ((1 << n) - 1)):
        out[i] = rows[i]
    return out


def find_cycle(rel: Rel) -> list[int] | None:
    """A cycle of ``rel`` as a list of events (first not repeated), or None if acyclic."""
    n = rel.n
    rows = rel.rows
    state = [0] * n  # 0 new, 1 on stack, 2 done
    parent = [-1] * n
    for start in range(n):
        if state[start] or not rows[start]:
            continue
        stack: list[tuple[int, int]] = [(start, rows[start])]
        state[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                continue
            low = todo & -todo
            stack[-1] = (node, todo ^ low)
            nxt = low.bit_length() - 1
            if state[nxt] == 1:
                cycle = [node]
                while cycle[-1] != nxt:
                    cycle.append(parent[cycle[-1]])
                cycle.reverse()
                return cycle
            if state[nxt] == 0:
                state[nxt] = 1
                parent[nxt] = node
                stack.append((nxt, rows[nxt]))
    return None
