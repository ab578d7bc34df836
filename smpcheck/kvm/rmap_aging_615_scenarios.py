"""The scenarios of the 6.15 design (:mod:`smpcheck.kvm.rmap_aging_615`, the mmu.c port)
and its catalogue entry (``smpcheck kvm list``): an ager walking one rmap locklessly
against each writer of that rmap, and the checks on the final rmap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from smpcheck.kernel import addr, preallocated
from smpcheck.kvm.registry import Built, KvmModel, Scenario, Switch, globals_of
from smpcheck.kvm.rmap_aging_615 import (
    KVM_RMAP_LOCKED,
    KVM_RMAP_MANY,
    PAGE_SHIFT,
    PTE_LIST_EXT,
    SHADOW_NONPRESENT_VALUE,
    _memslot,
    design,
    ghost,
    is_shadow_present_pte,
    kvm_age_gfn,
    kvm_gfn_range,
    kvm_memory_slot,
    kvm_mmu_commit_zap_page,
    kvm_mmu_memory_cache,
    kvm_mmu_page,
    kvm_mmu_prepare_zap_page,
    kvm_set_page_dirty,
    kvm_t,
    kvm_unmap_gfn_range,
    make_spte,
    mmu_set_spte,
    pte_list_desc,
    range_,
    shadow_dirty_mask,
    write_lock,
    write_unlock,
)
from smpcheck.model.model import FinalState, Model
from smpcheck.model.objects import NULL


def shadow_page(gfn: int, pfn: int, present: bool = True, root_count: int = 0) -> Any:
    """An indirect 4K shadow page whose one spte maps ``gfn`` to ``pfn`` (not present
    yet unless ``present``)."""
    spte = make_spte(pfn) if present else SHADOW_NONPRESENT_VALUE
    return preallocated(kvm_mmu_page(spt=[spte], shadowed_translation=[gfn << PAGE_SHIFT],
                                     root_count=root_count))


def desc(sptes: list[Any], tail_count: int = 0, more: Any = NULL) -> Any:
    return preallocated(pte_list_desc(more=more, spte_count=len(sptes), tail_count=tail_count,
                                      sptes=sptes + [NULL] * (PTE_LIST_EXT - len(sptes))))


def setup(settings: Mapping[str, str], head: Any) -> tuple[Any, Any]:
    design.clear()
    design.update(settings)
    kvm = kvm_t()
    slot = kvm_memory_slot(arch={"rmap": [[{"val": head}]]})
    _memslot[0] = slot
    return kvm, slot


def spte_name(sptep: Any) -> str:
    return f"{sptep._obj.name}.spt[{sptep._path[-1]}]"


def rmap_contents(state: FinalState, head_name: str) -> list[Any] | str:
    """The sptes the final rmap holds, or what is wrong with its structure."""
    head = state.memory[head_name]
    if head & KVM_RMAP_LOCKED:
        return f"rmap still locked: {head}"
    if not head:
        return []
    if not (head & KVM_RMAP_MANY):
        return [head]
    out: list[Any] = []
    descs = []
    d = head & ~KVM_RMAP_MANY
    for _ in range_(8):                 # not `while`: the loader instruments those for CPUs
        if not d:
            break
        descs.append(d)
        d = state.memory[f"{d._obj.name}.more"]
    if d:
        return "desc chain loops"
    for k, d in enumerate(descs):
        name = d._obj.name
        count = state.memory[f"{name}.spte_count"]
        tail = state.memory[f"{name}.tail_count"]
        entries = [state.memory[f"{name}.sptes[{i}]"] for i in range_(PTE_LIST_EXT)]
        if not 1 <= count <= PTE_LIST_EXT or k and count != PTE_LIST_EXT:
            return f"{name}: spte_count {count} (tails must be full, heads not empty)"
        if not all(entries[:count]) or any(entries[count:]):
            return f"{name}: entries {entries} not packed to spte_count {count}"
        if tail != PTE_LIST_EXT * (len(descs) - 1 - k):
            return f"{name}: tail_count {tail}"
        out += entries[:count]
    if len(out) < 2:
        return f"a desc for {len(out)} spte"
    return out


def expect(head_name: str, live: list[str], dirty: dict[int, int]
           ) -> Callable[[FinalState], bool]:
    """The checks of every scenario (see ``holds.__doc__``)."""

    def holds(state: FinalState) -> bool:
        got = rmap_contents(state, head_name)
        if isinstance(got, str):
            return False
        names = sorted(spte_name(p) for p in got)
        if len(set(names)) != len(names):
            return False
        present = []
        for page in live:
            spte = state.memory[f"{page}.spt[0]"]
            if is_shadow_present_pte(spte):
                present.append(f"{page}.spt[0]")
                if not spte & shadow_dirty_mask:
                    return False
        if sorted(present) != names:
            return False
        for pfn, n in dirty.items():
            if sum(r.get(f"dirty_{pfn}", 0) for r in state.regs) != n:
                return False
        return True

    holds.__doc__ = ("rmap unlocked, descs packed, spte/tail counts right; its sptes are "
                     "exactly the present sptes of " + ", ".join(live) + "; no D bit lost; "
                     "dirty reported once per writable spte made")
    return holds


HEAD = "slot.arch.rmap[0][0].val"


def ager(kvm: Any, slot: Any) -> Callable[[], Any]:
    def run() -> Any:
        return {"young": int(kvm_age_gfn(kvm, kvm_gfn_range(slot, 0, 1)))}
    return run


def build_core(settings: Mapping[str, str]) -> Built:
    """rmap = desc0{sp0, sp1}; the mmu-notifier unmap zaps it all and frees desc0."""
    sp0, sp1 = shadow_page(0, 1), shadow_page(0, 2)
    desc0 = desc([addr(sp0.spt[0]), addr(sp1.spt[0])])
    kvm, slot = setup(settings, desc0 | KVM_RMAP_MANY)

    def notifier() -> Any:
        write_lock(kvm)
        kvm_unmap_gfn_range(kvm, kvm_gfn_range(slot, 0, 1))
        write_unlock(kvm)
        return ghost()

    model = Model("rmap-aging-6.15 core", [ager(kvm, slot), notifier],
                  forall=expect(HEAD, ["sp0", "sp1"], {}), cpu_names=["ager", "notifier"])
    return globals_of(model, kvm=kvm, slot=slot, sp0=sp0, sp1=sp1, desc0=desc0)


def build_fault(settings: Mapping[str, str]) -> Built:
    """rmap = desc0{sp0, sp1} (full); a vcpu fault maps gfn 0 in sp2 and pushes a new
    head desc from its cache."""
    sp0, sp1, sp2 = shadow_page(0, 1), shadow_page(0, 2), shadow_page(0, 3, present=False)
    desc0 = desc([addr(sp0.spt[0]), addr(sp1.spt[0])])
    cache0 = desc([])
    kvm, slot = setup(settings, desc0 | KVM_RMAP_MANY)

    def vcpu() -> Any:
        v = {"kvm": kvm, "cache": kvm_mmu_memory_cache([cache0])}
        write_lock(kvm)
        mmu_set_spte(v, slot, addr(sp2.spt[0]), 0, 3)
        kvm_set_page_dirty(3)           # kvm_mmu_finish_page_fault(): map_writable
        write_unlock(kvm)
        return ghost()

    model = Model("rmap-aging-6.15 fault", [ager(kvm, slot), vcpu],
                  forall=expect(HEAD, ["sp0", "sp1", "sp2"], {3: 1}),
                  cpu_names=["ager", "vcpu"])
    return globals_of(model, kvm=kvm, slot=slot, sp0=sp0, sp1=sp1, sp2=sp2, desc0=desc0,
                      cache0=cache0)


def build_zap_page(settings: Mapping[str, str], root: bool = False) -> Built:
    """rmap = desc1{sp2} -> desc0{sp0, sp1}; zapping sp0 moves sp2 into desc0, frees the
    emptied head desc1, then frees sp0 (unless ``root``: sp0 is an in-use root, left
    invalid but allocated, its spte checked)."""
    sp0, sp1, sp2 = shadow_page(0, 1, root_count=int(root)), shadow_page(0, 2), shadow_page(0, 3)
    desc0 = desc([addr(sp0.spt[0]), addr(sp1.spt[0])])
    desc1 = desc([addr(sp2.spt[0])], tail_count=PTE_LIST_EXT, more=desc0)
    kvm, slot = setup(settings, desc1 | KVM_RMAP_MANY)

    def zapper() -> Any:
        invalid_list: list[Any] = []
        write_lock(kvm)
        kvm_mmu_prepare_zap_page(kvm, sp0, invalid_list)
        kvm_mmu_commit_zap_page(kvm, invalid_list)
        write_unlock(kvm)
        return ghost()

    model = Model(f"rmap-aging-6.15 {'zap-root' if root else 'zap-page'}",
                  [ager(kvm, slot), zapper],
                  forall=expect(HEAD, ["sp0", "sp1", "sp2"] if root else ["sp1", "sp2"], {}),
                  cpu_names=["ager", "zapper"])
    return globals_of(model, kvm=kvm, slot=slot, sp0=sp0, sp1=sp1, sp2=sp2, desc0=desc0,
                      desc1=desc1)


def build_zap_root(settings: Mapping[str, str]) -> Built:
    return build_zap_page(settings, root=True)


MODEL = KvmModel(
    name="rmap-aging-6.15",
    follows="Linux 6.15 arch/x86/kvm/mmu/mmu.c (\"KVM: x86/mmu: Age sptes locklessly\" v9 "
            "08-11/11, kvm-x86 4834eaded91e, bb6c7749ccee, af3b6a9eba48)",
    description="kvm_age_gfn() walks shadow-MMU rmaps without mmu_lock, holding a per-rmap "
                "bit lock (KVM_RMAP_LOCKED in rmap_head->val) in read-only mode; writers "
                "hold mmu_lock and the rmap lock",
    scenarios=(
        Scenario("core", "the lockless ager of gfn 0 vs the mmu-notifier unmap of gfn 0 "
                 "(kvm_zap_all_rmap_sptes: 2 sptes in one desc, desc freed)", build_core),
        Scenario("fault", "the ager vs a vcpu fault adding a third spte (pte_list_add "
                 "pushes a new head desc)", build_fault),
        Scenario("zap-page", "the ager vs zapping a shadow page (pte_list_remove fills "
                 "the hole from the head desc and frees it; the page is freed)",
                 build_zap_page),
        Scenario("zap-root", "as zap-page, but the page is an in-use root: zapped, left "
                 "allocated; its spte must stay non-present", build_zap_root),
    ),
    switches=(
        Switch("readonly_lock", ("as-merged", "read-once"), "kvm_rmap_lock_readonly(): "
               "wait for and take KVM_RMAP_LOCKED (as merged), or a plain READ_ONCE of the "
               "head, walking without the lock (broken)"),
        Switch("age_clear", ("clear_bit", "read-modify-write"), "how the ager clears the "
               "Accessed bit: atomic clear_bit() (as merged), or WRITE_ONCE of the value "
               "it read with the bit cleared (broken)"),
        Switch("rmap_unlock", ("release", "relaxed"), "__kvm_rmap_unlock(): "
               "atomic_long_set_release() (as merged), or atomic_long_set() (broken on "
               "weak models only)"),
    ),
    variants=({}, {"readonly_lock": "read-once"}, {"age_clear": "read-modify-write"},
              {"rmap_unlock": "relaxed"}),
)
