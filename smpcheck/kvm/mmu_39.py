"""arch/x86/kvm/mmu.c of Linux 3.9: rmaps, sptes and shadow-page zapping.

Function for function and name for name the 3.9 code, reduced to what the
scenarios run.  Where this file deviates it says so at the function.  The
bounds every scenario shares:

* a shadow page holds ``PT64_ENT_PER_PAGE`` = 2 sptes (512 in the kernel), and
  the header and its ``spt``/``gfns`` pages are one object, freed together by
  kvm_mmu_free_page(): any access to a freed page's sptes is a use-after-free;
* one page size (``KVM_NR_PAGE_SIZES`` = 1: 4K rmaps only), ``NPAGES`` = 2 gfns
  per memslot, last-level sptes only (no parent/child links, no unsync pages);
* a caller's ``LIST_HEAD(invalid_list)`` is a Python list: it lives on the
  caller's stack and its links are touched under mmu_lock only;
* kvm_set_pfn_accessed()/kvm_set_pfn_dirty() are bookkeeping of the checks,
  not memory: each CPU counts what it reported (``pfn_reports``);
* gfn_to_memslot() is a lookup in the scenario's memslot table: memslots are
  SRCU-protected and do not change while a scenario runs.

An rmap head is an ``unsigned long``: 0 is empty, bit 0 clear a ``u64 *spte``,
bit 0 set a ``struct pte_list_desc *`` | 1.  Pointers carry tag bits
(:class:`smpcheck.model.objects.Ref`), so ``(unsigned long)desc | 1`` is written as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smpcheck.kernel import (
    BUG,
    WARN_ON,
    addr,
    clear_bit,
    cmpxchg,
    container_of,
    kfree,
    kmalloc,
    set_bit,
    smp_mb,
    test_bit,
    xchg,
)
from smpcheck.kernel.ghost import ghost_add, ghost_state
from smpcheck.kernel.smp import ack_flush, smp_call_function_many, smp_processor_id
from smpcheck.kernel.spinlock import SpinLock  # noqa: F401 - a declaration
from smpcheck.kvm.access import plain_load
from smpcheck.model.objects import NULL, Array, Field, Struct

# -- constants (arch/x86/kvm/mmu.h, mmu.c, kvm_host.h) -------------------------
PAGE_SHIFT = 12
PT_PRESENT_MASK = 1 << 0
PT_WRITABLE_MASK = 1 << 1
PT_ACCESSED_MASK = 1 << 5
PT_DIRTY_MASK = 1 << 6
PT_FIRST_AVAIL_BITS_SHIFT = 10
SPTE_HOST_WRITEABLE = 1 << PT_FIRST_AVAIL_BITS_SHIFT
SPTE_MMU_WRITEABLE = 1 << (PT_FIRST_AVAIL_BITS_SHIFT + 1)
shadow_accessed_mask = PT_ACCESSED_MASK  # shadow paging: the x86 A/D bits
shadow_dirty_mask = PT_DIRTY_MASK
shadow_mmio_mask = 0  # no MMIO sptes in the scenarios
PT_PAGE_TABLE_LEVEL = 1
PTE_LIST_EXT = 3
PT64_ENT_PER_PAGE = 2   # bound (512 in the kernel)
KVM_NR_PAGE_SIZES = 1   # bound (3 in the kernel)
NPAGES = 2              # bound: gfns per memslot
KVM_MEMSLOT_INVALID = 1 << 16
INVALID_PAGE = 0


# -- structures ------------------------------------------------------------------
class pte_list_desc(Struct):
    sptes = Array(PTE_LIST_EXT, NULL)   # u64 *sptes[PTE_LIST_EXT]
    more = Field(NULL, "ptr")           # struct pte_list_desc *more


class kvm_mmu_page_role(Struct):
    level = PT_PAGE_TABLE_LEVEL
    direct = 0
    invalid = 0


class kvm_mmu_page(Struct):
    gfn = 0
    role = kvm_mmu_page_role
    root_count = 0
    mmu_valid_gen = 0                          # 3.11
    spt = Array(PT64_ENT_PER_PAGE, 0)          # u64 *spt: the page of sptes
    gfns = Array(PT64_ENT_PER_PAGE, 0)         # gfn_t *gfns


class kvm_arch_memory_slot(Struct):
    rmap = Array(KVM_NR_PAGE_SIZES, Array(NPAGES, 0))   # unsigned long *rmap[]


class kvm_memory_slot(Struct):
    base_gfn = 0
    npages = 1
    flags = 0
    arch = kvm_arch_memory_slot


class kvm_arch(Struct):
    being_unmapped_rmap = Field(NULL, "ptr")   # the 2013 proposal
    mmu_valid_gen = 0                          # 3.11


class kvm_t(Struct):
    """``struct kvm`` (a Python name cannot be both the type and the variable)."""

    mmu_lock = SpinLock()
    arch = kvm_arch


# -- where a proposal changes 3.9 (nothing, in 3.9 itself) --------------------------
@dataclass
class Patches:
    """The points where a proposal built on 3.9 changes the functions of this file.

    ``spte_clear_xchg``: mmu_spte_clear_track_bits() always clears with xchg.
    ``rmap_remove_invalid``: rmap_remove() of an spte whose memslot is
    KVM_MEMSLOT_INVALID calls this instead of pte_list_remove().
    ``unmap_rmapp_invalid``: kvm_unmap_rmapp() of an invalid slot's rmap calls this.
    ``ipi_wait``: smp_call_function_many(..., wait) of make_all_cpus_request().
    """

    spte_clear_xchg: bool = False
    rmap_remove_invalid: Callable[[Any, Any, Any], None] | None = None
    unmap_rmapp_invalid: Callable[[Any, Any], int] | None = None
    ipi_wait: bool = True       # make_all_cpus_request waits for the IPI handlers


patches = Patches()


def apply_patches(new: Patches) -> None:
    """Install a proposal's changes (a scenario does, before it is checked)."""
    global patches
    patches = new


# -- the scenario's static tables ---------------------------------------------------
_memslots: dict[int, list[Any]] = {}


def install_memslots(kvm: Any, slots: list[Any]) -> None:
    """The memslots of ``kvm`` (a scenario sets them before it runs)."""
    _memslots[id(kvm._obj)] = slots


def gfn_to_memslot(kvm: Any, gfn: Any) -> Any:
    """The slot holding ``gfn``, or NULL (static lookup: see the module docstring)."""
    for slot in _memslots.get(id(kvm._obj), []):
        base = slot_geometry(slot, "base_gfn")
        if base <= gfn < base + slot_geometry(slot, "npages"):
            return slot
    return NULL


# -- A/D bookkeeping (struct page flags, outside the model's memory) ----------------
def kvm_set_pfn_accessed(pfn: Any) -> None:
    """mark_page_accessed(pfn_to_page(pfn)), counted per CPU for the checks."""
    ghost_add(f"accessed_{int(pfn)}")


def kvm_set_pfn_dirty(pfn: Any) -> None:
    """SetPageDirty(pfn_to_page(pfn)), counted per CPU for the checks."""
    ghost_add(f"dirty_{int(pfn)}")


def pfn_reports() -> dict[str, int]:
    """What the running CPU reported accessed/dirty: its registers for the checks."""
    return ghost_state()


# -- spte helpers -------------------------------------------------------------------
def is_mmio_spte(spte: Any) -> bool:
    return shadow_mmio_mask != 0 and (spte & shadow_mmio_mask) == shadow_mmio_mask


def is_shadow_present_pte(pte: Any) -> bool:
    return bool(pte & PT_PRESENT_MASK) and not is_mmio_spte(pte)


def is_rmap_spte(pte: Any) -> bool:
    return is_shadow_present_pte(pte)


def is_writable_pte(pte: Any) -> bool:
    return bool(pte & PT_WRITABLE_MASK)


def is_last_spte(pte: Any, level: Any) -> Any:
    return level == PT_PAGE_TABLE_LEVEL


def spte_to_pfn(pte: Any) -> Any:
    return pte >> PAGE_SHIFT


def __update_clear_spte_fast(sptep: Any, spte: Any) -> None:
    sptep[0] = spte                       # *sptep = spte;


def __update_clear_spte_slow(sptep: Any, spte: Any) -> Any:
    return xchg(sptep[0], spte)


def spte_is_locklessly_modifiable(spte: Any) -> Any:
    return (spte & (SPTE_HOST_WRITEABLE | SPTE_MMU_WRITEABLE)) == (
        SPTE_HOST_WRITEABLE | SPTE_MMU_WRITEABLE)


def spte_has_volatile_bits(spte: Any) -> bool:
    if spte_is_locklessly_modifiable(spte):
        return True
    if not shadow_accessed_mask:
        return False
    if not is_shadow_present_pte(spte):
        return False
    if (spte & shadow_accessed_mask) and (not is_writable_pte(spte)  # noqa: SIM103
                                          or (spte & shadow_dirty_mask)):
        return False
    return True


def mmu_spte_clear_track_bits(sptep: Any) -> int:
    """3.9; with ``patches.spte_clear_xchg`` the plain read is skipped and the spte is
    cleared with xchg whatever its old value."""
    if patches.spte_clear_xchg:
        old_spte = __update_clear_spte_slow(sptep, 0)
    else:
        old_spte = sptep[0]               # u64 old_spte = *sptep;
        if not spte_has_volatile_bits(old_spte):
            __update_clear_spte_fast(sptep, 0)
        else:
            old_spte = __update_clear_spte_slow(sptep, 0)
    if not is_rmap_spte(old_spte):
        return 0
    pfn = spte_to_pfn(old_spte)
    if not shadow_accessed_mask or old_spte & shadow_accessed_mask:
        kvm_set_pfn_accessed(pfn)
    if not shadow_dirty_mask or (old_spte & shadow_dirty_mask):
        kvm_set_pfn_dirty(pfn)
    return 1


# -- rmaps: pte_list_* ----------------------------------------------------------------
def mmu_free_pte_list_desc(pte_list_desc_: Any) -> None:
    kfree(pte_list_desc_)                 # kmem_cache_free(pte_list_desc_cache, ...)


def mmu_alloc_pte_list_desc(vcpu: Any) -> Any:
    """From the vcpu's memory cache: a fresh zeroed desc (the cache is not modelled)."""
    return kmalloc(pte_list_desc)


def pte_list_add(vcpu: Any, spte: Any, pte_list: Any) -> int:
    count = 0
    if not pte_list[0]:
        pte_list[0] = spte
    elif not (pte_list[0] & 1):
        desc = mmu_alloc_pte_list_desc(vcpu)
        desc.sptes[0] = pte_list[0]
        desc.sptes[1] = spte
        pte_list[0] = desc | 1
        count += 1
    else:
        desc = pte_list[0] & ~1
        while desc.sptes[PTE_LIST_EXT - 1] and desc.more:
            desc = desc.more
            count += PTE_LIST_EXT
        if desc.sptes[PTE_LIST_EXT - 1]:
            desc.more = mmu_alloc_pte_list_desc(vcpu)
            desc = desc.more
        i = 0
        while desc.sptes[i]:
            count += 1
            i += 1
        desc.sptes[i] = spte
    return count


def pte_list_desc_remove_entry(pte_list: Any, desc: Any, i: int, prev_desc: Any) -> None:
    j = PTE_LIST_EXT - 1
    while not desc.sptes[j] and j > i:
        j -= 1
    desc.sptes[i] = desc.sptes[j]
    desc.sptes[j] = NULL
    if j != 0:
        return
    if not prev_desc and not desc.more:
        pte_list[0] = desc.sptes[0]
    elif prev_desc:
        prev_desc.more = desc.more
    else:
        pte_list[0] = desc.more | 1
    mmu_free_pte_list_desc(desc)


def pte_list_remove(spte: Any, pte_list: Any) -> None:
    if not pte_list[0]:
        raise AssertionError(f"pte_list_remove: {spte} 0->BUG")
    elif not (pte_list[0] & 1):
        if pte_list[0] != spte:
            raise AssertionError(f"pte_list_remove: {spte} 1->BUG")
        pte_list[0] = 0
    else:
        desc = pte_list[0] & ~1
        prev_desc = NULL
        while desc:
            i = 0
            while i < PTE_LIST_EXT and desc.sptes[i]:
                if desc.sptes[i] == spte:
                    pte_list_desc_remove_entry(pte_list, desc, i, prev_desc)
                    return
                i += 1
            prev_desc = desc
            desc = desc.more
        raise AssertionError(f"pte_list_remove: {spte} many->many")


def slot_geometry(slot: Any, name: str) -> Any:
    """``slot->base_gfn`` / ``slot->npages``: fixed when the slot is created, read
    without a memory event (nothing writes them while a scenario runs)."""
    return slot._obj.init_value((name,))


def __gfn_to_rmap(gfn: Any, level: Any, slot: Any) -> Any:
    idx = gfn - slot_geometry(slot, "base_gfn")          # gfn_to_index() at 4K
    return addr(slot.arch.rmap[level - PT_PAGE_TABLE_LEVEL][idx])


def page_header(spte: Any) -> Any:
    """``page_header(__pa(spte))``: the shadow page whose spt[] holds ``spte``."""
    return container_of(spte, kvm_mmu_page, "spt")


def kvm_mmu_page_get_gfn(sp: Any, index: int) -> Any:
    if not sp.role.direct:
        return sp.gfns[index]
    return sp.gfn + index


def rmap_remove(kvm: Any, spte: Any) -> None:
    sp = page_header(spte)
    gfn = kvm_mmu_page_get_gfn(sp, spte - addr(sp.spt))
    slot = gfn_to_memslot(kvm, gfn)
    rmapp = __gfn_to_rmap(gfn, sp.role.level, slot)
    if patches.rmap_remove_invalid and slot_geometry(slot, "flags") & KVM_MEMSLOT_INVALID:
        patches.rmap_remove_invalid(kvm, spte, rmapp)
        return
    pte_list_remove(spte, rmapp)


# -- rmap iterators (3.9) ----------------------------------------------------------------
class rmap_iterator:
    """``struct rmap_iterator``: a CPU-local cursor (a C local, not shared memory)."""

    def __init__(self) -> None:
        self.desc: Any = NULL
        self.pos = 0


def rmap_get_first(rmap: Any, iter: rmap_iterator, load: Callable[[Any], Any] = plain_load
                   ) -> Any:
    """3.9; ``load`` reads an entry (READ_ONCE for the proposal's lockless walks)."""
    if not rmap:
        return NULL
    if not (rmap & 1):
        iter.desc = NULL
        return rmap
    iter.desc = rmap & ~1
    iter.pos = 0
    return load(addr(iter.desc.sptes[iter.pos]))


def rmap_get_next(iter: rmap_iterator, load: Callable[[Any], Any] = plain_load) -> Any:
    if iter.desc:
        if iter.pos < PTE_LIST_EXT - 1:
            iter.pos += 1
            sptep = load(addr(iter.desc.sptes[iter.pos]))
            if sptep:
                return sptep
        iter.desc = load(addr(iter.desc.more))
        if iter.desc:
            iter.pos = 0
            return load(addr(iter.desc.sptes[iter.pos]))   # sptes[0] cannot be NULL
    return NULL


def drop_spte(kvm: Any, sptep: Any) -> None:
    if mmu_spte_clear_track_bits(sptep):
        rmap_remove(kvm, sptep)


def kvm_unmap_rmapp(kvm: Any, rmapp: Any, slot: Any) -> int:
    if patches.unmap_rmapp_invalid and slot_geometry(slot, "flags") & KVM_MEMSLOT_INVALID:
        return patches.unmap_rmapp_invalid(kvm, rmapp)
    need_tlb_flush = 0
    it = rmap_iterator()
    while sptep := rmap_get_first(rmapp[0], it):
        if not (sptep[0] & PT_PRESENT_MASK):
            BUG()
        drop_spte(kvm, sptep)
        need_tlb_flush = 1
    return need_tlb_flush


# -- shadow pages ----------------------------------------------------------------------
def mmu_page_zap_pte(kvm: Any, sp: Any, spte: Any) -> bool:
    pte = spte[0]
    if is_shadow_present_pte(pte):
        if is_last_spte(pte, sp.role.level):
            drop_spte(kvm, spte)
        return True
    return False


def kvm_mmu_page_unlink_children(kvm: Any, sp: Any) -> None:
    for i in range(PT64_ENT_PER_PAGE):
        mmu_page_zap_pte(kvm, sp, addr(sp.spt[i]))


def kvm_mmu_prepare_zap_page(kvm: Any, sp: Any, invalid_list: list[Any]) -> int:
    """3.9 without unsync children, parents and accounting (none in the scenarios)."""
    ret = 0
    kvm_mmu_page_unlink_children(kvm, sp)
    if not sp.root_count:
        ret += 1
        invalid_list.append(sp)           # list_move(&sp->link, invalid_list)
    else:
        kvm_reload_remote_mmus(kvm)
    sp.role.invalid = 1
    return ret


def kvm_mmu_free_page(sp: Any) -> None:
    kfree(sp)        # list_del, free_page(sp->spt), free_page(sp->gfns), header


def kvm_mmu_commit_zap_page(kvm: Any, invalid_list: list[Any]) -> None:
    if not invalid_list:
        return
    # wmb: everyone sees our changes to the page tables; rmb: we see vcpu->mode
    smp_mb()
    kvm_flush_remote_tlbs(kvm)
    while invalid_list:
        sp = invalid_list.pop(0)
        WARN_ON(not sp.role.invalid or sp.root_count)
        kvm_mmu_free_page(sp)


# -- vcpus and remote requests (include/linux/kvm_host.h, virt/kvm/kvm_main.c; 3.9 = 3.11) --
OUTSIDE_GUEST_MODE = 0
IN_GUEST_MODE = 1
EXITING_GUEST_MODE = 2
READING_SHADOW_PAGE_TABLES = 3
KVM_REQ_TLB_FLUSH = 0
KVM_REQ_MMU_RELOAD = 1      # 5 in the kernel: any bit will do


class list_head(Struct):
    next = Field(NULL, "ptr")
    prev = Field(NULL, "ptr")


class kvm_mmu(Struct):
    root_hpa = Field(INVALID_PAGE, "ptr")   # __pa(root->spt): here &root->spt[0]


class kvm_vcpu_arch(Struct):
    mmu = kvm_mmu


class kvm_vcpu(Struct):
    cpu = -1            # fixed while a scenario runs (vcpu_load ran before): no event
    mode = OUTSIDE_GUEST_MODE
    requests = 0
    arch = kvm_vcpu_arch


_vcpus: dict[int, list[Any]] = {}


def install_vcpus(kvm: Any, vcpus: list[Any]) -> None:
    """The vcpus of ``kvm`` (kvm_for_each_vcpu); a scenario sets them before it runs."""
    _vcpus[id(kvm._obj)] = vcpus


def set_initial(obj: Any, path: tuple[str, ...], value: Any) -> None:
    """Give a declared object's member an initial value after the declaration (for
    initial states that point both ways, such as a circular list)."""
    overrides = obj._obj.spec.overrides
    for key in path[:-1]:
        overrides = overrides.setdefault(key, {})
    overrides[path[-1]] = value


def kvm_make_request(req: int, vcpu: Any) -> None:
    set_bit(req, vcpu.requests)


def kvm_check_request(req: int, vcpu: Any) -> bool:
    if test_bit(req, vcpu.requests):
        clear_bit(req, vcpu.requests)
        return True
    return False


def kvm_vcpu_exiting_guest_mode(vcpu: Any) -> Any:
    return cmpxchg(vcpu.mode, IN_GUEST_MODE, EXITING_GUEST_MODE)


def make_all_cpus_request(kvm: Any, req: int) -> bool:
    """kvm_main.c: set the request in every vcpu; IPI those not OUTSIDE_GUEST_MODE and
    wait (cpus != NULL: the zalloc_cpumask_var failure path is not modelled)."""
    cpus = []
    for vcpu in _vcpus.get(id(kvm._obj), []):
        kvm_make_request(req, vcpu)
        cpu = vcpu._obj.init_value(("cpu",))
        smp_mb()        # Set ->requests bit before we read ->mode
        if (cpu != -1 and cpu != smp_processor_id()
                and kvm_vcpu_exiting_guest_mode(vcpu) != OUTSIDE_GUEST_MODE):
            cpus.append(cpu)
    if cpus:
        smp_call_function_many(cpus, ack_flush, None, patches.ipi_wait)
        return True
    return False


def kvm_flush_remote_tlbs(kvm: Any) -> None:
    """kvm_main.c without kvm->tlbs_dirty (the shadow-paging sync count: none here)."""
    smp_mb()
    make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH)


def kvm_reload_remote_mmus(kvm: Any) -> None:
    make_all_cpus_request(kvm, KVM_REQ_MMU_RELOAD)
