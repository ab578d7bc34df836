"""Where the work units of a split run run: worker processes, this process, Ray tasks.

A *runner* takes the units' tasks, in the walk's order, and yields their results in
that order, stopping when told the rest is not needed (:data:`Stop`).  Worker
processes are forked from the calling process where that is safe, and then explore
with its model and caches, else start from a fork server and build the model again
from its recipe.  The calling process walks the units from the first on while the
workers take runs of them from the last one backwards (:class:`_BothEnds`).
"""

from __future__ import annotations

import collections
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from smpcheck.errors import UsageError
from smpcheck.explore.units import (
    Frontier,
    Task,
    UnitResult,
    adopt,
    build,
    forget_built,
    run_unit,
)

START_S = 0.0  # seconds this process explores units alone before workers are started
SWITCH_S = 0.0005  # the interpreter's switch interval while workers are fed
SHARE = 2  # a worker takes 1/(SHARE * processes) of the tasks left at a time
AHEAD = 2  # runs sent to a worker at a time (its next one is there when it ends one)


# -- running the units ---------------------------------------------------------------------
Stop = Callable[[int, UnitResult], bool]  # after unit i: whether the rest is not needed
Local = Callable[[Task], UnitResult]  # run a unit in this process
Runner = Callable[[list[Task], Stop, Local], Iterator[UnitResult]]


def run_processes(jobs: int, start_after: float = START_S) -> Runner:
    """Run tasks on ``jobs`` processes: this one and ``jobs - 1`` workers (:class:`_Workers`).
    This process runs units in order for ``start_after`` seconds, then starts the
    workers and shares the rest with them (:class:`_BothEnds`); results come in order."""
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
        self.size = n
        self.closed = False
        self.lock = threading.Lock()
        self.ready = threading.Event()
        pool, built = _forked(n, first)  # (at once, from this thread, where it can)
        threading.Thread(target=self._start, args=(n, first, pool, built),
                         daemon=True).start()

    def _start(self, n: int, first: Task, pool: Any, built: Any) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _quiet_manager_threads()
        try:
            if pool is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["smpcheck.explore.parallel",
                                            "smpcheck.explore.verify"])
                pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)
                built = pool.submit(_build_only, first.recipe, first.mm)
            built.result()
        except Exception:  # (no workers: this process runs every unit)
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
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


def _fork_safe() -> bool:
    """Whether this process may fork workers: Linux, and this thread its only one."""
    import threading

    return sys.platform.startswith("linux") and threading.active_count() == 1 and \
        threading.current_thread() is threading.main_thread()


def _forked(n: int, first: Task) -> tuple[Any, Any]:
    """A pool of ``n`` workers forked from this process, and the future of their first
    task (building the model), where forking is safe: on Linux, from a process whose
    only thread is this one (no lock another thread holds is copied locked), so the
    workers start in milliseconds rather than importing smpcheck again (a fork server
    takes about 0.4 s, a quarter of a 10,000-execution run).  A worker explores with
    the model of this process and what its explorations share, as they were when it
    was forked (:func:`~smpcheck.explore.units.lent`): as this process's own later
    units do, without building the model again and running each CPU history again.
    (None, None) where forking is not safe."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if not _fork_safe():
        return None, None
    try:
        pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork"),
                                   initializer=adopt)
        return pool, pool.submit(_build_only, first.recipe, first.mm)
    except Exception:  # (the fork server's pool instead)
        return None, None


def _with_workers(tasks: list[Task], most: int, local: Local, start_after: float
                  ) -> Iterator[UnitResult]:
    """Each task's result in order: run here for ``start_after`` seconds, then shared
    with the workers (:class:`_BothEnds`)."""
    began = time.monotonic()
    i = 0
    while i < len(tasks) and time.monotonic() - began < start_after:
        yield local(tasks[i])
        i += 1
    rest = tasks[i:]
    if len(rest) < 2:
        yield from (local(t) for t in rest)
        return
    workers = _Workers(min(most, len(rest) - 1), rest[0])
    try:
        yield from _BothEnds(rest, workers, local).in_order()
    finally:
        workers.close()


class _BothEnds:
    """This process walks the tasks from the first on, all in one walk (one set-up, the
    nodes above them walked once), while each worker takes runs of them from the last
    one backwards (:class:`~smpcheck.explore.units.Frontier`): a :data:`SHARE` of
    what is left between them at a time, its next run sent before it ends the last.
    They meet where the walk ends.  Results: this process's walk (the tasks before
    the first run taken), then each run's, in the tasks' order."""

    def __init__(self, tasks: list[Task], workers: _Workers, local: Local) -> None:
        import threading

        self.tasks, self.workers, self.local = tasks, workers, local
        self.frontier = Frontier([t.path for t in tasks])
        self.results: dict[int, UnitResult] = {}  # a run's first task -> its result
        self.failed: dict[int, BaseException] = {}
        self.taken: list[int] = []  # the first task of each run taken
        self.changed = threading.Condition()
        self.feeding = workers.size
        for _ in range(workers.size):
            threading.Thread(target=self._feed, daemon=True).start()

    def _feed(self) -> None:
        """One worker's runs, once the workers are up (none if they could not start)."""
        self.workers.ready.wait()
        sent: collections.deque[tuple[int, Any]] = collections.deque()
        failed = False
        share = SHARE * (self.workers.size + 1)
        try:
            if self.workers.pool is None:
                return
            while True:
                while len(sent) < AHEAD and not failed and \
                        (run := self.frontier.take(share)) is not None:
                    i, end = run
                    task = replace(self.tasks[i], more=tuple(t.path for t in
                                                             self.tasks[i + 1:end]))
                    with self.changed:
                        self.taken.append(i)
                    sent.append((i, self.workers.pool.submit(run_unit, task)))
                if not sent:
                    return
                i, future = sent.popleft()
                try:
                    result = future.result()
                except BaseException as exc:  # (raised in the run's turn)
                    with self.changed:
                        self.failed[i] = exc
                    failed = True
                    continue
                with self.changed:
                    self.results[i] = result
                    self.changed.notify_all()
        finally:
            with self.changed:
                self.feeding -= 1
                self.changed.notify_all()

    def in_order(self) -> Iterator[UnitResult]:
        """This process's walk, then each run's result in order."""
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_S)
        try:
            first = self.tasks[0]
            mine = self.local(replace(first, more=tuple(t.path for t in self.tasks[1:]),
                                      frontier=self.frontier))
        finally:
            self.frontier.close()
            sys.setswitchinterval(interval)
        yield mine
        with self.changed:
            while self.feeding:  # (every run is taken once the walk has ended)
                self.changed.wait()
            runs = sorted(self.taken)
        for i in runs:
            with self.changed:
                while i not in self.results and i not in self.failed:
                    self.changed.wait()
                if i in self.failed:
                    raise self.failed[i]
                done = self.results[i]
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
    import pickle

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
