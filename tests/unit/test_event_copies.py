"""Events (a native class when compiled) pickle (-j sends graphs between processes)
and copy with every field, and compare by identity alone."""

from __future__ import annotations

import copy
import pickle

from smpcheck.graph.events import FIELDS, Event, replaced
from smpcheck.model.objects import Field, Obj
from smpcheck.model.source import Source

X = Obj("x", Field(0)).loc(())


def _event() -> Event:
    return Event((1, 2), "W", X, 7, frozenset({"ONCE"}), True, frozenset({(0, 1)}),
                 frozenset({(0, 2)}), frozenset({(0, 3)}), None, "WRITE_ONCE(x, 7)",
                 Source("m.py", 3, "WRITE_ONCE(x, 7)"), {"irqs_on": True},
                 frozenset({(0, 4)}))


def _fields(ev: Event) -> list[object]:
    return [getattr(ev, name) for name in FIELDS]


def test_pickle_and_copy_keep_every_field() -> None:
    ev = _event()
    back = pickle.loads(pickle.dumps(ev, pickle.HIGHEST_PROTOCOL))
    assert type(back) is Event and back is not ev
    assert [str(f) for f in _fields(back)] == [str(f) for f in _fields(ev)]
    shallow = copy.copy(ev)
    assert shallow is not ev and _fields(shallow) == _fields(ev)


def test_identity_and_replaced() -> None:
    ev = _event()
    assert ev == ev and ev != copy.copy(ev)  # (no __eq__: graphs compare events by identity)
    moved = replaced(ev, id=(2, 0), tags=frozenset())
    assert (moved.id, moved.tags) == ((2, 0), frozenset())
    assert _fields(moved)[2:4] == _fields(ev)[2:4] and moved.extra is ev.extra
