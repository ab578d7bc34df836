"""What Linux 3.11 merged, under a sweep (:mod:`smpcheck.kvm.fast_invalidate_311`): the
vcpu's lockless walks and guest entries against zap-all, in every order up to the bound.

Initial state: the model's one consistent shape, vcpu0 (on CPU 0) with a root
whose spte points to a last-level child mapping gfn 0, both pages on
active_mmu_pages (the model has no other shape: a second root or an unmapped
child would need kvm_mmu_get_page, which it does not model).

Operations: on CPU 0, the vcpu's thread, ``walk`` (a lockless shadow walk, as
the mmio fault path does it; with no root the fault path would load one first,
which is not modelled, so it does not walk) and ``enter_guest`` (__vcpu_run:
requests, then guest mode and the hardware's walk); on any CPU, ``zap_all``
(kvm_mmu_invalidate_zap_all_pages).

The check: after a zap-all the root no longer maps the child (the enter-guest
scenario's); every access is checked for use-after-free as always.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from smpcheck.kernel.smp import ipi_target
from smpcheck.kvm.fast_invalidate_311 import (
    __vcpu_run,
    kvm_mmu_invalidate_zap_all_pages,
    walk_shadow_page_get_spte,
)
from smpcheck.kvm.fast_invalidate_311_scenarios import no_present_child_spte, setup
from smpcheck.kvm.mmu_39 import INVALID_PAGE
from smpcheck.model.scenarios import Scenario, Sweep, initial_state, operation


def sweep(settings: Mapping[str, str]) -> Sweep:
    """The sweep of the design with the switches ``settings`` (others default)."""
    from smpcheck.kvm.registry import get

    setting = get("fast-invalidate-3.11").settings(settings)

    @initial_state(name="root->child")
    def pages() -> dict[str, Any]:
        kvm, slot, root, child, vcpu = setup(setting)
        return {"kvm": kvm, "slot": slot, "root": root, "child": child, "vcpu0": vcpu}

    return Sweep("fast-invalidate-3.11", [walk, enter_guest, zap_all], pages, cpus=2,
                 check=check, prepare=irq_word, path=__file__,
                 description="vcpu0's lockless walks and guest entries vs zap-all")


def irq_word(state: dict[str, Any], cpus: list[Callable[[], Any]]) -> dict[str, Any]:
    """vcpu0's thread (CPU 0) takes IPIs: its irq word, named."""
    return {"irqs_off_vcpu0": ipi_target(cpus[0], stand_in=True)}


@operation(cpus=[0])
def walk(vcpu0: Any) -> Any:
    if vcpu0.arch.mmu.root_hpa == INVALID_PAGE:
        return None
    return {"spte": walk_shadow_page_get_spte(vcpu0)}


@operation(cpus=[0])
def enter_guest(vcpu0: Any, kvm: Any) -> None:
    __vcpu_run(vcpu0, kvm)


@operation
def zap_all(kvm: Any) -> None:
    kvm_mmu_invalidate_zap_all_pages(kvm)


def check(final: Any, scenario: Scenario) -> Any:
    """after a zap-all the root no longer points to the child"""
    return not scenario.count("zap_all") or no_present_child_spte(final)
