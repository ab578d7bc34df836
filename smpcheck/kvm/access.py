"""How the models read an entry through a pointer, as a helper the report looks through.

The table shows the line of the caller (``rmap_get_first(...)``), not of these
one-line helpers: frames here count as the engine's (see ``_runtime.user_source``).
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel import READ_ONCE

__smp_engine__ = True


def plain_load(p: Any) -> Any:
    """``*p``: how 3.9 reads rmap entries (under mmu_lock)."""
    return p[0]


def ONCE(p: Any) -> Any:  # reads as the macro
    """``ACCESS_ONCE(*p)``."""
    return READ_ONCE(p[0])
