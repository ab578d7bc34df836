"""Findings are values: a kind from a closed set, a message, where, and the execution."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from smpcheck.graph.events import Source
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.values import EventId
from smpcheck.records import field, mutable_record


class Kind(StrEnum):
    """The closed set of things smpcheck reports."""

    ASSERTION = "assertion"          # assert / BUG_ON
    WARNING = "warning"              # WARN_ON (does not stop the CPU)
    NULL_DEREF = "null-deref"
    USE_AFTER_FREE = "use-after-free"
    DOUBLE_FREE = "double-free"
    BAD_FREE = "bad-free"            # kfree of something kmalloc did not return
    DEADLOCK = "deadlock"            # CPUs wait for locks that are never released
    ENDLESS_WAIT = "endless-wait"    # a spin loop whose condition can never change
    DATA_RACE = "data-race"
    CONDITION = "condition"          # the final-state condition (exists/forall) fails


@mutable_record
class Violation:
    """One finding: its kind, a message, where, and the execution that shows it."""

    kind: Kind
    message: str
    cpu: int | None
    src: Source | None
    graph: ExecutionGraph | None
    events: tuple[EventId, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        return self.src.line if self.src else None

    def key(self) -> tuple[Any, ...]:
        """Duplicates are merged by kind and place."""
        return (self.kind, self.src.path if self.src else None, self.line, self.message
                if self.kind == Kind.CONDITION else None)
