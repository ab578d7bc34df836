"""Linux 6.15: aging gfns by walking shadow-MMU rmaps without mmu_lock.

Follows arch/x86/kvm/mmu/mmu.c as merged for 6.15 from "KVM: x86/mmu: Age sptes
locklessly" v9 (James Houghton / Sean Christopherson, 2025-02-04), patches
08/11 "Refactor low level rmap helpers to prep for walking w/o mmu_lock",
09/11 "Add infrastructure to allow walking rmaps outside of mmu_lock" (kvm-x86
4834eaded91e), 10/11 "Add support for lockless walks of rmap SPTEs"
(bb6c7749ccee) and 11/11 "Support rmap walks without holding mmu_lock when
aging gfns" (af3b6a9eba48), on the 6.14 pte_list code (spte_count/tail_count
descs, new heads pushed at the front, removal filling the hole from the head).
05/11 renamed spte_has_volatile_bits() (Sean renamed it again, to
spte_needs_atomic_update(), when applying); that is the name used here.

Function for function and in the same order of accesses; where this file
deviates it says so at the function.  Bounds and simplifications:

* ``PTE_LIST_EXT`` = 2 (14 in the kernel), so two or three sptes already need
  two descs; a shadow page holds ``SPTE_ENT_PER_PAGE`` = 1 spte (512), header
  and spt page are one preallocated object freed by kvm_mmu_free_shadow_page();
* 4K rmaps only (``KVM_MAX_HUGEPAGE_LEVEL`` = ``PG_LEVEL_4K``), one memslot of
  ``NPAGES`` = 1 gfn; ``gfn_to_rmap()`` reads the slot's geometry without a
  memory event (memslots are SRCU-protected and fixed while a scenario runs);
* ``kvm->mmu_lock`` is an rwlock_t on x86 and every path here takes it for
  write: it is modelled as a spinlock.  lockdep_assert_held_write() is not
  checked; lockdep_assert_preemption_disabled() is;
* the vcpu's ``mmu_pte_list_desc_cache`` is topped up before mmu_lock is taken
  (zeroed objects, ``__GFP_ZERO``): here it is a list of preallocated descs, so
  a scenario's final state can name them, and kfree() of one is a real free;
* sptes are A/D-enabled 4K leaf sptes of a direct-less (indirect) shadow page
  (``shadowed_translation``); the access-tracking branch of the aging walk
  (A/D-disabled, EPT without A/D) is kept but no scenario reaches it, and
  mark_spte_for_access_track() is reduced to clearing the saved R/X bits;
* 6.13 removed A/D reporting from mmu_spte_clear_track_bits() (pages are marked
  dirty when a writable spte is created); so the dirty check is that no update
  loses the D bit of a present spte, and the fault reports its page dirty once;
* kvm_update_page_stats(), tracepoints, TLB flushes (no vcpus run) are omitted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from smpcheck.kernel import (
    BUG_ON,
    READ_ONCE,
    WARN_ON_ONCE,
    WRITE_ONCE,
    addr,
    atomic_long_read,
    atomic_long_set,
    atomic_long_set_release,
    atomic_long_try_cmpxchg_acquire,
    clear_bit,
    cmpxchg64,
    container_of,
    cpu_relax,
    kfree,
    preempt_disable,
    preempt_enable,
    spin_lock,
    spin_unlock,
    xchg,
)
from smpcheck.kernel.ghost import ghost_add, ghost_state
from smpcheck.kernel.preempt import preempt_count
from smpcheck.kernel.spinlock import SpinLock
from smpcheck.model.objects import NULL, Array, Field, Struct

# The scenarios, their checks and the catalogue entry (smpcheck kvm list) are in
# rmap_aging_615_scenarios.py.
# -- constants (spte.h, mmu.c, kvm_host.h) ------------------------------------------
PAGE_SHIFT = 12
PG_LEVEL_4K = 1
KVM_MAX_HUGEPAGE_LEVEL = PG_LEVEL_4K   # bound (PG_LEVEL_1G in the kernel)
PTE_LIST_EXT = 2                       # bound (14 in the kernel)
SPTE_ENT_PER_PAGE = 1                  # bound (512)
NPAGES = 1                             # bound: gfns in the memslot
PT_WRITABLE_MASK = 1 << 1
shadow_accessed_mask = 1 << 5          # PT_ACCESSED_MASK (shadow paging / NPT)
shadow_dirty_mask = 1 << 6             # PT_DIRTY_MASK
SPTE_MMU_PRESENT_MASK = 1 << 11
SPTE_TDP_AD_SHIFT = 52
SPTE_TDP_AD_MASK = 3 << SPTE_TDP_AD_SHIFT
SPTE_TDP_AD_ENABLED = 0 << SPTE_TDP_AD_SHIFT
SPTE_TDP_AD_DISABLED = 1 << SPTE_TDP_AD_SHIFT
shadow_mmu_writable_mask = 1 << 58     # DEFAULT_SPTE_MMU_WRITABLE
shadow_host_writable_mask = 1 << 57    # DEFAULT_SPTE_HOST_WRITABLE
shadow_acc_track_mask = 0              # A/D bits in use
SHADOW_NONPRESENT_VALUE = 1 << 63      # BIT_ULL(63) on 64-bit: "suppress #VE"

KVM_RMAP_MANY = 1 << 0
KVM_RMAP_LOCKED = 1 << 1

design: dict[str, str] = {}


# -- structures ------------------------------------------------------------------
class pte_list_desc(Struct):
    more = Field(NULL, "ptr")            # struct pte_list_desc *more
    spte_count = 0                       # u32: PTEs stored in _this_ descriptor
    tail_count = 0                       # u32: PTEs stored in all tails
    sptes = Array(PTE_LIST_EXT, NULL)    # u64 *sptes[PTE_LIST_EXT]


class kvm_rmap_head(Struct):
    val = Field(0, "atomic")             # atomic_long_t val


class kvm_mmu_page_role(Struct):
    level = PG_LEVEL_4K
    direct = 0
    passthrough = 0
    invalid = 0


class kvm_mmu_page(Struct):
    gfn = 0
    role = kvm_mmu_page_role
    root_count = 0
    spt = Array(SPTE_ENT_PER_PAGE, SHADOW_NONPRESENT_VALUE)    # u64 *spt
    shadowed_translation = Array(SPTE_ENT_PER_PAGE, 0)         # u64 *shadowed_translation


class kvm_arch_memory_slot(Struct):
    rmap = Array(KVM_MAX_HUGEPAGE_LEVEL, Array(NPAGES, kvm_rmap_head))


class kvm_memory_slot(Struct):
    base_gfn = 0
    npages = NPAGES
    arch = kvm_arch_memory_slot


class kvm_t(Struct):
    """``struct kvm``: only mmu_lock (an rwlock_t, taken for write: a spinlock here)."""

    mmu_lock = SpinLock()


class kvm_gfn_range:
    """``struct kvm_gfn_range``: built on the caller's stack (a C local)."""

    def __init__(self, slot: Any, start: int, end: int) -> None:
        self.slot, self.start, self.end = slot, start, end


class kvm_mmu_memory_cache:
    """The vcpu's topped-up object cache: preallocated zeroed descs (see the docstring)."""

    def __init__(self, objects: list[Any]) -> None:
        self.objects = list(objects)


def kvm_mmu_memory_cache_alloc(mc: kvm_mmu_memory_cache) -> Any:
    BUG_ON(not mc.objects)
    return mc.objects.pop(0)


# -- spte helpers (spte.h / spte.c) --------------------------------------------------
def is_shadow_present_pte(pte: Any) -> bool:
    return bool(pte & SPTE_MMU_PRESENT_MASK)


def is_writable_pte(pte: Any) -> bool:
    return bool(pte & PT_WRITABLE_MASK)


def is_mmu_writable_spte(spte: Any) -> bool:
    return bool(spte & shadow_mmu_writable_mask)


def spte_ad_enabled(spte: Any) -> Any:
    return (spte & SPTE_TDP_AD_MASK) != SPTE_TDP_AD_DISABLED


def spte_shadow_accessed_mask(spte: Any) -> int:
    return shadow_accessed_mask if spte_ad_enabled(spte) else 0


def is_access_track_spte(spte: Any) -> bool:
    return not spte_ad_enabled(spte) and (spte & shadow_acc_track_mask) == 0


def is_accessed_spte(spte: Any) -> bool:
    accessed_mask = spte_shadow_accessed_mask(spte)
    return bool(spte & accessed_mask) if accessed_mask else not is_access_track_spte(spte)


def spte_needs_atomic_update(spte: Any) -> bool:
    """6.15: bits other than Accessed that may change without mmu_lock."""
    if not is_writable_pte(spte) and is_mmu_writable_spte(spte):
        return True
    if not spte_ad_enabled(spte):
        return True
    return is_writable_pte(spte) and not (spte & shadow_dirty_mask)


def mark_spte_for_access_track(spte: Any) -> Any:
    """Reduced (unreached: A/D-disabled sptes only): drop the access bits."""
    if is_access_track_spte(spte):
        return spte
    return spte & ~shadow_acc_track_mask


def spte_to_pfn(pte: Any) -> Any:
    return (pte & ((1 << 52) - 1)) >> PAGE_SHIFT


# -- sptes (mmu.c) -------------------------------------------------------------------
def __set_spte(sptep: Any, spte: Any) -> None:
    WRITE_ONCE(sptep[0], spte)


def __update_clear_spte_fast(sptep: Any, spte: Any) -> None:
    WRITE_ONCE(sptep[0], spte)


def __update_clear_spte_slow(sptep: Any, spte: Any) -> Any:
    return xchg(sptep[0], spte)


def mmu_spte_set(sptep: Any, new_spte: Any) -> None:
    WARN_ON_ONCE(is_shadow_present_pte(sptep[0]))
    __set_spte(sptep, new_spte)


def mmu_spte_get_lockless(sptep: Any) -> Any:
    return READ_ONCE(sptep[0])          # __get_spte_lockless() on 64-bit


def sptep_to_sp(sptep: Any) -> Any:
    return container_of(sptep, kvm_mmu_page, "spt")      # via virt_to_page(sptep)


def spte_index(sptep: Any) -> Any:
    return sptep - addr(sptep_to_sp(sptep).spt)


def mmu_spte_clear_track_bits(kvm: Any, sptep: Any) -> Any:
    old_spte = sptep[0]                                 # u64 old_spte = *sptep;
    _level = sptep_to_sp(sptep).role.level              # for kvm_update_page_stats()
    if not is_shadow_present_pte(old_spte) or not spte_needs_atomic_update(old_spte):
        __update_clear_spte_fast(sptep, SHADOW_NONPRESENT_VALUE)
    else:
        old_spte = __update_clear_spte_slow(sptep, SHADOW_NONPRESENT_VALUE)
    return old_spte                                     # kvm_update_page_stats() omitted


# -- the rmap lock (6.15) ----------------------------------------------------------------
def lockdep_assert_preemption_disabled() -> None:
    """lockdep's check, always on here: the rmap lock is taken with preemption off."""
    assert preempt_count() > 0, "__kvm_rmap_lock() with preemption enabled"


def __kvm_rmap_lock(rmap_head: Any) -> Any:
    lockdep_assert_preemption_disabled()
    # Elide the lock if the rmap is empty: lockless walkers can't walk an empty rmap.
    old_val = atomic_long_read(rmap_head.val)
    if not old_val:
        return 0
    while True:                                         # do { ... } while (!try_cmpxchg)
        # while (old_val & KVM_RMAP_LOCKED) { cpu_relax(); old_val = atomic_long_read(); }
        # with the re-read in the loop condition, where the explorer's await form wants
        # it (the same accesses in the same order).
        if old_val & KVM_RMAP_LOCKED:
            cpu_relax()
            while (old_val := atomic_long_read(rmap_head.val)) & KVM_RMAP_LOCKED:
                cpu_relax()
        # Recheck for an empty rmap, it may have been purged by the lock holder.
        if not old_val:
            return 0
        new_val = old_val | KVM_RMAP_LOCKED
        ok, old_val = atomic_long_try_cmpxchg_acquire(rmap_head.val, old_val, new_val)
        if ok:
            break
    return old_val                                      # without the LOCKED bit


def kvm_rmap_lock(kvm: Any, rmap_head: Any) -> Any:
    return __kvm_rmap_lock(rmap_head)                   # lockdep_assert_held_write(mmu_lock)


def __kvm_rmap_unlock(rmap_head: Any, val: Any) -> None:
    WARN_ON_ONCE(val & KVM_RMAP_LOCKED)                 # KVM_MMU_WARN_ON
    if design.get("rmap_unlock") == "relaxed":
        atomic_long_set(rmap_head.val, val)             # broken variant: no release
    else:
        atomic_long_set_release(rmap_head.val, val)


def kvm_rmap_unlock(kvm: Any, rmap_head: Any, new_val: Any) -> None:
    __kvm_rmap_unlock(rmap_head, new_val)


def kvm_rmap_get(rmap_head: Any) -> Any:
    return atomic_long_read(rmap_head.val) & ~KVM_RMAP_LOCKED


def kvm_rmap_lock_readonly(rmap_head: Any) -> Any:
    if design.get("readonly_lock") == "read-once":
        # Broken variant: read the head and walk, neither waiting for nor taking LOCKED.
        return READ_ONCE(rmap_head.val) & ~KVM_RMAP_LOCKED
    preempt_disable()
    rmap_val = __kvm_rmap_lock(rmap_head)
    if not rmap_val:
        preempt_enable()
    return rmap_val


def kvm_rmap_unlock_readonly(rmap_head: Any, old_val: Any) -> None:
    if design.get("readonly_lock") == "read-once":
        return
    if not old_val:
        return
    WARN_ON_ONCE(old_val != kvm_rmap_get(rmap_head))    # KVM_MMU_WARN_ON
    __kvm_rmap_unlock(rmap_head, old_val)
    preempt_enable()


# -- pte lists --------------------------------------------------------------------------
def mmu_free_pte_list_desc(pte_list_desc_: Any) -> None:
    kfree(pte_list_desc_)                               # kmem_cache_free(pte_list_desc_cache)


def KVM_BUG_ON_DATA_CORRUPTION(cond: Any, kvm: Any) -> bool:
    """With CONFIG_BUG_ON_DATA_CORRUPTION: BUG_ON()."""
    BUG_ON(cond)
    return bool(cond)


def pte_list_add(kvm: Any, cache: kvm_mmu_memory_cache, spte: Any, rmap_head: Any) -> int:
    """The number of pointers in the rmap chain, not counting the new one."""
    count = 0
    old_val = kvm_rmap_lock(kvm, rmap_head)
    if not old_val:
        new_val = spte
    elif not (old_val & KVM_RMAP_MANY):
        desc = kvm_mmu_memory_cache_alloc(cache)
        desc.sptes[0] = old_val
        desc.sptes[1] = spte
        desc.spte_count = 2
        desc.tail_count = 0
        new_val = desc | KVM_RMAP_MANY
        count += 1
    else:
        desc = old_val & ~KVM_RMAP_MANY
        count = desc.tail_count + desc.spte_count
        # If the previous head is full, allocate a new head descriptor: tails stay full.
        if desc.spte_count == PTE_LIST_EXT:
            desc = kvm_mmu_memory_cache_alloc(cache)
            desc.more = old_val & ~KVM_RMAP_MANY
            desc.spte_count = 0
            desc.tail_count = count
            new_val = desc | KVM_RMAP_MANY
        else:
            new_val = old_val
        n = desc.spte_count
        desc.spte_count = n + 1                         # desc->sptes[desc->spte_count++]
        desc.sptes[n] = spte
    kvm_rmap_unlock(kvm, rmap_head, new_val)
    return count


def pte_list_desc_remove_entry(kvm: Any, rmap_val: list[Any], desc: Any, i: int) -> None:
    """``rmap_val`` is ``unsigned long *rmap_val``: the caller's local, a 1-list."""
    head_desc = rmap_val[0] & ~KVM_RMAP_MANY
    j = head_desc.spte_count - 1
    # The head descriptor should never be empty.
    KVM_BUG_ON_DATA_CORRUPTION(j < 0, kvm)
    # Replace the to-be-freed SPTE with the last valid entry from the head.
    desc.sptes[i] = head_desc.sptes[j]
    head_desc.sptes[j] = NULL
    head_desc.spte_count = j                            # head_desc->spte_count--
    if head_desc.spte_count:
        return
    more = head_desc.more
    if not more:
        rmap_val[0] = 0
    else:
        rmap_val[0] = head_desc.more | KVM_RMAP_MANY
    mmu_free_pte_list_desc(head_desc)


def pte_list_remove(kvm: Any, spte: Any, rmap_head: Any) -> None:
    rmap_val = [kvm_rmap_lock(kvm, rmap_head)]
    if KVM_BUG_ON_DATA_CORRUPTION(not rmap_val[0], kvm):
        return
    if not (rmap_val[0] & KVM_RMAP_MANY):
        if KVM_BUG_ON_DATA_CORRUPTION(rmap_val[0] != spte, kvm):
            return
        rmap_val[0] = 0
    else:
        desc = rmap_val[0] & ~KVM_RMAP_MANY
        found = False
        while desc and not found:
            i = 0
            while i < desc.spte_count:
                if desc.sptes[i] == spte:
                    pte_list_desc_remove_entry(kvm, rmap_val, desc, i)
                    found = True                        # goto out
                    break
                i += 1
            if not found:
                desc = desc.more
        if not found:
            KVM_BUG_ON_DATA_CORRUPTION(True, kvm)
    kvm_rmap_unlock(kvm, rmap_head, rmap_val[0])        # out:


def kvm_zap_all_rmap_sptes(kvm: Any, rmap_head: Any) -> bool:
    """True if at least one SPTE was zapped."""
    rmap_val = kvm_rmap_lock(kvm, rmap_head)
    if not rmap_val:
        return False
    if not (rmap_val & KVM_RMAP_MANY):
        mmu_spte_clear_track_bits(kvm, rmap_val)
    else:
        desc = rmap_val & ~KVM_RMAP_MANY
        while desc:
            i = 0
            while i < desc.spte_count:
                mmu_spte_clear_track_bits(kvm, desc.sptes[i])
                i += 1
            next_ = desc.more
            mmu_free_pte_list_desc(desc)
            desc = next_
    # rmap_head is meaningless now, remember to reset it
    kvm_rmap_unlock(kvm, rmap_head, 0)                  # out:
    return True


def gfn_to_rmap(gfn: Any, level: int, slot: Any) -> Any:
    idx = gfn - slot._obj.init_value(("base_gfn",))     # gfn_to_index() at 4K
    return addr(slot.arch.rmap[level - PG_LEVEL_4K][idx])


def kvm_mmu_page_get_gfn(sp: Any, index: int) -> Any:
    if sp.role.passthrough:
        return sp.gfn
    return sp.shadowed_translation[index] >> PAGE_SHIFT


def rmap_remove(kvm: Any, spte: Any) -> None:
    sp = sptep_to_sp(spte)
    gfn = kvm_mmu_page_get_gfn(sp, spte_index(spte))
    slot = _memslot[0]                                  # __gfn_to_memslot(): one slot
    rmap_head = gfn_to_rmap(gfn, sp.role.level, slot)
    pte_list_remove(kvm, spte, rmap_head)


# -- rmap iterators ----------------------------------------------------------------------
class rmap_iterator:
    """``struct rmap_iterator``: a C local."""

    def __init__(self) -> None:
        self.desc: Any = NULL
        self.pos = 0


def rmap_get_first(rmap_head: Any, iter: rmap_iterator) -> Any:
    rmap_val = kvm_rmap_get(rmap_head)
    if not rmap_val:
        return NULL
    if not (rmap_val & KVM_RMAP_MANY):
        iter.desc = NULL
        return rmap_val
    iter.desc = rmap_val & ~KVM_RMAP_MANY
    iter.pos = 0
    return iter.desc.sptes[iter.pos]


def rmap_get_next(iter: rmap_iterator) -> Any:
    if iter.desc:
        if iter.pos < PTE_LIST_EXT - 1:
            iter.pos += 1
            if iter.desc.sptes[iter.pos]:
                return iter.desc.sptes[iter.pos]
        iter.desc = iter.desc.more
        if iter.desc:
            iter.pos = 0
            return iter.desc.sptes[iter.pos]            # desc->sptes[0] cannot be NULL
    return NULL


def __for_each_rmap_spte(rmap_head: Any, iter: rmap_iterator) -> Iterator[Any]:
    sptep = rmap_get_first(rmap_head, iter)
    while sptep:
        yield sptep
        sptep = rmap_get_next(iter)


def for_each_rmap_spte_lockless(rmap_head: Any, iter: rmap_iterator
                                ) -> Iterator[tuple[Any, Any]]:
    """Yields ``(sptep, spte)`` for each present spte: ``if (is_shadow_present_pte(
    _spte_ = mmu_spte_get_lockless(sptep)))``."""
    for sptep in __for_each_rmap_spte(rmap_head, iter):
        spte = mmu_spte_get_lockless(sptep)
        if is_shadow_present_pte(spte):
            yield sptep, spte


# -- aging (6.15) ----------------------------------------------------------------------
def kvm_rmap_age_gfn_range(kvm: Any, range: kvm_gfn_range, test_only: bool) -> bool:
    young = False
    for level in range_(PG_LEVEL_4K, KVM_MAX_HUGEPAGE_LEVEL + 1):
        for gfn in range_(range.start, range.end):      # gfn += KVM_PAGES_PER_HPAGE(4K)
            rmap_head = gfn_to_rmap(gfn, level, range.slot)
            rmap_val = kvm_rmap_lock_readonly(rmap_head)
            for sptep, spte in for_each_rmap_spte_lockless(rmap_head, rmap_iterator()):
                if not is_accessed_spte(spte):
                    continue
                if test_only:
                    kvm_rmap_unlock_readonly(rmap_head, rmap_val)
                    return True
                if spte_ad_enabled(spte):
                    if design.get("age_clear") == "read-modify-write":
                        # Broken variant: a plain RMW of the spte instead of clear_bit().
                        WRITE_ONCE(sptep[0], spte & ~shadow_accessed_mask)
                    else:
                        clear_bit(shadow_accessed_mask.bit_length() - 1, sptep)
                else:
                    # If the cmpxchg fails, the spte is being concurrently modified
                    # and should most likely stay young.
                    cmpxchg64(sptep[0], spte, mark_spte_for_access_track(spte))
                young = True
            kvm_rmap_unlock_readonly(rmap_head, rmap_val)
    return young


range_ = range


def kvm_age_gfn(kvm: Any, range: kvm_gfn_range) -> bool:
    """No TDP MMU; kvm_may_have_shadow_mmu_sptes(): yes.  No mmu_lock since 6.15."""
    young = False
    young |= kvm_rmap_age_gfn_range(kvm, range, False)
    return young


# -- the lock holders ---------------------------------------------------------------------
def write_lock(kvm: Any) -> None:
    """``write_lock(&kvm->mmu_lock)``: preempt_disable(), then the lock (a spinlock here)."""
    preempt_disable()
    spin_lock(kvm.mmu_lock)


def write_unlock(kvm: Any) -> None:
    spin_unlock(kvm.mmu_lock)
    preempt_enable()


_memslot: list[Any] = [NULL]


def mmu_set_spte(vcpu: Any, slot: Any, sptep: Any, gfn: int, pfn: int) -> None:
    """Reduced: make_spte() gives a present, writable, accessed and dirty 4K spte;
    ``*sptep`` was not present, so mmu_spte_update() is mmu_spte_set(); then rmap_add()."""
    spte = make_spte(pfn)
    old = sptep[0]                                      # if (*sptep == spte) ...
    if old != spte:
        mmu_spte_set(sptep, spte)                       # mmu_spte_update(): !present
    rmap_add(vcpu, slot, sptep, gfn)


def make_spte(pfn: int) -> int:
    return (pfn << PAGE_SHIFT | SPTE_MMU_PRESENT_MASK | PT_WRITABLE_MASK
            | shadow_mmu_writable_mask | shadow_host_writable_mask
            | shadow_accessed_mask | shadow_dirty_mask)


def rmap_add(vcpu: Any, slot: Any, spte: Any, gfn: int) -> None:
    __rmap_add(vcpu["kvm"], vcpu["cache"], slot, spte, gfn)


def __rmap_add(kvm: Any, cache: kvm_mmu_memory_cache, slot: Any, spte: Any, gfn: int) -> None:
    sp = sptep_to_sp(spte)
    rmap_head = gfn_to_rmap(gfn, sp.role.level, slot)
    pte_list_add(kvm, cache, spte, rmap_head)           # max_mmu_rmap_size stat omitted


def drop_spte(kvm: Any, sptep: Any) -> None:
    old_spte = mmu_spte_clear_track_bits(kvm, sptep)
    if is_shadow_present_pte(old_spte):
        rmap_remove(kvm, sptep)


def mmu_page_zap_pte(kvm: Any, sp: Any, spte: Any) -> None:
    pte = spte[0]                                       # pte = *spte;
    if is_shadow_present_pte(pte):
        drop_spte(kvm, spte)                            # is_last_spte(): 4K leaves only


def kvm_mmu_page_unlink_children(kvm: Any, sp: Any) -> None:
    for i in range_(SPTE_ENT_PER_PAGE):
        mmu_page_zap_pte(kvm, sp, addr(sp.spt[i]))


def kvm_mmu_prepare_zap_page(kvm: Any, sp: Any, invalid_list: list[Any]) -> None:
    """__kvm_mmu_prepare_zap_page() without parents, unsync children and accounting."""
    kvm_mmu_page_unlink_children(kvm, sp)
    if not sp.root_count:
        invalid_list.append(sp)                         # list_move(&sp->link, invalid_list)
    sp.role.invalid = 1


def kvm_mmu_free_shadow_page(sp: Any) -> None:
    kfree(sp)          # free_page(sp->spt), free_page(shadowed_translation), the header


def kvm_mmu_commit_zap_page(kvm: Any, invalid_list: list[Any]) -> None:
    # kvm_flush_remote_tlbs(kvm): no vcpus run in the scenarios
    while invalid_list:
        sp = invalid_list.pop(0)
        WARN_ON_ONCE(not sp.role.invalid or sp.root_count)
        kvm_mmu_free_shadow_page(sp)


def kvm_unmap_gfn_range(kvm: Any, range: kvm_gfn_range) -> None:
    """The mmu_notifier unmap of a gfn range (mmu_lock held for write by the caller):
    kvm_handle_gfn_range(kvm, range, kvm_zap_rmap) at 4K."""
    for gfn in range_(range.start, range.end):
        kvm_zap_all_rmap_sptes(kvm, gfn_to_rmap(gfn, PG_LEVEL_4K, range.slot))


def kvm_set_page_dirty(pfn: int) -> None:
    """The fault's folio is marked dirty when the writable spte is made (6.13+)."""
    ghost_add(f"dirty_{pfn}")


def ghost() -> dict[str, int]:
    return ghost_state()
