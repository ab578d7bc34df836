"""A lost wakeup: try_to_wake_up() without smp_mb__after_spinlock(); safe on x86 (the
lock is a full barrier there), not under the LKMM."""
from smpcheck import (
    READ_ONCE,
    WRITE_ONCE,
    Model,
    SpinLock,
    Var,
    smp_store_mb,
    spin_lock,
    spin_unlock,
)

cond = Var(0)
state = Var(0)  # 0: TASK_RUNNING, 1: TASK_INTERRUPTIBLE
pi_lock = Var(SpinLock())


def waiter():
    smp_store_mb(state, 1)  # set_current_state(TASK_INTERRUPTIBLE)
    c = READ_ONCE(cond)  # if (!cond) schedule();
    return {"c": c}


def waker():
    WRITE_ONCE(cond, 1)
    spin_lock(pi_lock)  # try_to_wake_up(): no smp_mb__after_spinlock()
    s = READ_ONCE(state)  # if (!(p->state & state)) goto out;
    spin_unlock(pi_lock)
    return {"s": s}


MODEL = Model("lost-wakeup", [waiter, waker], not_exists="0:c=0 /\\ 1:s=0")
