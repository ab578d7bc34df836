"""Ordering sites and per-site overrides, for analyses that re-check a model changed
at one place (:mod:`smpcheck.analyses`).

A *site* is a source line and the primitive called there (``sb.py:15 smp_mb``).
While an :class:`Overrides` table is installed (:func:`overriding`), every op a
kernel primitive issues passes through :func:`apply` first: it is recorded under
its site, and the table may weaken it one step (drop a fence; an acquire or
release access becomes a ``*_ONCE`` one; an ordered RMW relaxed; a ``*_ONCE``
access plain), make a load acquire or a store release, or put an ``smp_mb()``
before it.  The model's source is never rewritten: the change happens where the
primitive issues its event, in every execution, for every CPU that reaches the
line, and re-runs see the same change (the table is global to the runs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from smpcheck._rt import runtime as _runtime
from smpcheck.graph.events import Source

__smp_engine__ = True

#: Fences that order something between CPUs (herd tags), dropped when weakened.
ORDERING_FENCES = frozenset({"MB", "rmb", "wmb", "before-atomic", "after-atomic",
                             "after-spinlock", "after-unlock-lock", "after-srcu-read-unlock"})
_ORDERED = frozenset({"MB", "ACQUIRE", "RELEASE"})
_LOCKING = frozenset({"LKR", "LKW", "LF", "UL", "RL", "RU", "srcu-lock", "srcu-unlock"})
#: Marked accesses that become plain when weakened (only where the line names them).
_ONCE_NAMES = frozenset({"READ_ONCE", "WRITE_ONCE", "rcu_dereference"})
DROPPED = "(removed)"


@dataclass(frozen=True, order=True)
class Site:
    """A source line and the primitive called there (and the CPU, for a test whose
    CPUs share their lines: herd's x86 tests put one instruction per CPU on a line)."""

    path: str
    line: int
    primitive: str
    cpu: int = -1

    def __str__(self) -> str:
        from smpcheck.graph.events import shown_path

        on = f" P{self.cpu}" if self.cpu >= 0 else ""
        return f"{shown_path(self.path)}:{self.line}{on} {self.primitive}"


@dataclass
class SiteInfo:
    """What a site was seen to issue: op kind, tags, the CPUs, the line's text."""

    site: Site
    kind: str
    tags: frozenset[str]
    text: str
    func: str
    cpus: set[int] = field(default_factory=set)

    @property
    def weakened_to(self) -> str | None:
        """What weakening the site one step makes of it (None: not an ordering site)."""
        return weakened_name(self.site.primitive, self.kind, self.tags, self.text)


@dataclass
class Overrides:
    """Sites to change, and what every site issued while installed (``seen``)."""

    weaken: frozenset[Site] = frozenset()
    acquire: frozenset[Site] = frozenset()  # loads made smp_load_acquire()
    release: frozenset[Site] = frozenset()  # stores made smp_store_release()
    fence_before: frozenset[Site] = frozenset()  # an smp_mb() put before the access
    per_cpu: bool = False  # sites are per CPU (Site.cpu)
    seen: dict[Site, SiteInfo] = field(default_factory=dict)


def primitive_of(op: Any) -> str:
    """The primitive an op (or an event: its ``op`` text) comes from (``smp_mb``,
    ``READ_ONCE``), ``plain`` for ``p.a``."""
    text = op.text if hasattr(op, "text") else op.op
    name = text.split("(", 1)[0]
    return name if "(" in text and name.isidentifier() else "plain"


def site_of(ev: Any, per_cpu: bool = False) -> Site:
    """The site an event of an execution graph was issued at."""
    return Site(ev.src.path, ev.src.line, primitive_of(ev), ev.tid if per_cpu else -1)


def weakened_name(name: str, kind: str, tags: frozenset[str], text: str) -> str | None:
    """What one step weaker a primitive is, as its name (None: nothing to weaken)."""
    if tags & _LOCKING:
        return None
    if kind == "F":
        if name == "smp_store_mb":  # (its store stays: WRITE_ONCE without the smp_mb())
            return "WRITE_ONCE"
        return DROPPED if tags & ORDERING_FENCES else None
    if kind == "RMW":
        if not tags & _ORDERED:
            return None
        base = name.removesuffix("_acquire").removesuffix("_release")
        return base + "_relaxed"
    if tags & {"ACQUIRE", "RELEASE"}:
        if name.endswith(("_acquire", "_release")) and name.startswith("atomic_"):
            return name.rsplit("_", 1)[0]
        return "READ_ONCE" if kind == "R" else "WRITE_ONCE"
    if "ONCE" in tags and name in _ONCE_NAMES and name in text:
        return "plain load" if kind == "R" else "plain store"
    return None


def _weaker(op: Any) -> Any:
    """``op`` one step weaker (None: the fence is dropped)."""
    tags = op.tags
    if op.kind == "F":
        return None if tags & ORDERING_FENCES else op
    if op.kind == "RMW" and tags & _ORDERED:
        once = frozenset({"ONCE", "RMW"})
        return op.replace(tags=once, wtags=once, ftags=None if op.ftags is None else once)
    if tags & {"ACQUIRE", "RELEASE"}:
        return op.replace(tags=(tags - {"ACQUIRE", "RELEASE"}) | {"ONCE"})
    if "ONCE" in tags and primitive_of(op) in _ONCE_NAMES:
        return op.replace(tags=tags - {"ONCE"})
    return op


_table: Overrides | None = None


def installed() -> bool:
    """Whether a table is installed: runs must then stay in this process, where it is
    (another process would build the model without the table's changes, and record
    into nothing)."""
    return _table is not None


@contextlib.contextmanager
def overriding(table: Overrides) -> Iterator[Overrides]:
    """Install ``table`` for the runs inside the block (they record into it)."""
    global _table
    saved = _table
    _table = table
    _runtime.set_site_hook(apply)
    try:
        yield table
    finally:
        _table = saved
        _runtime.set_site_hook(apply if saved is not None else None)


def apply(run: Any, cpu: Any, op: Any) -> Any:
    """Issue ``op`` for ``cpu`` as the installed table says; its answer."""
    table = _table
    assert table is not None
    if op.kind not in ("R", "W", "RMW", "F"):
        return run.submit(cpu, op)
    src: Source = _runtime._source_of(cpu, op)
    op.src = src
    site = Site(src.path, src.line, primitive_of(op), cpu.tid if table.per_cpu else -1)
    info = table.seen.get(site)
    if info is None:
        info = table.seen[site] = SiteInfo(site, op.kind, op.tags, src.text, src.func)
    elif op.kind == "F" and info.kind != "F":
        info.kind, info.tags = "F", op.tags  # (smp_store_mb(): its fence is what weakens)
    info.cpus.add(cpu.tid)
    if op.kind != "F" and site in table.fence_before:
        run.submit(cpu, _runtime.Op("F", tags=frozenset({"MB"}), text="smp_mb()", src=src))
    if site in table.weaken:
        op = _weaker(op)
        if op is None:
            return None
    if site in table.acquire and op.kind == "R":
        op = op.replace(tags=(op.tags - {"ONCE"}) | {"ACQUIRE"})
    if site in table.release and op.kind == "W":
        op = op.replace(tags=(op.tags - {"ONCE"}) | {"RELEASE"})
    return run.submit(cpu, op)
