"""The part of an exploration's tree one walk takes (-j): the hooks the explorer calls
at each node (:class:`Split`) and where one walk meets the processes that take runs of
its units from the end (:class:`Frontier`).  Compiled with the explorer (mypyc): they
run at every node of a split run's walks.  Paths name nodes as
:mod:`smpcheck.explore.units` says."""

from __future__ import annotations

import bisect
import itertools
import sys
import threading
from collections.abc import Iterable
from typing import Any

from mypy_extensions import mypyc_attr

from smpcheck.errors import InternalError
from smpcheck.results.result import Result

Path = tuple[int, ...]


class Split:
    """Hooks an :class:`Explorer` calls at each pop and push (its ``split``).

    ``follow``: units (paths no one of which is a prefix of another): keep only the
    children they name at each choice above their ends, then walk everything below
    each (one walk explores several units, their common start once).  ``only``: walk
    the nodes of these paths and nothing else (at each choice, the children some path
    names; nothing past a path's end): one walk makes the nodes of many paths again.
    ``depth``: walk down to that depth only, listing the units (:attr:`units`).
    Findings and witnesses are noted with the path of the node whose step made them."""

    def __init__(self, follow: Iterable[Path] = ((),), depth: int | None = None,
                 only: Iterable[Path] | None = None, frontier: Frontier | None = None):
        self.above = _next_steps(follow)  # (nodes above a unit: the children to take)
        self.frontier = frontier  # (follow's units from one on are others' when it says)
        self.depth = depth
        self.only = None if only is None else _next_steps(only)
        self.units: list[Path] = []
        self.found: dict[int, list[Path]] = {}  # id(result list) -> path of each entry
        self.witnessed: dict[Any, Path] = {}
        self._witnesses: dict[Any, Any] | None = None  # the result's, as last noted
        self._noted = 0  # how many of them were noted
        self._count = 0  # findings and witnesses, as last noted
        self._reset()

    def start(self) -> None:
        """A pass begins at the root (the explorer's call, once per pass)."""
        self._reset()
        if self.frontier is not None:
            self.frontier.pass_begins()

    def _reset(self) -> None:
        self.paths: list[Path] = [()]
        if self.frontier is not None:
            self.frontier.stack = self.paths
        self.current: Path | None = None
        self._count = -1  # (a pass begins with fewer witnesses)
        self.children = 0

    def popped(self, result: Result) -> bool:
        """The walk pops its next node: whether to extend it (else it is a unit)."""
        self.note(result)
        path = self.paths.pop()
        if self.frontier is not None and not self.frontier.enter(path):
            return False  # (another process's)
        if self.depth is not None and len(path) >= self.depth:
            self.units.append(path)
            self.current = None
            return False
        self.current, self.children = path, 0
        return True

    def pushed(self, children: list[Any]) -> list[Any]:
        """The children the current node's step made: those this walk takes."""
        here = self.current
        if here is None:
            raise InternalError("a push outside a step")
        d = len(here)
        if len(children) == 1:  # no choice: the child is named as its parent
            self.children += 1
            self.paths.append(here)
            return children
        self.children += len(children)
        steps = self.only.get(here, []) if self.only is not None else self.above.get(here)
        if steps is None:  # in a unit: every child
            self.paths.extend([(*here, i) for i in range(len(children) - 1, -1, -1)])
            return children
        if steps and steps[-1] >= len(children):
            raise InternalError(f"path {(*here, steps[-1])} leaves the tree at depth {d}")
        self.paths.extend([(*here, i) for i in reversed(steps)])
        return [children[i] for i in steps]

    def left(self) -> list[Path]:
        """The paths of the nodes still on the walk's stack, in the walk's order: after
        a walk paused between two nodes, their subtrees are what it did not explore."""
        return self.paths[::-1]

    def note(self, result: Result) -> None:
        """Credit what ``result`` gained since the last call to the current node; in
        ``depth`` mode, list that node as a unit if it was a leaf."""
        here = self.current
        if here is None:
            return
        w = result.witnesses  # (only added to, the new ones last, until a pass resets it)
        count = len(result.violations) + len(result.warnings) + len(w)
        if count != self._count or w is not self._witnesses:  # (most nodes: nothing new)
            self._count = count
            for found in (result.violations, result.warnings):
                paths = self.found.setdefault(id(found), [])
                paths.extend([here] * (len(found) - len(paths)))
            if w is not self._witnesses:
                self._witnesses, self._noted = w, 0
            for key in itertools.islice(reversed(w), len(w) - self._noted):
                self.witnessed.setdefault(key, here)
            self._noted = len(w)
        if self.depth is not None and self.children == 0:
            self.units.append(here)
        self.current = None


@mypyc_attr(allow_interpreted_subclasses=True)  # (workers.Sharing; tests)
class Frontier:
    """Where one walk of a list of units (in the walk's order) meets the processes that
    take runs of them from the last one backwards: the walk enters a node only before
    the first unit taken (:meth:`enter`, at each pop), and a run is taken only of
    units the walk has not entered (:meth:`take`).  A node above a unit comes before
    it in the walk's order, so the walk still enters the nodes above the units taken,
    and takes their children before those units.  Once the walk has entered every
    unit left, a take is of the unit it is in: the last node of its stack below that
    unit (:meth:`_steal`), whose subtree is about half of what the walk has left of it
    (a depth-first stack's lowest node is its shallowest): else the taker would wait
    while the walk ends a unit alone.

    Takers hold the lock; the walk, at each node, takes it only while a take is under
    way (:attr:`taking`): it writes the node it enters, then reads ``taking``, the
    taker sets ``taking`` before it reads that node, and the interpreter's lock
    orders the two threads' reads and writes, so that a walk that sees no take under
    way reads the limit that take set if the take read a node before the walk's."""

    def __init__(self, units: list[Path]) -> None:
        self.units = units  # (may come later: :meth:`share`)
        self.end = len(units)  # the first unit taken (len(units): none)
        self.limit: Path = (sys.maxsize,)  # its path (after every path: none)
        self.last: Path = ()  # the path of the node the walk entered last (or is entering)
        self.stack: list[Path] = []  # the paths of the walk's stack (its Split's)
        self.lock = threading.Lock()
        self.taking = False  # (a take under way: the walk waits for its limit)
        self.watching = False  # (subclasses: :meth:`watch` at each node)

    def enter(self, path: Path) -> bool:
        """Whether the walk may enter the node at ``path`` (else it is another's)."""
        if self.watching and not self.watch():
            return False
        self.last = path  # (first: see the class's docstring)
        if self.taking:
            with self.lock:
                return path < self.limit
        return path < self.limit

    def watch(self) -> bool:
        """(Subclasses) called at each node while :attr:`watching` is set: whether the
        walk may go on (else it enters no node)."""
        return True

    def take(self, share: int) -> list[Path] | None:
        """A run of units the walk has not entered, the last of them, in the walk's
        order: a ``1/share`` of those left (at least one); once it has entered them
        all, a node below the one it is in (:meth:`_steal`); None when none is left."""
        with self.lock:
            self.taking = True  # (before the walk's node is read)
            try:
                free = bisect.bisect_right(self.units, self.last)  # (the first not entered)
                if free >= self.end:
                    return self._steal()
                end = self.end
                first = end - max(1, (end - free) // share)
                self.end, self.limit = first, self.units[first]
                return self.units[first:end]
            finally:
                self.taking = False

    def _steal(self) -> list[Path] | None:
        """(Holding the lock, every unit before the first taken entered) the lowest node
        of the walk's stack below the unit the walk is in, as a run of its own: every
        node of the stack after it in the walk's order is then after the limit too
        (below that unit) or a node above units all taken (none after the limit
        explores an execution); the nodes taken before stay on the stack until the
        walk pops them, past the limit.  None if there is none."""
        if self.end == 0:
            return None
        unit = self.units[self.end - 1]
        n = len(unit)
        last, limit = self.last, self.limit
        for path in self.stack[:]:  # (lowest first: the last in the walk's order)
            if last < path < limit and len(path) > n and path[:n] == unit:
                self.limit = path
                return [path]
        return None

    def share(self, units: list[Path]) -> None:
        """The units to take runs of, known only once the walk has begun (a walk of the
        whole tree: its paths name the nodes as the units' do)."""
        with self.lock:
            self.units, self.end = units, len(units)

    def pass_begins(self) -> None:
        """The walk begins a pass (a second one speculates: see :class:`Split`)."""

    def close(self) -> None:
        """Take no more runs (the walk ended)."""
        with self.lock:
            self.last = (sys.maxsize,)


def _next_steps(paths: Iterable[Path]) -> dict[Path, list[int]]:
    """For each node that is a proper prefix of some of ``paths``, the children (in
    increasing order) those paths take there."""
    steps: dict[Path, set[int]] = {}
    for p in paths:
        for d in range(len(p)):
            steps.setdefault(p[:d], set()).add(p[d])
    return {here: sorted(taken) for here, taken in steps.items()}
