"""The 2013 proposal under a sweep (:mod:`smpcheck.kvm.unmap_nolock_2013`): the lockless
memslot unmapper and the mmu_lock holders on rmaps of every small shape.

Initial states: the deleted slot's rmap of gfn 0 holding ``n`` sptes, laid out as
3.9's pte_list_add() leaves them (a single spte; one desc, partly filled or
full; a full desc followed by a second), spte k being slot k % 2 of page k // 2;
and two rmaps (gfns 0 and 1) holding the two sptes of one page.

Operations: ``unmap_slot`` (the proposal's unmap_memslot_rmap_nolock(), once:
one deletion), ``zap`` of a page (once each: a zapped page is freed),
``notifier`` (the mmu-notifier unmap of one gfn).

The check: an spte ends non-present exactly when something cleared it (the
unmapper, a zap of its page, the notifier of its gfn), pages not zapped are
checked, and each pfn's accessed and dirty are reported once per spte cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smpcheck.kernel import addr, preallocated
from smpcheck.kvm.mmu_39 import PT_PRESENT_MASK, PTE_LIST_EXT, pfn_reports, pte_list_desc
from smpcheck.kvm.unmap_nolock_2013 import (
    kvm_mmu_notifier_invalidate_page,
    unmap_memslot_rmap_nolock,
    zap_shadow_page,
)
from smpcheck.kvm.unmap_nolock_2013_scenarios import setup, shadow_page
from smpcheck.model.model import Unmet
from smpcheck.model.objects import NULL
from smpcheck.model.scenarios import Scenario, Sweep, initial_state, operation

MAX_SPTES = 4


def one_rmap(settings: Mapping[str, str], n: int) -> dict[str, Any]:
    """Gfn 0's rmap holding ``n`` sptes (3.9 appends: descs fill front to back)."""
    pages = [shadow_page([0] * min(2, n - 2 * k)) for k in range((n + 1) // 2)]
    sptes = [addr(pages[k // 2].spt[k % 2]) for k in range(n)]
    descs: dict[str, Any] = {}
    head: Any = sptes[0] if n == 1 else 0
    if n > 1:
        more: Any = NULL
        chunks = [sptes[k:k + PTE_LIST_EXT] for k in range(0, n, PTE_LIST_EXT)]
        for k in reversed(range(len(chunks))):
            more = preallocated(pte_list_desc(
                sptes=chunks[k] + [NULL] * (PTE_LIST_EXT - len(chunks[k])), more=more))
            descs[f"desc{k}"] = more
        head = more | 1
    kvm, slot = setup(settings, [head])
    spte_gfns = {(k // 2, k % 2): 0 for k in range(n)}
    return {**{f"sp{k}": p for k, p in enumerate(pages)}, **descs, "kvm": kvm, "slot": slot,
            "pages": pages, "sptes": spte_gfns, "gfns": [0]}


def two_rmaps(settings: Mapping[str, str]) -> dict[str, Any]:
    sp = shadow_page([0, 1])
    kvm, slot = setup(settings, [addr(sp.spt[0]), addr(sp.spt[1])])
    return {"sp0": sp, "kvm": kvm, "slot": slot, "pages": [sp],
            "sptes": {(0, 0): 0, (0, 1): 1}, "gfns": [0, 1]}


def sweep(settings: Mapping[str, str]) -> Sweep:
    """The sweep of the design with the switches ``settings`` (others default)."""
    from smpcheck.kvm.registry import get

    setting = get("unmap-nolock-2013").settings(settings)

    @initial_state(n=range(MAX_SPTES + 1))
    def rmap(n: int) -> dict[str, Any]:
        return one_rmap(setting, n)

    @initial_state(name="two-rmaps")
    def both() -> dict[str, Any]:
        return two_rmaps(setting)

    return Sweep("unmap-nolock-2013", [unmap_slot, zap, notifier], [*rmap, *both], cpus=2,
                 check=check, registers=pfn_reports, path=__file__,
                 description="the lockless memslot unmapper vs the mmu_lock holders")


@operation(once=True)
def unmap_slot(kvm: Any, slot: Any) -> None:
    unmap_memslot_rmap_nolock(kvm, slot)


@operation(i=lambda state: range(len(state["pages"])), once=True)
def zap(kvm: Any, pages: list[Any], i: int) -> None:
    zap_shadow_page(kvm, pages[i])


@operation(gfn=lambda state: state["gfns"])
def notifier(kvm: Any, slot: Any, gfn: int) -> None:
    kvm_mmu_notifier_invalidate_page(kvm, slot, gfn)


def check(final: Any, scenario: Scenario) -> Any:
    """each spte cleared exactly when something cleared it; A/D reported once per
    spte cleared"""
    cleared: dict[int, int] = {}
    for (page, j), gfn in scenario.state["sptes"].items():
        gone = (scenario.count("unmap_slot") or scenario.count("zap", i=page)
                or scenario.count("notifier", gfn=gfn))
        pfn = gfn + 1
        cleared[pfn] = cleared.get(pfn, 0) + bool(gone)
        if scenario.count("zap", i=page):
            continue                   # freed with its page
        present = final.memory[f"sp{page}.spt[{j}]"] & PT_PRESENT_MASK
        if bool(present) == bool(gone):
            return Unmet(f"sp{page}.spt[{j}] is {'still ' if present else 'not '}present")
    for pfn, n in cleared.items():
        for what in ("accessed", "dirty"):
            got = sum(r.get(f"{what}_{pfn}", 0) for r in final.regs)
            if got != n:
                return Unmet(f"pfn {pfn} reported {what} {got} times for {n} cleared sptes")
    return True
