"""Which module declares each design's sweep (a function ``sweep(settings)``)."""

SWEEPS = {
    "unmap-nolock-2013": "smpcheck.kvm.sweep_unmap_nolock_2013",
    "fast-invalidate-3.11": "smpcheck.kvm.sweep_fast_invalidate_311",
    "rmap-aging-6.15": "smpcheck.kvm.sweep_rmap_aging_615",
}
