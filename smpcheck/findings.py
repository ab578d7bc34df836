"""Findings and results are values: the explorer returns them, reporters render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from smpcheck.events import Source
from smpcheck.graph import ExecutionGraph
from smpcheck.values import EventId


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


@dataclass
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


class Status(StrEnum):
    SAFE = "safe"
    VIOLATION = "violation"
    INCOMPLETE = "incomplete"
    ERROR = "error"


@dataclass
class Result:
    """What one exploration found and why it stopped."""

    model: str
    memory_model: str
    executions: int = 0
    blocked: int = 0
    elapsed_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # why the bound does not cover all
    outcomes: dict[Any, int] = field(default_factory=dict)  # final state -> executions
    witnesses: dict[Any, ExecutionGraph] = field(default_factory=dict)  # observe_only models
    positive: int = 0  # executions satisfying the condition (herd's Positive)
    negative: int = 0
    condition: str | None = None
    error: str | None = None
    stopped_early: bool = False  # stopped at the first violation
    bound: str = ""  # what a complete verdict covers: CPUs and the loop bound
    flags: dict[str, int] = field(default_factory=dict)  # model flag -> executions raising it

    @property
    def status(self) -> Status:
        if self.error:
            return Status.ERROR
        if self.violations:
            return Status.VIOLATION
        if self.incomplete:
            return Status.INCOMPLETE
        return Status.SAFE
