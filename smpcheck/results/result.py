"""What one check returns: its findings, why it stopped short if it did (:class:`Cut`),
its counts, and the status and verdict a report may state."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from smpcheck.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, EXIT_VIOLATION
from smpcheck.graph.events import Source
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.records import field, mutable_record, record
from smpcheck.results.findings import Violation


class Status(StrEnum):
    SAFE = "safe"
    VIOLATION = "violation"
    INCOMPLETE = "incomplete"
    ERROR = "error"


EXIT_FOR = {Status.SAFE: EXIT_OK, Status.VIOLATION: EXIT_VIOLATION,
            Status.INCOMPLETE: EXIT_INCOMPLETE, Status.ERROR: EXIT_USAGE}


class Limit(StrEnum):
    """The bounds that can cut an exploration short (see ``Settings``)."""

    MAX_EXECUTIONS = "max-executions"  # executions (and blocked ones) visited
    TIMEOUT = "timeout"                # seconds
    LOOP_BOUND = "loop-bound"          # iterations of a loop that is not a spin wait
    MAX_EVENTS = "max-events"          # events of one CPU in one execution
    STALL = "stall"                    # seconds one CPU runs without a kernel primitive
    VALUE_PASSES = "value-passes"      # explorations while speculated values grow
    SPECULATION = "speculation"        # graphs a speculating pass may explore


@record
class Cut:
    """Why a run did not visit every execution of its bound: the limit it hit, that
    limit's value, and for a bound hit inside the model, the model line and CPU.

    It names no command-line option: each command renders its own advice
    (:mod:`smpcheck.report.limits`)."""

    limit: Limit
    value: int | float
    src: Source | None = None
    cpu: int | None = None

    def __str__(self) -> str:
        n = shown_number(self.value)
        s = "" if self.value == 1 else "s"
        if self.limit == Limit.MAX_EXECUTIONS:
            return f"stopped after {n} execution{s}"
        if self.limit == Limit.TIMEOUT:
            return f"stopped after {n} s"
        if self.limit == Limit.SPECULATION:
            return (f"stopped after {n} graphs while reads speculated: executions whose "
                    "dependencies and reads-from form a cycle (load buffering through a "
                    "dependency or a plain access) are not all explored")
        if self.limit == Limit.VALUE_PASSES:
            return (f"the values reads may take kept growing after {n} passes (a cycle of "
                    "dependencies through plain accesses producing new values)")
        where = f"{self.src}: " if self.src is not None else ""
        if self.limit == Limit.LOOP_BOUND:
            return f"{where}a loop ran {n} iteration{s}, the loop bound"
        cpu = f"CPU {self.cpu}" if self.cpu is not None else "a CPU"
        if self.limit == Limit.STALL:
            return f"{where}{cpu} ran {n} s without reaching a kernel primitive"
        return f"{where}{cpu} issued {n} event{s}, the bound on one CPU's events"


def shown_number(value: int | float) -> str:
    """A bound's value as reports print it: ``1000``, ``0.5``."""
    return str(value) if isinstance(value, int) else f"{value:g}"


@mutable_record
class Result:
    """What one exploration found and why it stopped."""

    model: str
    memory_model: str
    executions: int = 0
    blocked: int = 0
    elapsed_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    incomplete: list[Cut] = field(default_factory=list)  # why the run does not cover the bound
    outcomes: dict[Any, int] = field(default_factory=dict)  # final state -> executions
    witnesses: dict[Any, ExecutionGraph] = field(default_factory=dict)  # observe_only models
    positive: int = 0  # executions satisfying the condition (herd's Positive)
    negative: int = 0
    condition: str | None = None
    error: str | None = None
    stopped_early: bool = False  # stopped at the first violation
    bound: str = ""  # what a complete verdict covers: CPUs and the loop bound
    flags: dict[str, int] = field(default_factory=dict)  # model flag -> executions raising it

    def cut(self, why: Cut) -> None:
        """Record that ``why`` cut the run short (once each)."""
        if why not in self.incomplete:
            self.incomplete.append(why)

    @property
    def complete(self) -> bool:
        """Whether every execution of the bound was visited.  Every report asks this
        before it states a verdict: "safe" (and herd's Never, Always, Sometimes, Ok,
        No) only for a complete run."""
        return not self.incomplete

    def reset(self) -> None:
        """Forget every count (the exploration starts another pass); the findings stay,
        since each was found in an execution of the model."""
        fresh = Result(self.model, self.memory_model, bound=self.bound,
                       violations=self.violations, warnings=self.warnings)
        self.__dict__.update(fresh.__dict__)

    @property
    def status(self) -> Status:
        if self.error:
            return Status.ERROR
        if self.violations:
            return Status.VIOLATION  # found, so real, even in a run cut short
        if not self.complete:
            return Status.INCOMPLETE
        return Status.SAFE

    @property
    def verdict(self) -> Status | None:
        """The answer a report may state: a violation, "safe" for a complete run with
        nothing found; None (no verdict) for an incomplete one with nothing found."""
        status = self.status
        return None if status == Status.INCOMPLETE else status

    @property
    def exit_status(self) -> int:
        """0 safe, 1 violation, 2 error, 3 incomplete."""
        return EXIT_FOR[self.status]
