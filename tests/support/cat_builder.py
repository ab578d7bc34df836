"""Hand-built candidate executions for the cat interpreter tests.

Events are numbered in creation order; initial writes first by convention.
Program order follows creation order within a CPU; coherence order follows
creation order per location unless :meth:`Builder.co_order` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smpcheck.graph.relation import Rel

#: herd's engine leaves lock events out of R and W (lock.cat adds them back).
LOCK_CLASSES = frozenset({"LKR", "LKW", "UL", "LF", "RL", "RU"})


@dataclass
class Ev:
    kind: str  # R, W, F or S (a located non-memory event, e.g. synchronize_srcu)
    cpu: int | None
    loc: str | None
    tags: tuple[str, ...]
    classes: tuple[str, ...]  # extra base sets: LKR, LKW, UL, LF, RL, RU, RMW, IW


@dataclass
class Builder:
    events: list[Ev] = field(default_factory=list)
    rf_src: dict[int, int] = field(default_factory=dict)
    deps: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    cos: dict[str, list[int]] = field(default_factory=dict)
    values: list[Any] = field(default_factory=list)

    def _add(self, ev: Ev, value: Any = None) -> int:
        self.events.append(ev)
        self.values.append(value)
        return len(self.events) - 1

    def init(self, loc: str) -> int:
        return self._add(Ev("W", None, loc, (), ("IW",)), 0)

    def write(self, cpu: int, loc: str, *tags: str, cls: tuple[str, ...] = (),
              value: Any = None) -> int:
        return self._add(Ev("W", cpu, loc, tags, cls), value)

    def read(self, cpu: int, loc: str, rf: int, *tags: str, cls: tuple[str, ...] = (),
             value: Any = None) -> int:
        e = self._add(Ev("R", cpu, loc, tags, cls), value)
        self.rf_src[e] = rf
        return e

    def fence(self, cpu: int, *tags: str) -> int:
        return self._add(Ev("F", cpu, None, tags, ()))

    def dep(self, kind: str, a: int, b: int) -> None:
        self.deps.setdefault(kind, []).append((a, b))

    def co_order(self, loc: str, order: list[int]) -> None:
        self.cos[loc] = order

    def build(self) -> dict[str, Any]:
        n = len(self.events)
        ev = self.events

        def mask(pred: Any) -> int:
            return sum(1 << i for i, e in enumerate(ev) if pred(e))

        po = [(a, b) for a in range(n) for b in range(a + 1, n)
              if ev[a].cpu is not None and ev[a].cpu == ev[b].cpu]
        co: list[tuple[int, int]] = []
        for loc in {e.loc for e in ev if e.loc is not None}:
            order = self.cos.get(loc) or [i for i, e in enumerate(ev)
                                          if e.loc == loc and e.kind == "W"]
            co += [(order[i], order[j]) for i in range(len(order))
                   for j in range(i + 1, len(order))]
        tags: dict[str, int] = {}
        for i, e in enumerate(ev):
            for t in e.tags:
                tags[t] = tags.get(t, 0) | 1 << i
        out: dict[str, Any] = {
            "n": n,
            "R": mask(lambda e: e.kind == "R" and not set(e.classes) & LOCK_CLASSES),
            "W": mask(lambda e: e.kind == "W" and not set(e.classes) & LOCK_CLASSES),
            "F": mask(lambda e: e.kind == "F"),
            "MFENCE": mask(lambda e: e.kind == "F" and "MB" in e.tags),
            "po": Rel.from_pairs(n, po),
            "rf": Rel.from_pairs(n, [(w, r) for r, w in self.rf_src.items()]),
            "co": Rel.from_pairs(n, co),
            "location": [e.loc for e in ev],
            "thread": [e.cpu for e in ev],
            "tags": tags,
            "values": list(self.values),
        }
        for cls in ("IW", "LKR", "LKW", "UL", "LF", "RL", "RU", "RMW"):
            out[cls] = mask(lambda e, c=cls: c in e.classes)
        for kind in ("addr", "data", "ctrl", "rmw"):
            out[kind] = Rel.from_pairs(n, self.deps.get(kind, []))
        return out
