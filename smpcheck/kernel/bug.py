"""<asm-generic/bug.h>: BUG, BUG_ON, WARN_ON."""

from __future__ import annotations

from typing import Any

from smpcheck._rt.runtime import Op, issue, warn

__smp_engine__ = True


def BUG() -> None:  # noqa: N802
    """This CPU hit a bug: the execution stops here with a finding."""
    issue(Op("ERR", text="assertion", message="BUG()"))


def BUG_ON(cond: Any) -> None:  # noqa: N802
    """BUG() if ``cond`` holds."""
    if cond:
        issue(Op("ERR", text="assertion", message="BUG_ON() triggered"))


def WARN_ON(cond: Any) -> Any:  # noqa: N802
    """Report a warning if ``cond`` holds; the CPU goes on.  Returns ``cond``."""
    if cond:
        warn(Op("WARN", message="WARN_ON() triggered"))
    return cond


WARN_ON_ONCE = WARN_ON

__all__ = [
    "BUG",
    "BUG_ON",
    "WARN_ON",
    "WARN_ON_ONCE",
]
