"""<linux/sched.h>: a task's state, schedule() and wake_up_process().

Each CPU runs one task; its ``task_struct`` holds the task's state word
(``state``: TASK_RUNNING, TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE).
``task_for(fn)`` declares (or finds) the task of the CPU running ``fn``, for a
model to name it as a global and to wake it; ``get_current()`` is ``current``.
The events are the kernel's (Documentation/memory-barriers.txt, "Sleep and
wake-up functions"):

* set_current_state(s): ``smp_store_mb(current->state, s)``: a store, then a full
  barrier; __set_current_state(s): the store alone;
* schedule(): a task whose state is not TASK_RUNNING sleeps until a wakeup sets
  it to TASK_RUNNING: an await on an acquire load of its state word.  A sleep
  that no wakeup ends is a wait that never ends, reported as such (a lost
  wakeup); schedule() may sleep, so calling it in atomic context is reported;
* wake_up_process(p): try_to_wake_up(): a full barrier whether or not it wakes
  (the kernel's smp_mb__after_spinlock() after taking p->pi_lock), then one RMW
  that reads ``p``'s state and, if the task sleeps (or is about to), sets it to
  TASK_RUNNING (a failed one writes nothing).  Returns 1 if it woke the task.

Deviation: no preemption and no signals: TASK_INTERRUPTIBLE sleeps as
TASK_UNINTERRUPTIBLE does, and a task is never descheduled but in schedule().
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpcheck._rt.loops import smp_addr
from smpcheck._rt.ops import ACQUIRE, ONCE, await_load, fence, rmw, store
from smpcheck._rt.runtime import current
from smpcheck.kernel.sleep import might_sleep
from smpcheck.model.objects import Field, Obj, Ref, Struct, StructSpec

__smp_engine__ = True

TASK_RUNNING = 0
TASK_INTERRUPTIBLE = 1
TASK_UNINTERRUPTIBLE = 2
TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE


class task_struct(Struct):  # noqa: N801 - the kernel's type name
    """The part of ``struct task_struct`` the model uses: its state word."""

    state = Field(TASK_RUNNING)


# A CPU function -> its task (a shared object), as for IPI targets' irq words.
_tasks: dict[Callable[[], Any], Any] = {}


def task_for(fn: Callable[[], Any]) -> Any:
    """The task of the CPU that runs ``fn`` (declared on first use; a model names it as
    a global, e.g. ``waiter_task = task_for(waiter)``, so that reports show its name)."""
    task = _tasks.get(fn)
    if task is None:
        name = getattr(fn, "__name__", "cpu")
        task = _tasks[fn] = Ref(Obj(f"{name}_task", StructSpec(task_struct)))
    return task


def get_current() -> Any:
    """``current``: the task of the calling CPU."""
    _, cpu = current()
    return task_for(cpu.fn)


def _state(task: Any) -> Any:
    """``&task->state``."""
    return smp_addr(task, "state")


def set_current_state(state: int) -> None:
    """Set this task's state, then a full barrier (smp_store_mb())."""
    store(_state(get_current()), state, ONCE, "set_current_state")
    fence("MB", "set_current_state")


def __set_current_state(state: int) -> None:  # noqa: N807 - the kernel's name
    """Set this task's state, with no barrier."""
    store(_state(get_current()), state, ONCE, "__set_current_state")


def schedule() -> None:
    """Sleep until woken if this task's state is not TASK_RUNNING (else return)."""
    might_sleep("schedule")
    await_load(_state(get_current()), ACQUIRE, lambda v: v == TASK_RUNNING,
               "schedule(): sleep until {loc} == TASK_RUNNING")


def wake_up_state(p: Any, state: int) -> Any:
    """Wake task ``p`` if its state is in ``state``; 1 if it woke it (fully ordered)."""
    fence("MB", "try_to_wake_up: smp_mb__after_spinlock")
    old = rmw(_state(p), lambda s: TASK_RUNNING if s & state else None, ONCE,
              "wake_up_process", ftags=ONCE)
    return (old & state) != 0


def wake_up_process(p: Any) -> Any:
    """Wake task ``p`` if it sleeps (try_to_wake_up(p, TASK_NORMAL)); 1 if it woke it."""
    return wake_up_state(p, TASK_NORMAL)


__all__ = [
    "TASK_RUNNING",
    "TASK_INTERRUPTIBLE",
    "TASK_UNINTERRUPTIBLE",
    "TASK_NORMAL",
    "task_struct",
    "task_for",
    "get_current",
    "set_current_state",
    "__set_current_state",
    "schedule",
    "wake_up_state",
    "wake_up_process",
]
