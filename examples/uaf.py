"""A reader dereferences a published object while the updater unpublishes and
frees it with no grace period in between: a use-after-free.  Adding
synchronize_rcu() before kfree() (and rcu_read_lock() in the reader, see
uaf-rcu.py) fixes it."""
from smpcheck import NULL, READ_ONCE, WRITE_ONCE, Model, Struct, kfree, kmalloc


class foo(Struct):
    a = 0


class globals_t(Struct):
    gp = NULL


g = globals_t()


def setup_and_free():
    p = kmalloc(foo)
    p.a = 1
    WRITE_ONCE(g.gp, p)
    WRITE_ONCE(g.gp, NULL)
    kfree(p)


def reader():
    p = READ_ONCE(g.gp)
    if p:
        return {"a": READ_ONCE(p.a)}
    return {"a": -1}


MODEL = Model("use after free", [setup_and_free, reader])
