"""The founding case's handshake (KVM, April 2013) in Python: examples/c/handshake.c
is the same model in C.  The unmapper publishes the rmap it works on; the lock
holder resets the rmap entry, spins while the flag names that rmap, then frees
the shadow page.  Safe under SC; a use-after-free under TSO and the LKMM unless
both sides have a full barrier (set both switches below to True)."""
from smpcheck import (
    NULL,
    READ_ONCE,
    WRITE_ONCE,
    Array,
    Model,
    SpinLock,
    Struct,
    Var,
    addr,
    cpu_relax,
    kfree,
    preallocated,
    preempt_disable,
    preempt_enable,
    smp_mb,
    spin_lock,
    spin_unlock,
    xchg,
)

FENCE_AFTER_PUBLISH = False
FENCE_BEFORE_CHECK = False


class kvm_mmu_page(Struct):
    spt = Array(1, 0)


class kvm_arch(Struct):
    being_unmapped_rmap = NULL
    mmu_lock = SpinLock()


class kvm_t(Struct):
    arch = kvm_arch


kvm = kvm_t()
shadow_page = preallocated(kvm_mmu_page(spt=[1]))   # present
sp = Var(shadow_page)                               # the shadow page holding the spte
rmap = Var(addr(shadow_page.spt[0]))                # the rmap: one entry, the spte's address


def unmap_rmapp_nolock(kvm, rmapp):
    preempt_disable()
    WRITE_ONCE(kvm.arch.being_unmapped_rmap, rmapp)
    if FENCE_AFTER_PUBLISH:
        smp_mb()
    sptep = READ_ONCE(rmapp[0])
    if sptep:
        xchg(sptep, 0)                      # clear the spte
        WRITE_ONCE(rmapp[0], NULL)          # reset the rmap entry
    WRITE_ONCE(kvm.arch.being_unmapped_rmap, NULL)
    preempt_enable()


def zap_shadow_page(kvm, sp, rmapp):
    spin_lock(kvm.arch.mmu_lock)
    xchg(addr(sp.spt[0]), 0)                # clear the spte
    WRITE_ONCE(rmapp[0], NULL)              # rmap_remove()
    if FENCE_BEFORE_CHECK:
        smp_mb()
    while READ_ONCE(kvm.arch.being_unmapped_rmap) == rmapp:    # retry: ... goto retry;
        cpu_relax()
    kfree(sp)
    spin_unlock(kvm.arch.mmu_lock)


def P0():
    unmap_rmapp_nolock(kvm, rmap)


def P1():
    zap_shadow_page(kvm, sp[0], rmap)


MODEL = Model("handshake", [P0, P1])
