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
import contextlib
import itertools
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from smpcheck.errors import InternalError, UsageError
from smpcheck.explore.forks import Fork
from smpcheck.explore.split import Frontier, Path
from smpcheck.explore.units import (
    Plan,
    Task,
    UnitResult,
    build,
    forget_built,
    fresh_rechecks,
    learn,
    run_unit,
)
from smpcheck.records import replace

if TYPE_CHECKING:
    from smpcheck.explore.session import Carried

_monotonic = time.monotonic  # (bound before a run guards time.monotonic against model code)
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
    """Worker processes, each fed through a channel (:attr:`channels`, one per worker:
    ``send`` a task, ``receive`` the results in the order sent): forked at once where
    that is safe (:func:`_forked`), else a fork server's pool started in the
    background, each with the model built (until then :attr:`channels` is empty)."""

    def __init__(self, n: int, first: Task, pool: bool = True) -> None:
        import threading

        self.pool: Any = None
        self.size = n
        self.closed = False
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.channels: list[Any] = []
        forked = _forked(n, first)  # (at once, from this thread, where it can)
        if forked is not None or not pool:  # (``pool`` false: forked workers or none)
            self.channels = forked or []
            self.ready.set()
            return
        threading.Thread(target=self._start, args=(n, first), daemon=True).start()

    def _start(self, n: int, first: Task) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _quiet_manager_threads()
        pool = None
        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["smpcheck.explore.parallel",
                                        "smpcheck.explore.verify"])
            pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)
            pool.submit(_build_only, first.recipe, first.mm).result()
        except Exception:  # (no workers: this process runs every unit)
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        with self.lock:
            self.pool = pool
            if pool is not None:
                self.channels = [_Pooled(pool) for _ in range(n)]
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
        for channel in self.channels:
            if isinstance(channel, Fork):
                channel.stop()
        if self.pool is not None:
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()  # (a unit no longer needed: do not wait for it)
            self.pool.shutdown(wait=False, cancel_futures=True)


class _Pooled:
    """One worker's share of a pool: tasks submitted, results in the order sent."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.futures: collections.deque[Any] = collections.deque()

    def send(self, task: Task) -> int | None:
        self.futures.append(self.pool.submit(run_unit, task))
        return None

    def receive(self) -> UnitResult:
        result: UnitResult = self.futures.popleft().result()
        return result

    def claim(self) -> set[int]:
        """Tasks sent and not begun that this process takes back: none (a pool's)."""
        return set()



def _alarms_to_the_main_thread() -> None:
    """(In a thread feeding workers) SIGALRM blocked here, so that the watchdog's ticks
    (:mod:`smpcheck._rt.watchdog`) reach the main thread alone: it stops their timer
    before it restores the handler it replaced, and a tick taken by this thread after
    that restore would end the process (SIGALRM's default action; seen under valgrind,
    whose slower clock widens the window).  Only threads that start no process: a
    process started from here would inherit the mask."""
    import signal

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})


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


def _forked(n: int, first: Task) -> list[Fork] | None:
    """``n`` workers forked from this process (:class:`Fork`), where forking is safe: on
    Linux, from a process whose only thread is this one (no lock another thread holds
    is copied locked), so the workers start in a millisecond rather than importing
    smpcheck again (a fork server takes about 0.4 s, a quarter of a 10,000-execution
    run).  A worker explores with the model of this process and what its
    explorations share, as they were when it was forked
    (:func:`~smpcheck.explore.units.lent`): as this process's own later units do,
    without building the model again and running each CPU history again.  None where
    forking is not safe."""
    if not _fork_safe():
        return None
    forks: list[Fork] = []
    try:
        for _ in range(n):
            forks.append(Fork())
    except OSError:  # (the fork server's pool instead)
        for f in forks:
            f.stop()
            f.done()
        return None
    return forks


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
        both = _BothEnds(rest[0], Frontier([t.path for t in rest]), workers)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_S)
        try:
            mine = local(replace(rest[0], more=tuple(t.path for t in rest[1:]),
                                 frontier=both.frontier))
        finally:
            both.frontier.close()
            sys.setswitchinterval(interval)
        yield mine
        yield from both.runs(local)
    finally:
        workers.close()


class _BothEnds:
    """This process walks the units from the first on, all in one walk (one set-up, the
    nodes above them walked once), while each worker takes runs of them from the last
    one backwards (:class:`~smpcheck.explore.split.Frontier`): a :data:`SHARE` of
    what is left between them at a time, its next run sent before it ends the last.
    They meet where the walk ends; this process then takes back the runs sent and
    not begun (:meth:`Fork.claim`) and halves each with its worker while the
    workers end theirs (:meth:`_halves`).  Results (:meth:`runs`, once the walk has
    ended): each run's, in the units' order, after the walk's.  ``template``: the
    task of every unit but for its path; ``plan``: the processes to plan the units
    for, in the first worker, when the walk began before they were known
    (:class:`Sharing`); ``carried``: this process's, to which the values the workers
    re-ran CPUs on are added as their results come (:func:`~smpcheck.explore.units.learn`:
    not re-run here again)."""

    def __init__(self, template: Task, frontier: Frontier, workers: _Workers,
                 plan: int | None = None, carried: Carried | None = None) -> None:
        import threading

        self.template, self.frontier, self.workers = template, frontier, workers
        self.carried = carried
        self.known = threading.Event()  # (the units are)
        if plan is None:
            self.known.set()
        # (a run is named by its first unit's path: runs in the walk's order are sorted)
        self.results: dict[Path, UnitResult] = {}  # a run -> its result
        self.failed: dict[Path, BaseException] = {}
        self.taken: dict[Path, tuple[Path, ...]] = {}  # each run taken -> its units
        self.sent = [collections.deque[Path]() for _ in range(workers.size)]  # unanswered
        self.claimed: dict[Path, int] = {}  # runs taken back -> the worker they were sent to
        self.numbers: list[dict[int, Path]] = [{} for _ in range(workers.size)]  # task -> run
        self.ended: set[int] = set()  # the workers whose feeding ended
        self.claiming = False  # (the walk has ended: no more runs are sent)
        self.changed = threading.Condition()
        self.feeding = workers.size
        for k in range(workers.size):
            threading.Thread(target=self._feed, args=(k, plan), daemon=True).start()

    def _task(self, i: Path) -> Task:
        """Run ``i``'s task, with the values this process re-ran CPUs on since its last
        task (to one worker only: another re-runs them if it meets them)."""
        units = self.taken[i]
        known = () if self.carried is None else tuple(fresh_rechecks(self.carried))
        return replace(self.template, path=units[0], more=units[1:], rechecked=known)

    def _plan(self, channel: Any, jobs: int) -> None:
        """The units, planned by worker ``channel`` (none if it fails: this process's
        walk then explores them all)."""
        units: list[Path] = []
        try:
            channel.send(Plan(self.template, jobs))
            units = channel.receive()
        except BaseException:  # (stopped, or gone: nothing was taken)
            pass
        finally:
            self.frontier.share(units)
            self.known.set()

    def _send(self, k: int, channel: Any, share: int) -> bool:
        """Take a run and send it to worker ``k``: whether one was sent."""
        with self.changed:
            run = None if self.claiming else self.frontier.take(share)
            if run is None:
                return False
            self.taken[run[0]] = tuple(run)
            self._send_run(k, run[0])
            return True

    def _send_run(self, k: int, i: Path) -> None:
        """(Holding the lock) send run ``i`` to worker ``k``; OSError: it is gone."""
        self.sent[k].append(i)
        number = self.workers.channels[k].send(self._task(i))
        if number is not None:
            self.numbers[k][number] = i

    def _take_back(self, k: int) -> None:
        """(Holding the lock) the runs sent to worker ``k`` and not begun are this
        process's."""
        for number in self.workers.channels[k].claim():
            i = self.numbers[k].get(number)  # (None: a send that failed half way)
            if i is not None:
                self.claimed[i] = k

    def _feed(self, k: int, plan: int | None) -> None:
        """Worker ``k``'s runs, once the workers are up (none if they could not start)."""
        _alarms_to_the_main_thread()
        self.workers.ready.wait()
        sent = self.sent[k]
        failed = False
        share = SHARE * (self.workers.size + 1)
        channel = self.workers.channels[k] if len(self.workers.channels) > k else None
        try:
            if channel is None:
                return
            if not self.known.is_set() and plan is not None and k == 0:
                self._plan(channel, plan)
            self.known.wait()
            while True:
                try:
                    while len(sent) < AHEAD and not failed and self._send(k, channel, share):
                        pass
                except OSError:
                    failed = True
                with self.changed:  # (this process may send it a run back: _halves)
                    if not sent:
                        self.ended.add(k)
                        return
                try:
                    result = channel.receive()
                except BaseException as exc:  # (raised in the run's turn)
                    result, failed = exc, True
                if self.carried is not None and isinstance(result, UnitResult):
                    learn(self.carried, result.rechecked)
                with self.changed:
                    i = sent.popleft()
                    if i not in self.claimed:
                        if isinstance(result, UnitResult):
                            self.results[i] = result
                        else:
                            self.failed[i] = result if isinstance(result, BaseException) \
                                else InternalError("a worker gave back a run not taken back")
                    self.changed.notify_all()
        finally:
            with self.changed:  # (not while this process claims its runs back)
                if isinstance(channel, Fork):
                    channel.done()
                self.ended.add(k)
                self.feeding -= 1
                self.changed.notify_all()

    def _claim(self) -> None:
        """No more runs are sent; the runs sent and not begun are this process's."""
        with self.changed:
            self.claiming = True
            for k in range(len(self.workers.channels)):
                if k not in self.ended:
                    self._take_back(k)

    def _halves(self, i: Path, local: Local) -> Iterator[UnitResult]:
        """The results of run ``i``, taken back from its worker: this process explores
        its first half and sends the second back to that worker, behind the run it is
        ending; taken back again if it has not begun it when this process is done,
        and so on (the worker does not wait while this process explores a run it could
        have shared)."""
        while True:
            k, units = self.claimed[i], self.taken[i]  # (kept: its worker sends back None)
            half = (len(units) + 1) // 2
            mid = units[half] if half < len(units) else i
            with self.changed:
                back = len(units) > 1 and k not in self.ended
                if back:
                    self.taken[i], self.taken[mid] = units[:half], units[half:]
                    with contextlib.suppress(OSError):  # (the worker is gone: receive says so)
                        self._send_run(k, mid)
            yield local(self._task(i))
            if not back:
                return
            with self.changed:
                if k not in self.ended:
                    self._take_back(k)
            if mid not in self.claimed:
                yield self._result(mid)
                return
            i = mid

    def _result(self, i: Path) -> UnitResult:
        """Run ``i``'s result from its worker, once it has come."""
        with self.changed:
            while i not in self.results and i not in self.failed:
                self.changed.wait()
            if i in self.failed:
                raise self.failed[i]
            return self.results[i]

    def runs(self, local: Local) -> Iterator[UnitResult]:
        """Each run's result in order (call once the walk has ended and the frontier is
        closed), the runs taken back explored here by ``local``: a plan not yet made
        is given up (its worker stopped)."""
        if not self.known.is_set():
            self.workers.close()
        self._claim()
        for i in sorted(self.taken):
            if i in self.claimed:
                yield from self._halves(i, local)
            else:
                yield self._result(i)


class Sharing(Frontier):
    """The frontier of one walk of the whole tree (``Split(frontier=...)``) that shares
    it with workers once it has gone on for ``after`` seconds (``pops`` nodes, if
    given: tests): at that node, from the walk, ``jobs - 1`` workers are forked (where
    forking is safe, :func:`_forked`), with this process's model and caches as they
    are (:func:`~smpcheck.explore.units.lent`).  The first plans the units
    (:class:`~smpcheck.explore.units.Plan`) while the walk goes on, and then they take
    runs of them from the last one backwards (:class:`_BothEnds`).  Nothing is
    stopped, walked again or waited for: the walk so far counts as it is, the
    workers' start-up runs beside it.  A second pass (reads that speculate) walks
    nothing (:attr:`spoiled`): the run is then made in one process, whose passes
    skip the graphs they reach again, which a walk by positions cannot."""

    def __init__(self, template: Task, jobs: int, after: float, pops: int | None = None,
                 carried: Carried | None = None) -> None:
        super().__init__([])
        self.template, self.jobs, self.carried = template, jobs, carried
        self.due = _monotonic() + after
        self.pops = pops
        self.passes = 0
        self.spoiled = False
        self.watching = True  # (until the workers are forked: :meth:`watch`)
        self.workers: _Workers | None = None
        self.both: _BothEnds | None = None
        self.interval = sys.getswitchinterval()

    @staticmethod
    def possible() -> bool:
        """Whether workers may be forked from this process (:func:`_fork_safe`)."""
        return _fork_safe()

    def watch(self) -> bool:
        """(At each node until the workers are forked, or in a spoiled pass) fork them
        when due; whether the walk may go on."""
        if self.spoiled:
            return False
        if self.pops is None:
            due = _monotonic() >= self.due
        else:
            self.pops -= 1
            due = self.pops < 0
        if due:
            self.watching = False
            self._lend()
        return True

    def pass_begins(self) -> None:
        self.passes += 1
        if self.passes > 1:
            self.spoiled = self.watching = True

    def _lend(self) -> None:
        import pickle  # noqa: F401 - (imported once, here: not again in each worker)

        if not _fork_safe():
            return
        workers = _Workers(self.jobs - 1, self.template, pool=False)
        if not workers.channels:
            return
        self.workers = workers
        sys.setswitchinterval(SWITCH_S)
        self.both = _BothEnds(self.template, self, workers, plan=self.jobs,
                              carried=self.carried)

    def close(self) -> None:
        """The walk ended: no more runs are taken."""
        super().close()
        sys.setswitchinterval(self.interval)

    def runs(self, mine: UnitResult, stop: Stop, local: Local) -> Iterator[UnitResult]:
        """After the walk (``mine``, its result) and :meth:`close`: it, then each run's
        result in order (those taken back explored here by ``local``), until ``stop``
        says the rest is not needed."""
        rest = self.both.runs(local) if self.both is not None else iter(())
        yield from _in_order(itertools.chain([mine], rest), stop)

    def stop(self) -> None:
        """Stop the workers (at the end, or when the rest is not needed)."""
        if self.workers is not None:
            self.workers.close()


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

    from smpcheck._rt.rewritten import REWRITTEN

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
