"""The watchdog leaves no handler or timer behind, whenever its tick comes."""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType
from typing import Any

import pytest

from smpcheck._rt.runtime import Stop
from smpcheck._rt.watchdog import Watchdog

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no setitimer here")


def test_a_tick_as_the_watchdog_exits_leaves_nothing_behind() -> None:
    """A tick that lands on the first line of ``__exit__``, past the deadline, must not
    raise there: the exit would be cut short and the handler and its timer left on,
    to stop a later run that is not its own."""
    before = signal.getsignal(signal.SIGALRM)
    dog = Watchdog(0.001)
    ticked: list[bool] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code is Watchdog.__exit__.__code__ and not ticked:
            ticked.append(True)
            dog._tick(signal.SIGALRM, frame)  # (what the signal would do there)
        return None

    with pytest.raises(Stop), dog:
        time.sleep(0.01)
        dog._tick(signal.SIGALRM, sys._getframe())  # past the deadline: stops here
    sys.settrace(tracer)
    try:
        dog.active = True  # (as if the Stop had not yet ended the run: exit again)
        dog.__exit__(None, None, None)
    finally:
        sys.settrace(None)
    assert ticked and not dog.active
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
