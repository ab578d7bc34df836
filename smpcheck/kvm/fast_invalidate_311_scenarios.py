"""The scenarios of Linux 3.11's fast invalidation (:mod:`smpcheck.kvm.fast_invalidate_311`)
and its catalogue entry (``smpcheck kvm list``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smpcheck.kernel import POISON, addr, preallocated
from smpcheck.kernel.smp import ipi_target
from smpcheck.kvm import mmu_39
from smpcheck.kvm.fast_invalidate_311 import (
    PT_DIRECTORY_LEVEL,
    __vcpu_run,
    design,
    kvm_mmu_invalidate_zap_all_pages,
    kvm_mmu_page,
    kvm_t,
    walk_shadow_page_get_spte,
)
from smpcheck.kvm.mmu_39 import (
    PAGE_SHIFT,
    PT_ACCESSED_MASK,
    PT_DIRTY_MASK,
    PT_PAGE_TABLE_LEVEL,
    PT_PRESENT_MASK,
    PT_WRITABLE_MASK,
    Patches,
    apply_patches,
    install_memslots,
    install_vcpus,
    kvm_memory_slot,
    kvm_vcpu,
)
from smpcheck.kvm.registry import Built, KvmModel, Scenario, Switch, globals_of
from smpcheck.model.model import FinalState, Model


def leaf_spte(pfn: int) -> int:
    return (pfn << PAGE_SHIFT | PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_ACCESSED_MASK
            | PT_DIRTY_MASK)


def setup(settings: Mapping[str, str]) -> tuple[Any, Any, Any, Any, Any]:
    """kvm (gen 0), a memslot for gfn 0, vcpu0 on CPU 0 with root -> child, both on
    active_mmu_pages (root oldest: at the tail)."""
    design.clear()
    design.update(settings)
    apply_patches(Patches(ipi_wait=settings["ipi_wait"] == "wait"))
    kvm = kvm_t()
    root = preallocated(kvm_mmu_page(role={"level": PT_DIRECTORY_LEVEL, "direct": 1},
                                     root_count=1))
    child = preallocated(kvm_mmu_page(role={"level": PT_PAGE_TABLE_LEVEL, "direct": 1}))
    slot = kvm_memory_slot(base_gfn=0, npages=1,
                           arch={"rmap": [[addr(child.spt[0]), 0]]})
    head = addr(kvm.arch.active_mmu_pages)
    # head <-> child <-> root <-> head  (list_add puts the newest first)
    mmu_39.set_initial(kvm, ("arch", "active_mmu_pages"), {"next": addr(child.link),
                                                           "prev": addr(root.link)})
    mmu_39.set_initial(child, ("link",), {"next": addr(root.link), "prev": head})
    mmu_39.set_initial(root, ("link",), {"next": head, "prev": addr(child.link)})
    mmu_39.set_initial(root, ("spt",), [addr(child.spt[0]) | PT_PRESENT_MASK
                                        | PT_WRITABLE_MASK, 0])
    mmu_39.set_initial(child, ("spt",), [leaf_spte(1), 0])
    mmu_39.set_initial(child, ("parent_ptes",), addr(root.spt[0]))
    vcpu = kvm_vcpu(cpu=0, arch={"mmu": {"root_hpa": addr(root.spt[0])}})
    install_memslots(kvm, [slot])
    install_vcpus(kvm, [vcpu])
    return kvm, slot, root, child, vcpu


def build_walker(settings: Mapping[str, str]) -> Built:
    kvm, slot, root, child, vcpu = setup(settings)

    def walker() -> Any:
        return {"spte": walk_shadow_page_get_spte(vcpu)}

    def zapper() -> Any:
        kvm_mmu_invalidate_zap_all_pages(kvm)

    irqs_off_vcpu0 = ipi_target(walker)
    model = Model("fast-invalidate-3.11 walker", [walker, zapper],
                  cpu_names=["walker", "zapper"])
    return globals_of(model, kvm=kvm, slot=slot, root=root, child=child, vcpu0=vcpu,
                      irqs_off_vcpu0=irqs_off_vcpu0)


def no_present_child_spte(state: FinalState) -> bool:
    """the root no longer points to the child"""
    spte = state.memory["root.spt[0]"]
    return spte is POISON or not (spte & PT_PRESENT_MASK)  # (freed, or not present)


def build_enter_guest(settings: Mapping[str, str]) -> Built:
    kvm, slot, root, child, vcpu = setup(settings)

    def vcpu0() -> Any:
        __vcpu_run(vcpu, kvm)

    def zapper() -> Any:
        kvm_mmu_invalidate_zap_all_pages(kvm)

    irqs_off_vcpu0 = ipi_target(vcpu0)
    model = Model("fast-invalidate-3.11 enter-guest", [vcpu0, zapper],
                  forall=no_present_child_spte, cpu_names=["vcpu0", "zapper"])
    return globals_of(model, kvm=kvm, slot=slot, root=root, child=child, vcpu0=vcpu,
                      irqs_off_vcpu0=irqs_off_vcpu0)


MODEL = KvmModel(
    name="fast-invalidate-3.11",
    follows="Linux 3.11 arch/x86/kvm/mmu.c (fast invalidate all pages; collapse TLB "
            "flushes when zap all pages), x86.c vcpu_enter_guest, kvm_main.c requests",
    description="zap-all bumps kvm->arch.mmu_valid_gen, asks every vcpu to reload, and "
                "zaps the obsolete pages with lock-breaks; freeing waits for vcpus in "
                "guest mode or in lockless walks through the IPI of "
                "kvm_flush_remote_tlbs()",
    scenarios=(
        Scenario("walker", "a lockless walk (root -> child spte) on vcpu0 vs "
                 "kvm_mmu_invalidate_zap_all_pages freeing the child", build_walker),
        Scenario("enter-guest", "vcpu0 entering the guest on its root vs zap-all: it sees "
                 "the reload request or is IPI'd", build_enter_guest),
    ),
    switches=(
        Switch("walker_fence", ("smp_mb", "none"), "the smp_mb() after the walker's "
               "vcpu->mode = READING_SHADOW_PAGE_TABLES"),
        Switch("walker_irqs", ("disable", "enabled"), "whether the lockless walk runs "
               "with interrupts off (local_irq_disable/enable around it)"),
        Switch("vcpu_fence", ("smp_mb", "none"), "the smp_mb() between vcpu_enter_guest's "
               "vcpu->mode = IN_GUEST_MODE and its read of vcpu->requests"),
        Switch("ipi_wait", ("wait", "nowait"), "whether make_all_cpus_request waits for "
               "the IPI handlers (smp_call_function_many's wait)"),
        Switch("batch_zap_pages", ("10", "1"), "BATCH_ZAP_PAGES (10 in 3.11; 1 makes "
               "kvm_zap_obsolete_pages break the lock)"),
    ),
    variants=({}, {"walker_fence": "none"}, {"walker_irqs": "enabled"},
              {"vcpu_fence": "none"}, {"ipi_wait": "nowait"}, {"batch_zap_pages": "1"}),
)
