"""Many files, each checked whole: the command line's split by file (``smpcheck litmus``,
``smpcheck-herd``), and how many processes ``-j`` defaults to.  A module of its own,
apart from the split of one run into units (:mod:`.parallel`, :mod:`.workers`,
:mod:`.units`), which a run of many small files never imports."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any


def default_jobs() -> int:
    """The processes ``-j`` defaults to: the cores this process may run on."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return max(1, count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # (macOS)


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
