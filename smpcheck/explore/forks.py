"""A worker process forked from this one (:class:`Fork`), and what it runs (:func:`serve`).

The worker explores with the model and caches of the process it was forked from
(:func:`~smpcheck.explore.units.adopt`); tasks go in and results come out through
pipes, pickled; a third pipe holds the tokens by which either process claims a unit
task not yet begun (:func:`own_token`, :meth:`Fork.claim`).
"""

from __future__ import annotations

import contextlib
import os
import struct
from typing import Any

from smpcheck.errors import InternalError
from smpcheck.explore.units import Plan, Task, UnitResult, adopt, plan_units, run_unit


class Fork:
    """A worker process forked from this one, fed through two pipes: each task in, its
    result (or the exception it raised) out, pickled.  No pool: a pool's modules
    (multiprocessing, concurrent.futures: sockets, subprocess, tempfile) cost this
    process 12 ms to import, its threads three hops of the interpreter lock per
    task.  The worker ends when its task pipe closes (this process gone) or when
    :meth:`stop` kills it; it ignores Ctrl-C (this process stops it).

    A third pipe holds a token per unit task sent (its number), read (without waiting)
    by whichever process comes first: the worker before it begins the task (it puts
    back the others it read), or this process taking back the tasks not begun
    (:meth:`claim`); a task whose token is gone is sent back unexplored (None)."""

    OPEN: list[int] = []  # this process's ends of every worker's pipes (closed in a worker)

    def __init__(self) -> None:
        import gc

        tasks_r, tasks_w = os.pipe()
        results_r, results_w = os.pipe()
        tokens_r, tokens_w = os.pipe()
        os.set_blocking(tokens_r, False)
        gc.freeze()  # (the worker's collections skip, and so do not copy, what it inherits)
        pid = -1
        try:
            pid = os.fork()
        except OSError:  # (EAGAIN, ENOMEM: the caller falls back; no descriptor kept)
            for fd in (tasks_r, tasks_w, results_r, results_w, tokens_r, tokens_w):
                os.close(fd)
            raise
        finally:
            if pid != 0:
                gc.unfreeze()
        if pid == 0:  # (the worker: never returns)
            code = 1
            try:
                for fd in (tasks_w, results_r, *Fork.OPEN):
                    os.close(fd)
                serve(tasks_r, results_w, (tokens_r, tokens_w))
                code = 0
            finally:
                os._exit(code)
        os.close(tasks_r)
        os.close(results_w)
        Fork.OPEN += [tasks_w, results_r, tokens_r, tokens_w]
        self.pid: int | None = pid
        self.fds: tuple[int, ...] = (tasks_w, results_r, tokens_r, tokens_w)
        self.tasks = os.fdopen(tasks_w, "wb", closefd=False)
        self.results = os.fdopen(results_r, "rb", closefd=False)
        self.sent = 0  # unit tasks sent (the last one's number)

    def send(self, task: Task | Plan) -> int | None:
        """Send ``task``; a unit task's number (its token's)."""
        import pickle

        number = None
        if isinstance(task, Task):
            self.sent = number = self.sent + 1
            os.write(self.fds[3], TOKEN.pack(number))  # (before the task, for the worker)
        pickle.dump((number, task), self.tasks, pickle.HIGHEST_PROTOCOL)
        self.tasks.flush()
        return number

    def receive(self) -> UnitResult:
        """The next task's result; None for a task taken back (:meth:`claim`)."""
        import pickle

        try:
            ok, value = pickle.load(self.results)
        except (EOFError, OSError, ValueError):
            raise InternalError("a worker process ended before it sent its result") from None
        if not ok:
            raise value
        result: UnitResult = value
        return result

    def claim(self) -> set[int]:
        """Take back the unit tasks sent and not begun: their numbers (none once
        :meth:`done`)."""
        return read_tokens(self.fds[2]) if self.fds else set()

    def done(self) -> None:
        """Close this process's ends (by the thread feeding it, when it has stopped):
        the worker reads the end of its tasks, and ends."""
        fds, self.fds = self.fds, ()
        for fd in fds:
            with contextlib.suppress(ValueError):
                Fork.OPEN.remove(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    def stop(self) -> None:
        """Kill the worker and reap it (no zombie); a thread waiting for its result then
        reads the end of the pipe."""
        import signal

        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


TOKEN = struct.Struct("<I")  # a unit task's token: its number (written whole: < PIPE_BUF)


def read_tokens(fd: int) -> set[int]:
    """The tokens in pipe ``fd``, read without waiting."""
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)  # (whole tokens: each was written whole)
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
    return {n for (n,) in TOKEN.iter_unpack(data)}


def own_token(tokens: tuple[int, int], number: int) -> bool:
    """(In a worker) whether task ``number``'s token is still there, taking it; the
    other tokens read are put back."""
    got = read_tokens(tokens[0])
    others = got - {number}
    if others:
        os.write(tokens[1], b"".join(TOKEN.pack(n) for n in others))
    return number in got


def serve(tasks_fd: int, results_fd: int, tokens: tuple[int, int]) -> None:
    """(In a forked worker) explore each task read (or plan the units a :class:`Plan`
    asks for), send its result, until EOF."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    adopt()
    tasks = os.fdopen(tasks_fd, "rb")
    results = os.fdopen(results_fd, "wb")
    while True:
        try:
            number, task = pickle.load(tasks)
        except EOFError:
            return
        if number is not None and not own_token(tokens, number):
            out: tuple[bool, Any] = (True, None)  # (taken back: the other process runs it)
        else:
            try:
                out = (True, plan_units(task) if isinstance(task, Plan) else run_unit(task))
            except Exception as exc:
                out = (False, exc)
        try:
            data = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # (an exception that does not pickle)
            data = pickle.dumps((False, InternalError(f"in a worker process: {exc!r}")))
        results.write(data)
        results.flush()
