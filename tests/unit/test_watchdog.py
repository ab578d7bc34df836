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


def _stop_in_a_weakref_callback() -> None:
    """A Stop raised where the watchdog's tick may land: a weak reference's callback,
    which the interpreter runs for an object that goes away, and cannot raise from."""
    import weakref

    from smpcheck.results.result import Cut, Limit

    class Obj:
        pass

    obj = Obj()

    def callback(ref: Any) -> None:
        raise Stop(Cut(Limit.TIMEOUT, 1.0))

    ref = weakref.ref(obj, callback)
    del obj
    assert ref() is None


def test_a_stop_dropped_in_a_callback_prints_nothing(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """The interpreter drops a Stop raised in a callback and prints its traceback: the
    watchdog keeps it quiet (the next tick raises it again), and leaves other such
    exceptions, and the hook itself, as they were."""
    hook = sys.unraisablehook
    seen: list[Any] = []
    sys.unraisablehook = seen.append
    try:
        with Watchdog(5.0):
            _stop_in_a_weakref_callback()
            assert seen == []
        _stop_in_a_weakref_callback()  # (outside: the hook there was sees it)
        assert [type(u.exc_value) for u in seen] == [Stop]
        assert sys.unraisablehook == seen.append
    finally:
        sys.unraisablehook = hook
    assert capsys.readouterr().err == ""


_LATE_TICK = """
import os, signal
from smpcheck._rt.watchdog import Watchdog
with Watchdog(None):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    os.kill(os.getpid(), signal.SIGALRM)  # (a tick sent, not yet delivered)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
print("alive")
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no signal masks here")
def test_a_tick_sent_before_the_exit_and_delivered_after_it_ends_nothing() -> None:
    """A tick the kernel sent before the watchdog stopped its timer, delivered only once
    the watchdog has given SIGALRM back to its default action (late: valgrind delivers
    signals so), must not end the process: the exit takes it."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", _LATE_TICK], capture_output=True, text=True,
                          timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "alive"), done.stderr
