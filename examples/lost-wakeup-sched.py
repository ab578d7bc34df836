"""A lost wakeup: the sleeper sets its state with __set_current_state(), no barrier.

The sleeper stores its state, then tests the condition; the waker stores the
condition, then (try_to_wake_up(), a full barrier first) reads the sleeper's state.
Under SC one of them sees the other; on x86 and under the LKMM the sleeper's state
store can wait in its store buffer while it reads the condition 0, the waker sees
it running and does not wake it, and the sleeper sleeps for good.
set_current_state() (a store and smp_mb()) fixes it.
"""
from smpcheck import (
    READ_ONCE,
    TASK_RUNNING,
    TASK_UNINTERRUPTIBLE,
    WRITE_ONCE,
    Model,
    Var,
    __set_current_state,
    schedule,
    task_for,
    wake_up_process,
)

done = Var(0)


def sleeper():
    __set_current_state(TASK_UNINTERRUPTIBLE)
    if not READ_ONCE(done):
        schedule()
    __set_current_state(TASK_RUNNING)


def waker():
    WRITE_ONCE(done, 1)
    wake_up_process(task_for(sleeper))


sleeper_task = task_for(sleeper)
MODEL = Model("lost-wakeup-sched", [sleeper, waker])
