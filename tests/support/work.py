"""Items for ``map_ordered``'s tests: module functions, so that worker processes can
unpickle them (this module imports nothing of smpcheck: workers start quickly)."""

from __future__ import annotations

import os
import time


def where(item: tuple[int, float]) -> tuple[int, int]:
    """``(item's number, the process that ran it)``, after burning ``item[1]`` CPU
    seconds in that process."""
    n, cpu = item
    end = time.process_time() + cpu
    while time.process_time() < end:
        pass
    return n, os.getpid()
