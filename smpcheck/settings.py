"""The bounds and switches of a run, each default written once.

:class:`Settings` is frozen: a callee that needs other settings makes its own
(:func:`smpcheck.records.replace`) and never changes its caller's.  Values are checked
when a Settings is made, so a bad bound is a usage error (exit 2) before any
exploration.  :meth:`Settings.from_environment` lets ``SMPCHECK_*`` variables
set the defaults of the bounds the command line also sets (an option given on
the command line wins); ``SMPCHECK_STALL_S`` is read by :func:`stall_seconds`
each time a run starts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from smpcheck.errors import UsageError
from smpcheck.records import field_names, record

__all__ = ["ENVIRONMENT", "IRQ_BOUND", "LOOP_BOUND", "MAX_EVENTS", "STALL_S", "Settings",
           "stall_seconds"]

LOOP_BOUND = 8  # iterations a loop that is not a spin wait may run
MAX_EVENTS = 2000  # events one CPU may issue in an execution
IRQ_BOUND = 1  # interrupts delivered to one CPU per execution (part of the bound)
STALL_S = 10.0  # seconds a CPU may run without reaching a kernel primitive

#: The environment variable that sets each bound's default (the command line wins).
ENVIRONMENT = {"max_executions": "SMPCHECK_MAX_EXECUTIONS", "timeout": "SMPCHECK_TIMEOUT",
               "loop_bound": "SMPCHECK_LOOP_BOUND", "max_events": "SMPCHECK_MAX_EVENTS"}


@record
class Settings:
    """Every bound and switch of an exploration (immutable; checked when made)."""

    max_executions: int | None = None
    timeout: float | None = None
    loop_bound: int = LOOP_BOUND
    max_events: int = MAX_EVENTS
    irq_bound: int = IRQ_BOUND
    all_violations: bool = False
    batch: int = 1  # complete executions judged together (deferred_inconsistencies)
    max_passes: int = 8  # explorations while the values reads may speculate grow
    # graphs a speculating pass may explore, per graph of the first pass (and at least
    # SPECULATION_FLOOR): speculation multiplies the branches of every read it may
    # apply to, and a model of many plain reads could otherwise run for hours
    speculation_factor: int = 30
    jobs: int = 1  # processes exploring parts of the tree (smpcheck.explore.parallel)
    ray: str | None = None  # a Ray cluster's address: run the parts as Ray tasks
    split_depth: int | None = None  # cut the tree at this depth (tests: a fine split)

    def __post_init__(self) -> None:
        for name in field_names(type(self)):
            value = getattr(self, name)
            if name == "all_violations":
                if not isinstance(value, bool):
                    raise UsageError(f"Settings.all_violations is True or False, not {value!r}")
            elif name == "timeout":
                if value is not None and not _seconds(value):
                    raise UsageError(f"Settings.timeout takes a finite number of seconds "
                                     f"above 0 (or None), not {value!r}")
            elif name == "ray":
                if value is not None and not (isinstance(value, str) and value):
                    raise UsageError(f"Settings.ray takes a cluster address, not {value!r}")
            elif name == "irq_bound":
                if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                    raise UsageError(f"Settings.irq_bound takes a whole number, not {value!r}")
            elif not (value is None and name in ("max_executions", "split_depth")) \
                    and not _count(value):
                raise UsageError(f"Settings.{name} takes a whole number of at least 1, "
                                 f"not {value!r}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         **given: Any) -> Settings:
        """Settings whose bounds not in ``given`` (or given as None) come from
        :data:`ENVIRONMENT`'s variables when set, else from the defaults."""
        env = os.environ if environ is None else environ
        stall_seconds(env)  # (checked here, before any model runs: not a model line's fault)
        values = {k: v for k, v in given.items() if v is not None}
        for name, var in ENVIRONMENT.items():
            text = env.get(var)
            if name in values or text is None:
                continue
            values[name] = _from_text(var, text, float if name == "timeout" else int)
            try:
                cls(**{name: values[name]})
            except UsageError as exc:
                raise UsageError(f"{var}={text!r}: {exc.message}") from None
        return cls(**values)


def stall_seconds(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a CPU may run between kernel primitives: ``SMPCHECK_STALL_S`` or
    :data:`STALL_S`."""
    text = (os.environ if environ is None else environ).get("SMPCHECK_STALL_S")
    if text is None:
        return STALL_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"SMPCHECK_STALL_S={text!r}: give a number of seconds above 0")
    return value


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _seconds(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def _from_text(var: str, text: str, kind: type[int] | type[float]) -> int | float:
    """A variable's value as a number; a usage error naming the variable if it is none."""
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number of seconds"
        raise UsageError(f"{var}={text!r}: give {what}") from None
