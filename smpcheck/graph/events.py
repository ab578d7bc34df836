"""Event labels: one per memory access, fence, allocation or CPU state change.

Event kinds (``Event.kind``):

* ``R`` read, ``W`` write.  Read-modify-writes are a read and a write of the same
  location at consecutive positions, both with ``rmw=True``; a failed RMW is a
  read alone, tagged ``RMW``.
* ``F`` fence (``tags`` holds one herd fence tag: ``MB``, ``rmb``, ``wmb``,
  ``before-atomic``, ``rcu-lock``, ``sync-rcu``...).
* ``A`` allocation, ``D`` deallocation (kfree) of ``obj``.
* ``N`` the place of a failed RMW's write (so that positions do not depend on
  whether an RMW succeeds).
* ``B`` the CPU blocked (a spin loop or lock wait that cannot end with the
  values read); ``E`` the CPU finished, with its return value in ``value``.

Access tags follow the herd names of linux-kernel.def and lock.cat: ``ONCE``,
``RELEASE``, ``ACQUIRE``, ``MB``, ``NORETURN``, ``RMW``, ``LKR``, ``LKW``,
``UL``, ``LF``, ``RL``, ``RU``, ``srcu-lock``, ``srcu-unlock``.  An access with none
of the marking tags is plain.
"""

from __future__ import annotations

from typing import Any, Final

from smpcheck.model.objects import Loc, Obj
from smpcheck.model.source import NO_SOURCE as NO_SOURCE
from smpcheck.model.source import Source as Source
from smpcheck.model.source import shown_path as shown_path
from smpcheck.model.values import NO_DEPS, Deps, EventId

INIT_TID: Final = -1  # (Final: the compiled core reads a constant, not a global)

MARKING_TAGS = frozenset({"ONCE", "RELEASE", "ACQUIRE", "MB", "NORETURN", "RMW", "LKR",
                          "LKW", "UL", "LF", "RL", "RU", "INIT", "srcu-lock", "srcu-unlock"})


class Event:
    """One event of an execution graph; ``id`` is (cpu, position in program order).

    Immutable by convention: graphs copied from one another share their events.
    Equal only to itself (identity)."""

    id: EventId
    kind: str
    loc: Loc | None
    value: Any
    tags: frozenset[str]
    rmw: bool
    addr: Deps
    data: Deps
    ctrl: Deps
    obj: Obj | None
    op: str
    src: Source
    extra: dict[str, Any]
    # every read the CPU branched on before this event, in or out of the branch's scope:
    # whether the event exists, and where, follows from them (``ctrl``: only the
    # branches whose scope holds it, the model's control dependency)
    branch: Deps

    def __init__(self, id: EventId, kind: str, loc: Loc | None = None,
                 value: Any = None, tags: frozenset[str] = frozenset(), rmw: bool = False,
                 addr: Deps = NO_DEPS, data: Deps = NO_DEPS, ctrl: Deps = NO_DEPS,
                 obj: Obj | None = None, op: str = "", src: Source = NO_SOURCE,
                 extra: dict[str, Any] | None = None, branch: Deps = NO_DEPS) -> None:
        self.id = id
        self.kind = kind
        self.loc = loc
        self.value = value
        self.tags = tags
        self.rmw = rmw
        self.addr = addr
        self.data = data
        self.ctrl = ctrl
        self.obj = obj
        self.op = op
        self.src = src
        self.extra = {} if extra is None else extra
        self.branch = branch

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (-j sends graphs) and copied as its constructor's arguments."""
        return Event, self.fields()

    def fields(self) -> tuple[Any, ...]:
        """The constructor's arguments that make this event again (:data:`FIELDS`)."""
        return (self.id, self.kind, self.loc, self.value, self.tags, self.rmw, self.addr,
                self.data, self.ctrl, self.obj, self.op, self.src, self.extra, self.branch)

    @property
    def tid(self) -> int:
        return self.id[0]

    @property
    def idx(self) -> int:
        return self.id[1]

    @property
    def is_read(self) -> bool:
        return self.kind == "R"

    @property
    def is_write(self) -> bool:
        return self.kind == "W"

    @property
    def is_access(self) -> bool:
        return self.kind in "RW"

    @property
    def is_init(self) -> bool:
        return self.id[0] == INIT_TID

    @property
    def marked(self) -> bool:
        return bool(self.tags & MARKING_TAGS)

    @property
    def is_marker(self) -> bool:
        """Blocked/finished markers: CPU states, not memory events."""
        return self.kind in "BEN"

    def same_action(self, other: Event) -> bool:
        """Whether a re-executed CPU asked for the same event (determinism check)."""
        return (self.kind == other.kind and self.loc == other.loc and self.tags == other.tags
                and _same_value(self.value, other.value) and self.obj is other.obj)

    def __repr__(self) -> str:
        where = f" {self.loc}" if self.loc is not None else ""
        val = f"={self.value}" if self.kind == "W" else ""
        return f"{self.kind}{self.id}{where}{val}"


def replaced(ev: Event, **changes: Any) -> Event:
    """A new event with ``ev``'s fields, ``changes`` replacing some."""
    return Event(**{**dict(zip(FIELDS, ev.fields(), strict=True)), **changes})


FIELDS = ("id", "kind", "loc", "value", "tags", "rmw", "addr", "data", "ctrl", "obj", "op",
          "src", "extra", "branch")
""":class:`Event`'s fields, in its constructor's order."""


def _same_value(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # pragma: no cover - values are ints and pointers
        return False


def init_event(index: int, loc: Loc) -> Event:
    """The initial write of ``loc`` (herd's IW), numbered ``index`` among locations."""
    return Event((INIT_TID, index), "W", loc, loc.obj.init_value(loc.path), frozenset({"INIT"}),
                 op=f"{loc} = {loc.obj.init_value(loc.path)}")


def plain_access(ev: Event) -> bool:
    """A read or write with none of the marking tags (the LKMM's plain access)."""
    return ev.kind in "RW" and MARKING_TAGS.isdisjoint(ev.tags)


def lone_unlock(ev: Event) -> bool:
    """A spin_unlock() that matches no lock: a fence with the lock's location, which
    spin_is_locked() may read and which program order orders with the lock's other
    accesses (lock.cat's unmatched UL: a write kept out of coherence order)."""
    return ev.kind == "F" and ev.loc is not None and "UL" in ev.tags


def located_access(ev: Event) -> bool:
    """A read or write, or a lone unlock: the events ordered by location (``loc``)."""
    return ev.kind in "RW" or lone_unlock(ev)
