"""<linux/wait.h>: wait queues, built from a spinlock and the task state of
:mod:`smpcheck.kernel.sched`, as kernel/sched/wait.c builds them.

A ``wait_queue_head_t`` (``class wait_queue_head_t(Struct)``) is its spinlock
``lock`` and its list ``head``, held as one word: the set of waiting tasks, bit
``i`` for the task of CPU ``i`` (0: empty).  The list changes only under the
lock; waitqueue_active() reads it without the lock (READ_ONCE, as list_empty()).

* prepare_to_wait(wq, wait, state): under the lock, queue this task if it is not
  queued, then set_current_state(state);
* finish_wait(wq, wait): __set_current_state(TASK_RUNNING); if the task is still
  queued (read without the lock, as list_empty_careful()), dequeue it under the lock;
* wake_up(wq): under the lock, wake_up_process() each queued task and dequeue the
  ones it woke (autoremove_wake_function(), DEFINE_WAIT()'s);
* waitqueue_active(wq): whether some task is queued, with no barrier: a waker that
  tests it must order its condition store before (smp_mb(), or wq_has_sleeper());
* wait_event(wq, cond): ``cond`` is a function (C's condition expression);
  ``if cond(): return``, then ``prepare_to_wait(); if cond(): break; schedule()``
  in a loop, and finish_wait().  The loop is bounded by ``--loop-bound``.

DEFINE_WAIT() gives the entry of the calling task (here: its task).  Deviations:
no exclusive waits (wake_up() wakes every queued task), no interruptible sleeps
ended by signals, and a task is on at most one wait queue at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.loops import smp_addr
from smpcheck._rt.ops import ONCE, load, store
from smpcheck._rt.runtime import Op, ctrl_restore, ctrl_save, current, issue
from smpcheck.kernel.barrier import smp_mb
from smpcheck.kernel.sched import (
    TASK_RUNNING,
    TASK_UNINTERRUPTIBLE,
    __set_current_state,
    get_current,
    schedule,
    set_current_state,
    task_for,
    wake_up_process,
)
from smpcheck.kernel.sleep import might_sleep
from smpcheck.kernel.spinlock import SpinLock, spin_lock_irqsave, spin_unlock_irqrestore
from smpcheck.model.objects import Field, Struct
from smpcheck.results.result import Limit

__smp_engine__ = True


class wait_queue_head_t(Struct):  # noqa: N801 - the kernel's type name
    """``wait_queue_head_t``: a spinlock and the set of queued tasks (a bit per CPU)."""

    lock = SpinLock()
    head = Field(0)


def _bit() -> int:
    _, cpu = current()
    return 1 << cpu.tid


def _head(wq: Any) -> Any:
    return smp_addr(wq, "head")


def _lock(wq: Any) -> Any:
    return smp_addr(wq, "lock")


def init_waitqueue_head(wq: Any) -> None:
    """Make ``wq`` an empty, unlocked wait queue (for one kmalloc'd: declared globals are)."""
    store(_lock(wq), 0, ONCE, "init_waitqueue_head")
    store(_head(wq), 0, ONCE, "init_waitqueue_head")


def DEFINE_WAIT() -> Any:  # noqa: N802 - the kernel's macro
    """The wait entry of the calling task (its task)."""
    return get_current()


def prepare_to_wait(wq: Any, wait: Any, state: int) -> None:
    """Queue this task on ``wq`` (once) and set its state, under the queue's lock."""
    flags = spin_lock_irqsave(_lock(wq))
    queued = load(_head(wq), ONCE, "prepare_to_wait")
    saved = ctrl_save()  # (branches on tracked values: C's, scoped as C's)
    if not queued & _bit():
        store(_head(wq), queued | _bit(), ONCE, "__add_wait_queue")
    ctrl_restore(saved)
    set_current_state(state)
    spin_unlock_irqrestore(_lock(wq), flags)


def finish_wait(wq: Any, wait: Any) -> None:
    """Set this task running and dequeue it if a wakeup did not."""
    __set_current_state(TASK_RUNNING)
    saved = ctrl_save()
    if load(_head(wq), ONCE, "list_empty_careful") & _bit():
        flags = spin_lock_irqsave(_lock(wq))
        queued = load(_head(wq), ONCE, "finish_wait")
        store(_head(wq), queued & ~_bit(), ONCE, "list_del_init")
        spin_unlock_irqrestore(_lock(wq), flags)
    ctrl_restore(saved)


def wake_up(wq: Any) -> None:
    """Wake every task queued on ``wq``, dequeuing those it woke, under the lock."""
    run, _ = current()
    flags = spin_lock_irqsave(_lock(wq))
    queued = load(_head(wq), ONCE, "__wake_up")
    left = queued
    saved = ctrl_save()
    for tid, cpu in enumerate(run.cpus):
        if queued & (1 << tid) and wake_up_process(task_for(cpu.fn)):
            left = left & ~(1 << tid)
    if left != queued:
        store(_head(wq), left, ONCE, "list_del_init")
    ctrl_restore(saved)
    spin_unlock_irqrestore(_lock(wq), flags)


wake_up_all = wake_up
wake_up_interruptible = wake_up


def waitqueue_active(wq: Any) -> Any:
    """Whether some task is queued on ``wq``: a READ_ONCE, no barrier."""
    return load(_head(wq), ONCE, "waitqueue_active") != 0


def wq_has_sleeper(wq: Any) -> Any:
    """smp_mb(), then waitqueue_active()."""
    smp_mb()
    return waitqueue_active(wq)


def wait_event(wq: Any, condition: Callable[[], Any]) -> None:
    """Sleep on ``wq`` until ``condition()`` holds (checked after each wakeup)."""
    run, _ = current()
    might_sleep("wait_event")
    saved = ctrl_save()  # (the macro's branches order only what is inside them)
    if not condition():
        wait = DEFINE_WAIT()
        for _ in range(run.loop_bound):
            prepare_to_wait(wq, wait, TASK_UNINTERRUPTIBLE)
            if condition():
                break
            schedule()
        else:
            issue(Op("BOUND", value=run.loop_bound, text=Limit.LOOP_BOUND))
        finish_wait(wq, wait)
    ctrl_restore(saved)


__all__ = [
    "wait_queue_head_t",
    "init_waitqueue_head",
    "DEFINE_WAIT",
    "prepare_to_wait",
    "finish_wait",
    "wake_up",
    "wake_up_all",
    "wake_up_interruptible",
    "waitqueue_active",
    "wq_has_sleeper",
    "wait_event",
]
