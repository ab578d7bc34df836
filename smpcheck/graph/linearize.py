"""Laying an execution out in time: a topological order of the events that
respects an order relation, preferring to keep each CPU running."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def linearize(nodes: list[N], edges: Iterable[tuple[N, N]], key: Mapping[N, tuple[int, ...]],
              prefer: Iterable[tuple[N, N]] = ()) -> list[N]:
    """Nodes in an order respecting ``edges`` (and each ``prefer`` edge that adds no
    cycle), lowest ``key`` first among those ready.  Edges in a cycle are dropped
    from the first node of the cycle onwards, so every node appears once."""
    succ: dict[N, set[N]] = {n: set() for n in nodes}
    for a, b in edges:
        if a in succ and b in succ and a != b:
            succ[a].add(b)
    for a, b in prefer:
        if a in succ and b in succ and a != b and not _reaches(succ, b, a):
            succ[a].add(b)
    indeg = {n: 0 for n in nodes}
    for a in nodes:
        for b in succ[a]:
            indeg[b] += 1
    heap = [(key[n], i, n) for i, n in enumerate(nodes) if indeg[n] == 0]
    index = {n: i for i, n in enumerate(nodes)}
    heapq.heapify(heap)
    out: list[N] = []
    done: set[N] = set()
    while len(out) < len(nodes):
        if not heap:  # a cycle: release the lowest remaining node
            rest = min((n for n in nodes if n not in done), key=lambda n: key[n])
            heap.append((key[rest], index[rest], rest))
            indeg[rest] = 0
        _, _, n = heapq.heappop(heap)
        if n in done:
            continue
        done.add(n)
        out.append(n)
        for b in succ[n]:
            indeg[b] -= 1
            if indeg[b] == 0 and b not in done:
                heapq.heappush(heap, (key[b], index[b], b))
    return out


def _reaches(succ: dict[N, set[N]], a: N, b: N) -> bool:
    seen = {a}
    todo = [a]
    while todo:
        n = todo.pop()
        if n == b:
            return True
        for m in succ[n]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return False
