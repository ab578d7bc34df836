from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)
TABLE = (10,)


def P0():
    a = x[0]  # a plain read: the LKMM lets it take part in a load-buffering cycle
    t = TABLE[a]  # IndexError if a == 1: P1 writes 1 whatever it reads
    WRITE_ONCE(y, a + 1)
    return {"t": t}


def P1():
    b = READ_ONCE(y)
    WRITE_ONCE(x, 1)
    return {"b": b}


MODEL = Model("spec-raise-real", [P0, P1])
