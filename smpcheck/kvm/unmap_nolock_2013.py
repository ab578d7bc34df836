"""The 2013 proposal: unmap a deleted memslot's rmaps without mmu_lock.

"KVM: MMU: fast zap all shadow pages" v3, patch 08/15 "KVM: MMU: allow unmap
invalid rmap out of mmu-lock" (April 2013), on Linux 3.9's mmu.c
(:mod:`smpcheck.kvm.mmu_39`).  The patch text is not at hand; this follows the
design as the thread describes it, and each choice it leaves open is a switch:

* the unmapper (memslot deletion: slots_lock held, mmu_lock not), for each rmap
  of the slot: preempt_disable(); publish ``kvm->arch.being_unmapped_rmap =
  rmapp``; for each entry clear the spte, then reset the entry with
  pte_list_clear_concurrently() (a sentinel: no compaction, no free); publish
  NULL; preempt_enable().  Afterwards the slot's descs are freed (under
  mmu_lock here: the kernel frees them after the slot is gone from the
  memslots, which orders the free after every lock holder's walk);
* the locked side (zap of a shadow page, mmu-notifier unmap; both hold
  mmu_lock): rmap_remove() of an spte of the invalid slot resets the entry,
  then ``retry: if (kvm->arch.being_unmapped_rmap == rmapp) goto retry;``;
  a zap's kvm_mmu_commit_zap_page() later frees the shadow page.

Accesses the proposal makes to words another CPU changes concurrently
(being_unmapped_rmap, rmap entries in its walks) are ACCESS_ONCE, as it must
for its ordering argument to be about single accesses at all.
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel import (
    READ_ONCE,
    WRITE_ONCE,
    cpu_relax,
    preempt_disable,
    preempt_enable,
    smp_mb,
    spin_lock,
    spin_unlock,
)
from smpcheck.kvm.access import ONCE
from smpcheck.kvm.mmu_39 import (
    PT_PAGE_TABLE_LEVEL,
    PTE_LIST_EXT,
    __gfn_to_rmap,
    drop_spte,
    kvm_mmu_commit_zap_page,
    kvm_mmu_prepare_zap_page,
    kvm_unmap_rmapp,
    mmu_free_pte_list_desc,
    mmu_spte_clear_track_bits,
    pte_list_remove,
    rmap_get_first,
    rmap_get_next,
    rmap_iterator,
    slot_geometry,
)
from smpcheck.model.objects import NULL, Field, Obj, Ref

# The sentinel a cleared entry holds (skip-marker): a pointer to nothing, never NULL.
PTE_LIST_SPTE_SKIP = Ref(Obj("PTE_LIST_SPTE_SKIP", Field(0)))

design: dict[str, str] = {}


def cleared_entry() -> Any:
    return PTE_LIST_SPTE_SKIP if design["sentinel"] == "skip-marker" else NULL


# -- the proposal's functions ----------------------------------------------------------
def pte_list_clear_concurrently(spte: Any, pte_list: Any) -> None:
    """Reset the entry holding ``spte`` to the sentinel, in place."""
    head = READ_ONCE(pte_list[0])
    if not head:
        return
    if not (head & 1):
        if head == spte:
            WRITE_ONCE(pte_list[0], cleared_entry())
        return
    desc = head & ~1
    while desc:
        for i in range(PTE_LIST_EXT):
            if READ_ONCE(desc.sptes[i]) == spte:
                WRITE_ONCE(desc.sptes[i], cleared_entry())
                return
        desc = READ_ONCE(desc.more)


def rmap_remove_invalid(kvm: Any, spte: Any, rmapp: Any) -> None:
    """rmap_remove() of an spte of an invalid memslot, under mmu_lock."""
    if design["locked_remove"] == "pte_list_remove":
        pte_list_remove(spte, rmapp)
    else:
        pte_list_clear_concurrently(spte, rmapp)
    if design["fence_before_check"] == "smp_mb":
        smp_mb()
    while READ_ONCE(kvm.arch.being_unmapped_rmap) == rmapp:     # retry: ... goto retry;
        cpu_relax()


def kvm_unmap_rmapp_invalid(kvm: Any, rmapp: Any) -> int:
    """kvm_unmap_rmapp() of an invalid slot's rmap: entries stay in place as sentinels,
    so the walk steps over them instead of re-reading the head until it empties."""
    need_tlb_flush = 0
    it = rmap_iterator()
    sptep = rmap_get_first(ONCE(rmapp), it, ONCE)
    while sptep:
        if sptep != PTE_LIST_SPTE_SKIP:
            drop_spte(kvm, sptep)
            need_tlb_flush = 1
        sptep = rmap_get_next(it, ONCE)
    return need_tlb_flush


def unmap_rmapp_nolock(kvm: Any, rmapp: Any) -> None:
    """Unmap one rmap of the invalid slot without mmu_lock."""
    preempt_disable()
    WRITE_ONCE(kvm.arch.being_unmapped_rmap, rmapp)
    if design["fence_after_publish"] == "smp_mb":
        smp_mb()
    it = rmap_iterator()
    sptep = rmap_get_first(ONCE(rmapp), it, ONCE)
    while sptep:
        if sptep != PTE_LIST_SPTE_SKIP:
            mmu_spte_clear_track_bits(sptep)
            pte_list_clear_concurrently(sptep, rmapp)
        sptep = rmap_get_next(it, ONCE)
    WRITE_ONCE(kvm.arch.being_unmapped_rmap, NULL)
    preempt_enable()


def unmap_memslot_rmap_nolock(kvm: Any, slot: Any) -> None:
    """Every rmap of the slot, then free its descs."""
    base = slot_geometry(slot, "base_gfn")
    for i in range(slot_geometry(slot, "npages")):
        unmap_rmapp_nolock(kvm, __gfn_to_rmap(base + i, PT_PAGE_TABLE_LEVEL, slot))
    kvm_free_memslot_rmap_descs(kvm, slot)


def kvm_free_memslot_rmap_descs(kvm: Any, slot: Any) -> None:
    """Free the slot's descs; an entry still naming an spte is an spte lost."""
    spin_lock(kvm.mmu_lock)
    base = slot_geometry(slot, "base_gfn")
    for i in range(slot_geometry(slot, "npages")):
        rmapp = __gfn_to_rmap(base + i, PT_PAGE_TABLE_LEVEL, slot)
        head = rmapp[0]
        if head & 1:
            desc = head & ~1
            while desc:
                for j in range(PTE_LIST_EXT):
                    entry = desc.sptes[j]
                    assert_not_lost(entry, i)
                more = desc.more
                mmu_free_pte_list_desc(desc)
                desc = more
        else:
            assert_not_lost(head, i)
        rmapp[0] = 0
    spin_unlock(kvm.mmu_lock)


def assert_not_lost(entry: Any, index: int) -> None:
    assert not entry or entry == PTE_LIST_SPTE_SKIP, (
        f"spte lost: rmap {index} of the deleted slot still holds {entry}")


# -- the lock holders --------------------------------------------------------------------
def zap_shadow_page(kvm: Any, sp: Any) -> None:
    """kvm_mmu_zap_page-style caller: prepare and commit under mmu_lock."""
    invalid_list: list[Any] = []
    spin_lock(kvm.mmu_lock)
    kvm_mmu_prepare_zap_page(kvm, sp, invalid_list)
    kvm_mmu_commit_zap_page(kvm, invalid_list)
    spin_unlock(kvm.mmu_lock)


def kvm_mmu_notifier_invalidate_page(kvm: Any, slot: Any, gfn: int) -> None:
    """The notifier's unmap of one gfn (kvm_unmap_hva -> kvm_handle_hva), under mmu_lock."""
    spin_lock(kvm.mmu_lock)
    kvm_unmap_rmapp(kvm, __gfn_to_rmap(gfn, PT_PAGE_TABLE_LEVEL, slot), slot)
    spin_unlock(kvm.mmu_lock)
