"""The same object lifetime under RCU: the reader is in a read-side critical
section and the updater waits for a grace period before kfree(): safe."""
from smpcheck import (
    NULL,
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


g = globals_t()


def setup_and_free():
    p = kmalloc(foo)
    p.a = 1
    rcu_assign_pointer(g.gp, p)
    rcu_assign_pointer(g.gp, NULL)
    synchronize_rcu()
    kfree(p)


def reader():
    rcu_read_lock()
    p = rcu_dereference(g.gp)
    a = p.a if p else -1
    rcu_read_unlock()
    return {"a": a}


MODEL = Model("RCU-protected lifetime", [setup_and_free, reader])
