"""An RCU reader oopses inside its read-side critical section: it finds the object
unpublished (its BUG_ON), with the flag it keeps while inside still set.  An oops
kills only the reader's task, and its exit ends its sections, so the updater's
grace period ends all the same, and the updater's own check that no reader is
inside fails too.  Only the oops makes that second bug: a reader that leaves its
section clears the flag first, and the grace period waits for it.  With --all both
are listed, and the updater's counterexample shows where the reader stopped."""
from smpcheck import (
    BUG_ON,
    NULL,
    READ_ONCE,
    WRITE_ONCE,
    Model,
    Struct,
    kfree,
    kmalloc,
    rcu_assign_pointer,
    rcu_dereference,
    rcu_read_lock,
    rcu_read_unlock,
    synchronize_rcu,
)


class foo(Struct):
    a = 0


class globals_t(Struct):
    gp = NULL
    inside = 0


g = globals_t()


def reader():
    rcu_read_lock()
    WRITE_ONCE(g.inside, 1)
    p = rcu_dereference(g.gp)
    BUG_ON(not p)
    a = p.a
    WRITE_ONCE(g.inside, 0)
    rcu_read_unlock()
    return {"a": a}


def updater():
    p = kmalloc(foo)
    p.a = 1
    rcu_assign_pointer(g.gp, p)
    rcu_assign_pointer(g.gp, NULL)
    synchronize_rcu()
    BUG_ON(READ_ONCE(g.inside))
    kfree(p)


MODEL = Model("RCU reader oops", [reader, updater])
