"""The scenarios of the 2013 proposal (:mod:`smpcheck.kvm.unmap_nolock_2013`) and its
catalogue entry (``smpcheck kvm list``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from smpcheck.kernel import addr, preallocated
from smpcheck.kvm import mmu_39
from smpcheck.kvm.mmu_39 import (
    KVM_MEMSLOT_INVALID,
    PAGE_SHIFT,
    PT_ACCESSED_MASK,
    PT_DIRTY_MASK,
    PT_PRESENT_MASK,
    PT_WRITABLE_MASK,
    Patches,
    apply_patches,
    install_memslots,
    kvm_memory_slot,
    kvm_mmu_page,
    kvm_t,
    pfn_reports,
    pte_list_desc,
)
from smpcheck.kvm.registry import Built, KvmModel, Scenario, Switch, globals_of
from smpcheck.kvm.unmap_nolock_2013 import (
    design,
    kvm_mmu_notifier_invalidate_page,
    kvm_unmap_rmapp_invalid,
    rmap_remove_invalid,
    unmap_memslot_rmap_nolock,
    zap_shadow_page,
)
from smpcheck.model.model import FinalState, Model, Unmet
from smpcheck.model.objects import NULL


def spte_value(pfn: int) -> int:
    """A present, writable, accessed and dirty last-level spte for ``pfn`` (no volatile
    bits: 3.9 clears it with a plain store)."""
    return (pfn << PAGE_SHIFT | PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_ACCESSED_MASK
            | PT_DIRTY_MASK)


def shadow_page(gfns: list[int]) -> Any:
    """A shadow page whose sptes map ``gfns`` (gfn i -> pfn i + 1)."""
    spt = [spte_value(g + 1) for g in gfns] + [0] * (2 - len(gfns))
    return preallocated(kvm_mmu_page(spt=spt, gfns=gfns + [0] * (2 - len(gfns))))


def setup(settings: Mapping[str, str], heads: list[Any]) -> tuple[Any, Any]:
    """The kvm and its one memslot, already KVM_MEMSLOT_INVALID (deletion has begun),
    with the given rmap heads; the design's switches installed."""
    design.clear()
    design.update(settings)
    apply_patches(Patches(spte_clear_xchg=settings["spte_clear"] == "xchg",
                          rmap_remove_invalid=rmap_remove_invalid,
                          unmap_rmapp_invalid=kvm_unmap_rmapp_invalid))
    kvm = kvm_t()
    rmap = [list(heads) + [0] * (mmu_39.NPAGES - len(heads))]
    slot = kvm_memory_slot(base_gfn=0, npages=len(heads), flags=KVM_MEMSLOT_INVALID,
                           arch={"rmap": rmap})
    install_memslots(kvm, [slot])
    return kvm, slot


def expect(live: list[str], transitions: dict[int, int]) -> Callable[[FinalState], Any]:
    """The end-state checks: every spte of a page not freed is non-present, and each
    pfn's accessed and dirty are reported once per present-to-non-present transition."""

    def holds(state: FinalState) -> bool | Unmet:
        for name in live:
            for j in range(2):
                if state.memory[f"{name}.spt[{j}]"] & PT_PRESENT_MASK:
                    return Unmet(f"spte lost: {name}.spt[{j}] is still present")
        for pfn, n in transitions.items():
            for what in ("accessed", "dirty"):
                got = sum(r.get(f"{what}_{pfn}", 0) for r in state.regs)
                if got != n:
                    return Unmet(f"pfn {pfn} reported {what} {got} times for {n} cleared "
                                 f"spte{'s' if n > 1 else ''}")
        return True

    holds.__doc__ = "sptes gone, A/D reported once each"
    return holds


def against_unmapper(scenario: str, kvm: Any, slot: Any, role: str,
                     lock_holder: Callable[[], None], check: Callable[[FinalState], Any]
                     ) -> Model:
    """The unmapper on CPU 0, a lock holder (``role``) on CPU 1; each reports A/D."""

    def unmapper() -> Any:
        unmap_memslot_rmap_nolock(kvm, slot)
        return pfn_reports()

    def holder() -> Any:
        lock_holder()
        return pfn_reports()

    return Model(f"unmap-nolock-2013 {scenario}", [unmapper, holder], forall=check,
                 cpu_names=["unmapper", role])


def build_core(settings: Mapping[str, str]) -> Built:
    sp = shadow_page([0])
    kvm, slot = setup(settings, [addr(sp.spt[0])])
    model = against_unmapper("core", kvm, slot, "zapper", lambda: zap_shadow_page(kvm, sp),
                             expect([], {1: 1}))
    return globals_of(model, kvm=kvm, slot=slot, sp=sp)


def build_desc_chain(settings: Mapping[str, str]) -> Built:
    sp0, sp1 = shadow_page([0, 0]), shadow_page([0, 0])
    d1 = preallocated(pte_list_desc(sptes=[addr(sp1.spt[1]), NULL, NULL]))
    # The zapped page's spte first: an entry reset to NULL there ends a 3.9 walk early.
    d0 = preallocated(pte_list_desc(sptes=[addr(sp1.spt[0]), addr(sp0.spt[0]),
                                           addr(sp0.spt[1])], more=d1))
    kvm, slot = setup(settings, [d0 | 1])
    model = against_unmapper("desc-chain", kvm, slot, "zapper",
                             lambda: zap_shadow_page(kvm, sp1), expect(["sp0"], {1: 4}))
    return globals_of(model, kvm=kvm, slot=slot, sp0=sp0, sp1=sp1, desc0=d0, desc1=d1)


def build_two_rmaps(settings: Mapping[str, str]) -> Built:
    sp = shadow_page([0, 1])
    kvm, slot = setup(settings, [addr(sp.spt[0]), addr(sp.spt[1])])
    model = against_unmapper("two-rmaps", kvm, slot, "zapper",
                             lambda: zap_shadow_page(kvm, sp), expect([], {1: 1, 2: 1}))
    return globals_of(model, kvm=kvm, slot=slot, sp=sp)


def build_notifier(settings: Mapping[str, str]) -> Built:
    sp = shadow_page([0])
    kvm, slot = setup(settings, [addr(sp.spt[0])])
    model = against_unmapper("notifier", kvm, slot, "notifier",
                             lambda: kvm_mmu_notifier_invalidate_page(kvm, slot, 0),
                             expect(["sp"], {1: 1}))
    return globals_of(model, kvm=kvm, slot=slot, sp=sp)


MODEL = KvmModel(
    name="unmap-nolock-2013",
    follows="Linux 3.9 arch/x86/kvm/mmu.c with the April 2013 proposal "
            "(fast zap all shadow pages v3, 08/15)",
    description="memslot deletion unmaps the slot's rmaps without mmu_lock, publishing "
                "the rmap it works on in kvm->arch.being_unmapped_rmap; lock holders spin "
                "while it names theirs before freeing shadow pages",
    scenarios=(
        Scenario("core", "one rmap holding one spte of one shadow page; the unmapper "
                 "vs a zap of that page", build_core),
        Scenario("desc-chain", "one rmap with 4 sptes in two descs from two shadow pages; "
                 "the unmapper vs a zap of one page", build_desc_chain),
        Scenario("two-rmaps", "a shadow page with sptes in two rmaps of the slot; the "
                 "unmapper vs a zap of that page", build_two_rmaps),
        Scenario("notifier", "the unmapper vs the mmu-notifier unmap of one gfn",
                 build_notifier),
    ),
    switches=(
        Switch("fence_after_publish", ("none", "smp_mb"), "a full barrier between the "
               "unmapper's store to being_unmapped_rmap and its reads of the rmap"),
        Switch("fence_before_check", ("none", "smp_mb"), "a full barrier between the "
               "locked side's entry reset and its read of being_unmapped_rmap"),
        Switch("spte_clear", ("xchg", "as-3.9"), "how the spte is cleared: always xchg, or "
               "3.9's plain store when the spte has no volatile bits"),
        Switch("sentinel", ("skip-marker", "null"), "what a cleared entry holds: a "
               "marker the walks skip, or NULL (the 3.9 iterators stop at NULL)"),
        Switch("locked_remove", ("clear-concurrently", "pte_list_remove"), "how the "
               "locked side removes an entry of the invalid slot's rmap: reset in place, "
               "or 3.9's compacting pte_list_remove()"),
    ),
    variants=({}, {"fence_after_publish": "smp_mb"}, {"fence_before_check": "smp_mb"},
              {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb"},
              {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb",
               "spte_clear": "as-3.9"},
              {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb",
               "sentinel": "null"},
              {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb",
               "locked_remove": "pte_list_remove"}),
)
