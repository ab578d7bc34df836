"""Many independent items (files) mapped in order over worker processes: :func:`map_ordered`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

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
