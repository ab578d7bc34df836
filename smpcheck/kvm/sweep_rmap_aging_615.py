"""The 6.15 lockless rmap aging under a sweep: its agents' operations on rmaps of every
small shape (:mod:`smpcheck.kvm.rmap_aging_615`).

Initial states: the slot's one rmap holding ``n`` present sptes of pages sp0..,
laid out as 6.14's pte_list_add() leaves them (a single spte; one desc; a
partly filled head desc in front of a full one), and a variant whose sp0 is an
in-use root.  A page ``spf`` whose spte is not present yet waits for a fault,
with one zeroed desc in the faulting vcpu's cache.

Operations (what the design's agents do): ``age`` (kvm_age_gfn, lockless),
``test_age`` (kvm_test_age_gfn: the walk with test_only), ``unmap`` (the
mmu-notifier unmap of gfn 0 under mmu_lock), ``zap`` of a page of the rmap
(once each: a zapped page is freed), ``fault`` (once: the vcpu maps spf and
adds its spte, pushing a desc when the head is full).

The check of every final state is the design's own: the rmap unlocked and
well formed, holding exactly the present sptes of the pages not freed, no
D bit lost, the faulted page reported dirty once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smpcheck.kernel import addr
from smpcheck.kvm.rmap_aging_615 import (
    KVM_RMAP_MANY,
    PTE_LIST_EXT,
    ghost,
    kvm_age_gfn,
    kvm_gfn_range,
    kvm_mmu_commit_zap_page,
    kvm_mmu_memory_cache,
    kvm_mmu_prepare_zap_page,
    kvm_rmap_age_gfn_range,
    kvm_set_page_dirty,
    kvm_unmap_gfn_range,
    mmu_set_spte,
    write_lock,
    write_unlock,
)
from smpcheck.kvm.rmap_aging_615_scenarios import (
    HEAD,
    desc,
    expect,
    setup,
    shadow_page,
)
from smpcheck.model.objects import NULL
from smpcheck.model.scenarios import Scenario, Sweep, initial_state, operation

FAULT_PFN = 9
MAX_SPTES = 3


def rmap_head(pages: list[Any]) -> tuple[Any, dict[str, Any]]:
    """The head value and descs 6.14 leaves after adding the pages' sptes in order:
    new sptes fill the head desc; a full head gets a new head in front of it."""
    sptes = [addr(p.spt[0]) for p in pages]
    if len(sptes) <= 1:
        return (sptes[0] if sptes else 0), {}
    descs: dict[str, Any] = {}
    head: Any = NULL
    for k in range(0, len(sptes), PTE_LIST_EXT):
        head = desc(sptes[k:k + PTE_LIST_EXT], tail_count=k, more=head)
        descs[f"desc{k // PTE_LIST_EXT}"] = head
    return head | KVM_RMAP_MANY, descs


def build_state(settings: Mapping[str, str], n: int, root: bool) -> dict[str, Any]:
    pages = [shadow_page(0, i + 1, root_count=int(root and i == 0)) for i in range(n)]
    spf = shadow_page(0, FAULT_PFN, present=False)
    head, descs = rmap_head(pages)
    kvm, slot = setup(settings, head)
    state: dict[str, Any] = {f"sp{i}": p for i, p in enumerate(pages)}
    state.update(descs, kvm=kvm, slot=slot, spf=spf, cache=desc([]), pages=pages)
    return state


def sweep(settings: Mapping[str, str]) -> Sweep:
    """The sweep of the design with the switches ``settings`` (others default)."""
    from smpcheck.kvm.registry import get

    setting = get("rmap-aging-6.15").settings(settings)

    @initial_state(n=range(MAX_SPTES + 1))
    def rmap(n: int) -> dict[str, Any]:
        return build_state(setting, n, False)

    @initial_state(name="rmap-with-root")
    def rmap_root() -> dict[str, Any]:
        return build_state(setting, 2, True)

    return Sweep("rmap-aging-6.15", [age, test_age, unmap, zap, fault], [*rmap, *rmap_root],
                 cpus=2, check=check, registers=ghost, path=__file__,
                 description="lockless aging vs the mmu_lock holders, on rmaps of "
                             "every small shape")


@operation
def age(kvm: Any, slot: Any) -> Any:
    return {"young": int(kvm_age_gfn(kvm, kvm_gfn_range(slot, 0, 1)))}


@operation
def test_age(kvm: Any, slot: Any) -> Any:
    """kvm_test_age_gfn(): the shadow-MMU part, kvm_rmap_age_gfn_range(test_only)."""
    return {"test_young": int(kvm_rmap_age_gfn_range(kvm, kvm_gfn_range(slot, 0, 1), True))}


@operation
def unmap(kvm: Any, slot: Any) -> None:
    write_lock(kvm)
    kvm_unmap_gfn_range(kvm, kvm_gfn_range(slot, 0, 1))
    write_unlock(kvm)


@operation(i=lambda state: range(len(state["pages"])), once=True)
def zap(kvm: Any, pages: list[Any], i: int) -> None:
    invalid_list: list[Any] = []
    write_lock(kvm)
    kvm_mmu_prepare_zap_page(kvm, pages[i], invalid_list)
    kvm_mmu_commit_zap_page(kvm, invalid_list)
    write_unlock(kvm)


@operation(once=True)
def fault(kvm: Any, slot: Any, spf: Any, cache: Any) -> None:
    v = {"kvm": kvm, "cache": kvm_mmu_memory_cache([cache])}
    write_lock(kvm)
    mmu_set_spte(v, slot, addr(spf.spt[0]), 0, FAULT_PFN)
    kvm_set_page_dirty(FAULT_PFN)          # kvm_mmu_finish_page_fault(): map_writable
    write_unlock(kvm)


def check(final: Any, scenario: Scenario) -> Any:
    """rmap unlocked and well formed, holding exactly the present sptes of the pages
    not freed; no D bit lost; the faulted page reported dirty once"""
    pages = scenario.state["pages"]
    freed = {f"sp{i}" for i, p in enumerate(pages)
             if scenario.count("zap", i=i) and not p._obj.init_value(("root_count",))}
    live = [f"sp{i}" for i in range(len(pages)) if f"sp{i}" not in freed] + ["spf"]
    return expect(HEAD, live, {FAULT_PFN: scenario.count("fault")})(final)
