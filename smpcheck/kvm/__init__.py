"""The KVM MMU model library: arch/x86/kvm/mmu.c designs as executable models.

* :mod:`.mmu_39`: Linux 3.9's rmaps, sptes and shadow-page zapping;
* :mod:`.unmap_nolock_2013`: the April 2013 proposal to unmap a deleted
  memslot's rmaps without mmu_lock (``being_unmapped_rmap``);
* :mod:`.fast_invalidate_311`: what Linux 3.11 merged instead (generation numbers);
* :mod:`.rmap_aging_615`: Linux 6.15's lockless rmap walks for aging.

Each design module holds the kernel code it ports; its scenarios, and the
:class:`~smpcheck.kvm.registry.KvmModel` with its switches that ``smpcheck kvm
list`` shows, are in the ``_scenarios`` module beside it.  The modules are loaded through the
model rewrites (:mod:`smpcheck._rt.loader`), so they read like the kernel's C:
importing this package installs them for its modules.
"""

from smpcheck.kernel.lowlevel import install_library_rewriting

install_library_rewriting(__name__)
