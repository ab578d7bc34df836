"""Stopping a check from outside model code: the timeout, Ctrl-C, and a CPU that never
comes back.

Model code is plain Python: a ``for`` loop over ``itertools.count()`` never calls
the runtime, so no check between events can stop it.  While a model is being
checked, a timer ticks every quarter second (``signal.setitimer``); its handler
runs in whichever greenlet is current, and raises a :class:`~smpcheck._rt.runtime.Stop`
there when

* the ``--timeout`` has passed (on a CPU's greenlet or the explorer's), or
* the same CPU has run for ``SMPCHECK_STALL_S`` seconds (default 10) without
  reaching a kernel primitive: smpcheck cannot tell an endless loop from a long
  computation, so it stops, and the verdict is incomplete, naming the line the CPU
  was running.

The runtime lets a Stop through model code and the verifier turns it into an
incomplete result (exit 3).  A real Ctrl-C raises
:class:`~smpcheck._rt.runtime.Interrupted`, so that a KeyboardInterrupt the model
raises itself is reported as the model's.  Where signals cannot be used (not the
main thread, no ``setitimer``) nothing is installed, and the explorer's own check
of the timeout between executions is all there is.  Pure C code (one huge
``sum``) is not interrupted until it returns to Python.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import greenlet

from smpcheck._rt.runtime import Interrupted, Stop, frame_source
from smpcheck.graph.events import NO_SOURCE
from smpcheck.results.result import Cut, Limit
from smpcheck.settings import stall_seconds

__smp_engine__ = True

TICK_S = 0.25
_monotonic = time.monotonic  # (bound before anything can replace time.monotonic)


def _signals_usable() -> bool:
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


@contextmanager
def interrupts() -> Iterator[None]:
    """Within: a Ctrl-C raises Interrupted (a KeyboardInterrupt the engine owns)."""
    if not _signals_usable() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        raise Interrupted

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class Watchdog:
    """Within ``with Watchdog(timeout):``, the timeout and the stall limit hold even in
    pure-Python model code (see the module docstring)."""

    def __init__(self, timeout: float | None, stall: float | None = None) -> None:
        self.timeout = timeout
        self.stall = stall_seconds() if stall is None else stall
        self.active = False
        self.deadline: float | None = None
        self.seen: tuple[Any, int] | None = None  # (CPU, its position) at the last tick
        self.since = 0.0  # when the current CPU was first seen there
        self.old_handler: Any = None
        self.old_hook: Any = None
        self.old_timer = (0.0, 0.0)
        self.start = 0.0

    def __enter__(self) -> Watchdog:
        if not _signals_usable():
            return self
        start = _monotonic()
        self.deadline = None if self.timeout is None else start + self.timeout
        self.old_handler = signal.signal(signal.SIGALRM, self._tick)
        self.old_timer = signal.setitimer(signal.ITIMER_REAL, TICK_S, TICK_S)
        self.old_hook = sys.unraisablehook
        sys.unraisablehook = self._dropped
        self.start = start
        self.active = True
        return self

    def _dropped(self, unraisable: Any) -> None:
        """A Stop raised where the interpreter cannot pass it on (a callback of the
        garbage collector, a weak reference's) is dropped there: the run goes on, and
        the next tick raises it again (a CPU it unwound raises it at its next step).
        Nothing is printed; anything else goes to the hook there was."""
        if not isinstance(unraisable.exc_value, Stop):
            self.old_hook(unraisable)

    def __exit__(self, *exc: object) -> None:
        if not self.active:
            return
        self.active = False
        _stop_timer(self.old_handler)
        sys.unraisablehook = self.old_hook
        delay, interval = self.old_timer  # (a timer someone else had set goes on)
        if delay > 0:
            left = delay - (_monotonic() - self.start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), interval)

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        if not self.active or (frame is not None and frame.f_code is _EXIT):
            return  # (a Stop raised in __exit__ would leave this handler and timer on)
        now = _monotonic()
        cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
        if self.deadline is not None and now >= self.deadline:
            assert self.timeout is not None
            self._stop(cpu, Cut(Limit.TIMEOUT, self.timeout))
        mark = None if cpu is None else (cpu, cpu.pos)
        if cpu is None or mark is None or self.seen is None \
                or mark[0] is not self.seen[0] or mark[1] != self.seen[1]:
            self.seen, self.since = mark, now
            return
        if now - self.since >= self.stall:
            src = frame_source(frame)
            self._stop(cpu, Cut(Limit.STALL, self.stall, None if src is NO_SOURCE else src,
                                cpu.tid))

    @staticmethod
    def _stop(cpu: Any, cut: Cut) -> None:
        """Raise a Stop here; a CPU it unwinds raises it again if its code goes on."""
        stop = Stop(cut)
        if cpu is not None:
            cpu.unwinding = stop
        raise stop


_EXIT = Watchdog.__exit__.__code__


def _stop_timer(handler: Any) -> None:
    """Stop the timer and give SIGALRM back to ``handler``, with a tick already sent and
    not yet delivered taken first: delivered after the handler is given back (most
    often the default action), it would end the process (valgrind, which delivers
    signals late, showed it)."""
    if not hasattr(signal, "pthread_sigmask"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler)
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if signal.SIGALRM in signal.sigpending():
            signal.sigwait({signal.SIGALRM})
        signal.signal(signal.SIGALRM, handler)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
