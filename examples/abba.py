"""AB-BA deadlock: CPU 0 takes A then B, CPU 1 takes B then A."""
from smpcheck import Model, SpinLock, Var, spin_lock, spin_unlock

A = Var(SpinLock())
B = Var(SpinLock())


def P0():
    spin_lock(A)
    spin_lock(B)
    spin_unlock(B)
    spin_unlock(A)


def P1():
    spin_lock(B)
    spin_lock(A)
    spin_unlock(A)
    spin_unlock(B)


MODEL = Model("AB-BA", [P0, P1])
