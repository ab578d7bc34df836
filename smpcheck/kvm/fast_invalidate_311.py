"""What Linux 3.11 merged: "KVM: MMU: fast invalidate all pages" and "KVM: MMU: collapse
TLB flushes when zap all pages" (Xiao Guangrong, 2013), with the 3.x vcpu handshake.

Sources read (function bodies; names and the order of accesses follow them):

* arch/x86/kvm/mmu.c: walk_shadow_page_lockless_begin/_end, kvm_mmu_prepare_zap_page
  (the ``!sp->role.invalid && !is_obsolete_sp()`` reload test of the collapse patch),
  kvm_mmu_commit_zap_page, mmu_page_zap_pte, kvm_mmu_unlink_parents,
  kvm_zap_obsolete_pages, kvm_mmu_invalidate_zap_all_pages, as stored in a 4.x copy
  of mmu.c whose text of these functions is the 3.11 text (the 3.11 tag itself was
  not in the index; ``kvm->arch.zapped_obsolete_pages`` is 3.11's "reclaim the
  zapped-obsolete page first", also from 2013);
* arch/x86/kvm/x86.c vcpu_enter_guest() of 3.11-3.14: ``vcpu->mode = IN_GUEST_MODE;
  smp_mb(); local_irq_disable(); if (vcpu->mode == EXITING_GUEST_MODE ||
  vcpu->requests ...) cancel`` (3.15 made the smp_mb smp_mb__after_srcu_read_unlock);
* virt/kvm/kvm_main.c make_all_cpus_request(), kvm_flush_remote_tlbs(),
  kvm_reload_remote_mmus(), include/linux/kvm_host.h kvm_make_request() (set_bit),
  kvm_check_request() (test_bit + clear_bit), kvm_vcpu_exiting_guest_mode() (cmpxchg
  IN_GUEST_MODE -> EXITING_GUEST_MODE): written in :mod:`smpcheck.kvm.mmu_39` from
  the 3.x design as remembered, not checked against a stored copy of that version.

IPIs are :mod:`smpcheck.kernel.smp` (its docstring gives the encoding and why it is
faithful): a vcpu thread's interrupts-off regions are visible to the sender, which
waits until the target has interrupts on.  For the two scenarios:

* the lockless walker's region is local_irq_disable .. local_irq_enable, with the
  mode store and smp_mb inside it; the freer's kvm_flush_remote_tlbs() reads mode
  (cmpxchg) after its smp_mb: it sees READING_SHADOW_PAGE_TABLES and waits for the
  region's end, or sees OUTSIDE_GUEST_MODE and then (store buffering forbidden by
  both smp_mb) the walker reads the cleared parent spte and never reaches the page;
* a vcpu in guest mode runs with host interrupts off (vcpu_enter_guest disables them
  before the request check and enables them after the exit): the IPI of
  kvm_reload_remote_mmus() waits for the exit, so the guest's page walk is done
  before the zap clears and frees the pages it used.

Bounds and deviations (besides mmu_39's):

* two shadow pages: a root (level 2, root_count 1, the vcpu's root_hpa) whose spt[0]
  points to a last-level child whose spt[0] maps gfn 0; a non-leaf spte is the
  child's ``spt`` address | PRESENT | WRITABLE (a tagged pointer; masking with
  ``~(PAGE_SIZE - 1)`` stands for ``& PT64_BASE_ADDR_MASK``);
* ``kvm->arch.active_mmu_pages`` and ``sp->link`` are a list in shared memory
  (list_add/__list_del as in list.h; list_del's poisoning is omitted); an invalid
  list (the zapper's zapped_obsolete_pages, mmu_free_roots' local list) is a Python
  list of the CPU that owns it: list_move to it is __list_del_entry in memory;
* BATCH_ZAP_PAGES: with at most two pages to zap the kernel's 10 is never reached;
  the switch ``batch_zap_pages=1`` lowers it so that the lock-break runs, and then
  cond_resched_lock() always breaks (spin_needbreak taken as true);
* the guest: kvm_x86_ops->run() is the hardware's walk of the root, two marked loads
  (root spt[0], then the child's spt[0]), the translation the TLB would hold;
* after kvm_mmu_unload() the vcpu would load a new root (kvm_mmu_get_page, which
  skips obsolete pages with is_obsolete_sp): not run, the vcpu stops there; at most
  two passes of vcpu_enter_guest();
* vcpu->cpu is fixed (vcpu_load ran before), read without an event; the request
  bits KVM_REQ_TLB_FLUSH = 0 and KVM_REQ_MMU_RELOAD = 1 (3.11: bits 0 and 5).
"""

from __future__ import annotations

from typing import Any

from smpcheck.kernel import (
    READ_ONCE,
    addr,
    container_of,
    local_irq_disable,
    local_irq_enable,
    preempt_disable,
    preempt_enable,
    smp_mb,
    smp_wmb,
    spin_lock,
    spin_unlock,
)
from smpcheck.kvm import mmu_39
from smpcheck.kvm.mmu_39 import (
    EXITING_GUEST_MODE,
    IN_GUEST_MODE,
    INVALID_PAGE,
    KVM_REQ_MMU_RELOAD,
    KVM_REQ_TLB_FLUSH,
    OUTSIDE_GUEST_MODE,
    PAGE_SHIFT,
    PT_PAGE_TABLE_LEVEL,
    READING_SHADOW_PAGE_TABLES,
    drop_spte,
    is_last_spte,
    is_shadow_present_pte,
    kvm_check_request,
    kvm_mmu_commit_zap_page,
    kvm_reload_remote_mmus,
    list_head,
    page_header,
    pte_list_remove,
    rmap_get_first,
    rmap_iterator,
)

PAGE_SIZE = 1 << PAGE_SHIFT
PT_DIRECTORY_LEVEL = 2
PT64_ROOT_LEVEL = PT_DIRECTORY_LEVEL   # bound: a two-level direct (tdp) map
design: dict[str, str] = {}


# -- structures: 3.11 adds links and parents to 3.9's shadow page --------------------------
class kvm_mmu_page(mmu_39.kvm_mmu_page):
    link = list_head                 # on kvm->arch.active_mmu_pages
    parent_ptes = 0                  # unsigned long: a pte_list of the parent sptes


class kvm_arch(mmu_39.kvm_arch):
    active_mmu_pages = list_head


class kvm_t(mmu_39.kvm_t):
    arch = kvm_arch


def BATCH_ZAP_PAGES() -> int:  # the kernel's macro, bounded by a switch
    return int(design["batch_zap_pages"])


# -- <linux/list.h> ------------------------------------------------------------------------
def __list_add(new: Any, prev: Any, next: Any) -> None:
    next.prev = new
    new.next = next
    new.prev = prev
    prev.next = new


def list_add(new: Any, head: Any) -> None:
    __list_add(new, head, head.next)


def __list_del_entry(entry: Any) -> None:
    prev, next = entry.prev, entry.next
    next.prev = prev
    prev.next = next


def list_move(entry: Any, head: Any) -> None:
    __list_del_entry(entry)
    list_add(entry, head)


def link_entry(link: Any) -> Any:
    return container_of(link, kvm_mmu_page, "link")


# -- mmu.c of 3.11 ---------------------------------------------------------------------------
def is_obsolete_sp(kvm: Any, sp: Any) -> Any:
    return sp.mmu_valid_gen != kvm.arch.mmu_valid_gen


def mmu_spte_get_lockless(sptep: Any) -> Any:
    return READ_ONCE(sptep[0])            # __get_spte_lockless() on x86-64: ACCESS_ONCE


def mmu_spte_clear_no_track(sptep: Any) -> None:
    sptep[0] = 0                           # __update_clear_spte_fast(sptep, 0ull)


def spte_child(pte: Any) -> Any:
    return page_header(pte & ~(PAGE_SIZE - 1))   # page_header(pte & PT64_BASE_ADDR_MASK)


def mmu_page_remove_parent_pte(sp: Any, parent_pte: Any) -> None:
    pte_list_remove(parent_pte, addr(sp.parent_ptes))


def drop_parent_pte(sp: Any, parent_pte: Any) -> None:
    mmu_page_remove_parent_pte(sp, parent_pte)
    mmu_spte_clear_no_track(parent_pte)


def mmu_page_zap_pte(kvm: Any, sp: Any, spte: Any) -> bool:
    pte = spte[0]
    if is_shadow_present_pte(pte):
        if is_last_spte(pte, sp.role.level):
            drop_spte(kvm, spte)
        else:
            child = spte_child(pte)
            drop_parent_pte(child, spte)
        return True
    return False


def kvm_mmu_page_unlink_children(kvm: Any, sp: Any) -> None:
    for i in range(mmu_39.PT64_ENT_PER_PAGE):
        mmu_page_zap_pte(kvm, sp, addr(sp.spt[i]))


def kvm_mmu_unlink_parents(kvm: Any, sp: Any) -> None:
    it = rmap_iterator()
    while sptep := rmap_get_first(sp.parent_ptes, it):
        drop_parent_pte(sp, sptep)


def kvm_mmu_prepare_zap_page(kvm: Any, sp: Any, invalid_list: list[Any]) -> int:
    """3.11 (no unsync children, direct pages: nothing to unaccount)."""
    ret = 0
    kvm_mmu_page_unlink_children(kvm, sp)
    kvm_mmu_unlink_parents(kvm, sp)
    if not sp.root_count:
        ret += 1
        __list_del_entry(addr(sp.link))    # list_move(&sp->link, invalid_list)
        invalid_list.append(sp)
    else:
        list_move(addr(sp.link), addr(kvm.arch.active_mmu_pages))
        if not sp.role.invalid and not is_obsolete_sp(kvm, sp):
            kvm_reload_remote_mmus(kvm)
    sp.role.invalid = 1
    return ret


def cond_resched_lock(lock: Any) -> int:
    """Always breaks the lock (spin_needbreak taken as true): the widest interleaving."""
    spin_unlock(lock)
    spin_lock(lock)
    return 1


def kvm_zap_obsolete_pages(kvm: Any, zapped_obsolete_pages: list[Any]) -> None:
    batch = 0
    head = addr(kvm.arch.active_mmu_pages)
    restart = True
    for _ in range(4):                     # goto restart, bounded
        if not restart:
            break
        restart = False
        # list_for_each_entry_safe_reverse(sp, node, &kvm->arch.active_mmu_pages, link)
        pos = head.prev
        while pos != head:
            sp = link_entry(pos)
            node = pos.prev
            if not is_obsolete_sp(kvm, sp):
                break
            if sp.role.invalid:
                pos = node
                continue
            if batch >= BATCH_ZAP_PAGES() and cond_resched_lock(kvm.mmu_lock):
                batch = 0
                restart = True
                break
            ret = kvm_mmu_prepare_zap_page(kvm, sp, zapped_obsolete_pages)
            batch += ret
            if ret:
                restart = True
                break
            pos = node
    kvm_mmu_commit_zap_page(kvm, zapped_obsolete_pages)


def kvm_mmu_invalidate_zap_all_pages(kvm: Any) -> None:
    zapped_obsolete_pages: list[Any] = []   # kvm->arch.zapped_obsolete_pages
    spin_lock(kvm.mmu_lock)
    kvm.arch.mmu_valid_gen = kvm.arch.mmu_valid_gen + 1
    kvm_reload_remote_mmus(kvm)
    kvm_zap_obsolete_pages(kvm, zapped_obsolete_pages)
    spin_unlock(kvm.mmu_lock)


# -- the lockless walk ------------------------------------------------------------------------
def walk_shadow_page_lockless_begin(vcpu: Any) -> None:
    if design["walker_irqs"] == "disable":
        local_irq_disable()
    vcpu.mode = READING_SHADOW_PAGE_TABLES
    if design["walker_fence"] == "smp_mb":
        smp_mb()


def walk_shadow_page_lockless_end(vcpu: Any) -> None:
    smp_mb()
    vcpu.mode = OUTSIDE_GUEST_MODE
    if design["walker_irqs"] == "disable":
        local_irq_enable()


def walk_shadow_page_get_spte(vcpu: Any) -> Any:
    """walk_shadow_page_get_mmio_spte()-style: for_each_shadow_entry_lockless down to
    the last level at index 0; the last spte read."""
    walk_shadow_page_lockless_begin(vcpu)
    sptep = vcpu.arch.mmu.root_hpa            # shadow_walk_init: __va(root_hpa) + index
    level = PT64_ROOT_LEVEL
    spte = 0
    for _ in range(PT64_ROOT_LEVEL):
        spte = mmu_spte_get_lockless(sptep)
        if not is_shadow_present_pte(spte) or level == PT_PAGE_TABLE_LEVEL:
            break
        sptep = addr(spte_child(spte).spt[0])  # __shadow_walk_next
        level -= 1
    walk_shadow_page_lockless_end(vcpu)
    return spte


# -- the vcpu: x86.c vcpu_enter_guest() of 3.11 ------------------------------------------------
def mmu_free_roots(vcpu: Any, kvm: Any) -> None:
    invalid_list: list[Any] = []
    root = vcpu.arch.mmu.root_hpa
    if root == INVALID_PAGE:
        return
    spin_lock(kvm.mmu_lock)
    sp = page_header(root)
    sp.root_count = sp.root_count - 1
    if not sp.root_count and sp.role.invalid:
        kvm_mmu_prepare_zap_page(kvm, sp, invalid_list)
        kvm_mmu_commit_zap_page(kvm, invalid_list)
    spin_unlock(kvm.mmu_lock)
    vcpu.arch.mmu.root_hpa = INVALID_PAGE


def kvm_mmu_unload(vcpu: Any, kvm: Any) -> None:
    mmu_free_roots(vcpu, kvm)


def guest_run(vcpu: Any) -> Any:
    """kvm_x86_ops->run(): the hardware walks the root to the child's spte."""
    spte = READ_ONCE(vcpu.arch.mmu.root_hpa[0])
    if is_shadow_present_pte(spte):
        spte = READ_ONCE(spte_child(spte).spt[0])
    return spte


def vcpu_enter_guest(vcpu: Any, kvm: Any) -> int:
    """1: go round again; 0: the vcpu stops (here: it would load a new root)."""
    if vcpu.requests:
        if kvm_check_request(KVM_REQ_MMU_RELOAD, vcpu):
            kvm_mmu_unload(vcpu, kvm)
        kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu)   # kvm_x86_ops->tlb_flush(vcpu)
    if vcpu.arch.mmu.root_hpa == INVALID_PAGE:      # kvm_mmu_reload(): not modelled
        return 0
    preempt_disable()
    vcpu.mode = IN_GUEST_MODE
    if design["vcpu_fence"] == "smp_mb":
        smp_mb()
    local_irq_disable()
    if vcpu.mode == EXITING_GUEST_MODE or vcpu.requests:
        vcpu.mode = OUTSIDE_GUEST_MODE
        smp_wmb()
        local_irq_enable()
        preempt_enable()
        return 1
    guest_run(vcpu)
    vcpu.mode = OUTSIDE_GUEST_MODE
    smp_wmb()
    local_irq_enable()
    preempt_enable()
    return 0


def __vcpu_run(vcpu: Any, kvm: Any) -> None:
    for _ in range(2):
        if not vcpu_enter_guest(vcpu, kvm):
            return
