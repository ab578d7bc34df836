"""Where the work units of a split run run: worker processes, this process, Ray tasks.

A *runner* takes the units' tasks, in the walk's order, and yields their results in
that order, stopping when told the rest is not needed (:data:`Stop`).  Worker
processes start from a fork server (never from the calling process's state) and
build the model from its recipe; the calling process explores units itself while
they start, and then takes the units no worker has taken yet.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from smpcheck.errors import UsageError
from smpcheck.explore.units import Task, UnitResult, build, forget_built, run_unit

START_S = 0.0  # seconds this process explores units alone before workers are started


# -- running the units ---------------------------------------------------------------------
Stop = Callable[[int, UnitResult], bool]  # after unit i: whether the rest is not needed
Local = Callable[[Task], UnitResult]  # run a unit in this process
Runner = Callable[[list[Task], Stop, Local], Iterator[UnitResult]]


def run_processes(jobs: int, start_after: float = START_S) -> Runner:
    """Run tasks on ``jobs`` processes: this one and ``jobs - 1`` workers (forkserver:
    each starts from a process that has imported smpcheck, never from this one's
    state).  This process runs units in order, starts the workers once it has worked
    ``start_after`` seconds, goes on while they start, then takes the units no worker
    has taken yet; results come in order."""
    def runner(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
        if jobs < 2:
            yield from _in_order((local(t) for t in tasks), stop)
            return
        yield from _in_order(_with_workers(tasks, jobs - 1, local, start_after), stop)
    return runner


class _Workers:
    """A pool of worker processes started in the background, each with the model built
    (until then :attr:`pool` is None)."""

    def __init__(self, n: int, first: Task) -> None:
        import threading

        self.pool: Any = None
        self.closed = False
        self.lock = threading.Lock()
        self.ready = threading.Event()
        threading.Thread(target=self._start, args=(n, first), daemon=True).start()

    def _start(self, n: int, first: Task) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _quiet_manager_threads()
        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["smpcheck.explore.parallel",
                                        "smpcheck.explore.verify"])
            pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)
            pool.submit(_build_only, first.recipe, first.mm).result()
        except Exception:  # (no workers: this process runs every unit)
            pool = None
        with self.lock:
            self.pool = pool
            if self.closed:
                self._stop()
        self.ready.set()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self._stop()
        # A pool still starting is waited for (and then stopped by _start): a worker
        # whose parent is gone fails to unpickle its start-up data, and prints a
        # traceback on the user's terminal.
        self.ready.wait(timeout=30)

    def _stop(self) -> None:
        if self.pool is not None:
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()  # (a unit no longer needed: do not wait for it)
            self.pool.shutdown(wait=False, cancel_futures=True)


def _quiet_manager_threads() -> None:
    """Keep a pool's manager thread from printing a traceback when its workers are
    stopped: on Python 3.11 it sets an exception on each pending future, a future
    this process took back (cancelled) included, and set_exception raises
    InvalidStateError there (nothing is lost: the future was cancelled)."""
    import threading
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook
    if getattr(previous, "smpcheck_quiet", False):
        return

    def hook(args: Any) -> None:
        if isinstance(args.exc_value, InvalidStateError) and \
                type(args.thread).__name__ == "_ExecutorManagerThread":
            return
        previous(args)

    hook.smpcheck_quiet = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def _build_only(recipe: Any, mm: str) -> None:
    build(recipe, mm)


def _with_workers(tasks: list[Task], most: int, local: Local, start_after: float
                  ) -> Iterator[UnitResult]:
    """Each task's result in order: run here until the workers are up, then shared."""
    began = time.monotonic()
    workers: _Workers | None = None
    i = 0
    try:
        while i < len(tasks):
            if workers is None and len(tasks) - i > 1 and \
                    time.monotonic() - began >= start_after:
                workers = _Workers(min(most, len(tasks) - i - 1), tasks[i])
            if workers is not None and workers.ready.is_set():
                break
            yield local(tasks[i])
            i += 1
        rest = tasks[i:]
        if not rest:
            return
        if workers is None or workers.pool is None:
            yield from (local(t) for t in rest)
            return
        futures = [workers.pool.submit(run_unit, t) for t in rest]
        try:
            yield from _shared(rest, futures, local)
        finally:
            for f in futures:
                f.cancel()
    finally:
        if workers is not None:
            workers.close()


def _shared(tasks: list[Task], futures: list[Any], local: Local) -> Iterator[UnitResult]:
    """Each task's result in order; a task no worker has started is run here (from the
    front while the next result is not started, else from the back while waiting)."""
    results: list[UnitResult | None] = [None] * len(tasks)
    back = len(tasks) - 1
    for i, f in enumerate(futures):
        while results[i] is None:
            if f.cancel():
                results[i] = local(tasks[i])
            elif f.done() or back <= i:
                results[i] = f.result()
            else:
                if futures[back].cancel():
                    results[back] = local(tasks[back])
                back -= 1
        done = results[i]
        assert done is not None
        yield done


def _in_order(units: Iterable[UnitResult], stop: Stop) -> Iterator[UnitResult]:
    for i, u in enumerate(units):
        yield u
        if stop(i, u):
            return


def run_here(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
    """Run tasks one after the other in this process, each task and result sent through
    pickle as to another process, the model built again from its recipe (a fine split
    at ``-j 1``: tests, debugging)."""
    from smpcheck._rt.loader import REWRITTEN

    saved = {name: sys.modules[name] for name in REWRITTEN if name in sys.modules}
    try:
        yield from _in_order((pickle.loads(pickle.dumps(run_unit(pickle.loads(
            pickle.dumps(t))))) for t in tasks), stop)
    finally:  # (the model built again took its module's name: give the name back)
        forget_built()
        sys.modules.update(saved)


def run_ray(address: str) -> Runner:
    """Run tasks as Ray tasks on the cluster at ``address`` (``auto``, ``ray://host:port``
    or a head's ``host:port``), results in order."""
    def runner(tasks: list[Task], stop: Stop, local: Local) -> Iterator[UnitResult]:
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs Ray: pip install 'smpcheck[ray]'") from None
        if not ray.is_initialized():
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        remote = ray.remote(run_unit)
        refs = [remote.remote(t) for t in tasks]
        try:
            yield from _in_order((ray.get(ref) for ref in refs), stop)
        finally:
            for ref in refs:
                ray.cancel(ref)
    return runner


MAP_START_S = 0.5  # CPU seconds this process works through the items before workers start


def map_ordered(fn: Callable[[Any], Any], items: list[Any], jobs: int,
                start_after: float = MAP_START_S) -> Iterator[Any]:
    """``fn`` of each item, in order, on up to ``jobs`` worker processes (``fn`` and the
    items must pickle: a module's function, plain values); here if ``jobs`` < 2.
    Used to split many files by file.  The items are taken here, in order, until this
    process has worked ``start_after`` CPU seconds (a worker costs its start-up: the
    imports, the model built again); the items not yet begun then go to the workers."""
    if jobs < 2 or len(items) < 2:
        yield from map(fn, items)
        return
    split = _Split(fn, items, jobs, start_after)
    try:
        while (i := split.claim()) is not None:
            yield fn(items[i])
        yield from split.rest()
    finally:
        split.close()


class _Split:
    """The items of :func:`map_ordered` not yet claimed here, sent to a pool of worker
    processes once this process has worked enough (watched by a thread, so that a long
    item does not hold the others back)."""

    def __init__(self, fn: Callable[[Any], Any], items: list[Any], jobs: int,
                 start_after: float) -> None:
        import threading

        self.fn, self.items, self.jobs = fn, items, jobs
        self.next = 0  # the first item neither run here nor sent to the pool
        self.pool: Any = None
        self.futures: list[Any] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.began = time.process_time()
        if start_after <= 0:
            self._start()
        else:
            threading.Thread(target=self._watch, args=(start_after,), daemon=True).start()

    def _watch(self, start_after: float) -> None:
        while not self.done.wait(0.02):
            if time.process_time() - self.began >= start_after:
                self._start()
                return

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with self.lock:
            rest = self.items[self.next:]
            if self.done.is_set() or not rest:
                return
            try:
                ctx = multiprocessing.get_context("forkserver")
                self.pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(rest)),
                                                mp_context=ctx)
                self.futures = [self.pool.submit(self.fn, item) for item in rest]
            except Exception:  # (no workers: this process takes every item)
                self.pool, self.futures = None, []
                return
            self.next = len(self.items)

    def claim(self) -> int | None:
        """The next item to run here; None once the rest went to the pool (or none is left)."""
        with self.lock:
            if self.next >= len(self.items):
                return None
            self.next += 1
            return self.next - 1

    def rest(self) -> Iterator[Any]:
        """The pool's results, in order."""
        for f in self.futures:
            yield f.result()

    def close(self) -> None:
        with self.lock:
            self.done.set()
            if self.pool is not None:
                for f in self.futures:
                    f.cancel()
                self.pool.shutdown(wait=True, cancel_futures=True)
