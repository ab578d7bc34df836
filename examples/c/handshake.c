/*
 * The founding case's handshake (KVM, April 2013): an rmap unmapped without
 * mmu_lock.  The unmapper publishes the rmap it works on in
 * kvm->arch.being_unmapped_rmap; the lock holder, after resetting the rmap
 * entry, spins while the flag names that rmap, then frees the shadow page.
 * A store-buffering shape: safe under SC; on x86 and under the LKMM the
 * shadow page is freed under the unmapper's feet unless both sides have a
 * full barrier (-D FENCE_AFTER_PUBLISH -D FENCE_BEFORE_CHECK).
 * examples/handshake.py is the same model in Python.
 */
#include <linux/kvm_host.h>

struct kvm_mmu_page {
	u64 spt[1];
};

struct kvm_arch {
	u64 **being_unmapped_rmap;
	spinlock_t mmu_lock;
};

struct kvm {
	struct kvm_arch arch;
};

struct kvm kvm;
u64 *rmap;			/* the rmap: one entry, the spte's address */
struct kvm_mmu_page *sp;	/* the shadow page holding that spte */

void init(void)
{
	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	sp->spt[0] = 1;		/* present */
	rmap = &sp->spt[0];
}

static void unmap_rmapp_nolock(struct kvm *kvm, u64 **rmapp)
{
	u64 *sptep;

	preempt_disable();
	WRITE_ONCE(kvm->arch.being_unmapped_rmap, rmapp);
#ifdef FENCE_AFTER_PUBLISH
	smp_mb();
#endif
	sptep = READ_ONCE(*rmapp);
	if (sptep) {
		xchg(sptep, 0);			/* clear the spte */
		WRITE_ONCE(*rmapp, NULL);	/* reset the rmap entry */
	}
	WRITE_ONCE(kvm->arch.being_unmapped_rmap, NULL);
	preempt_enable();
}

static void zap_shadow_page(struct kvm *kvm, struct kvm_mmu_page *sp, u64 **rmapp)
{
	spin_lock(&kvm->arch.mmu_lock);
	xchg(&sp->spt[0], 0);			/* clear the spte */
	WRITE_ONCE(*rmapp, NULL);		/* rmap_remove() */
#ifdef FENCE_BEFORE_CHECK
	smp_mb();
#endif
retry:
	if (READ_ONCE(kvm->arch.being_unmapped_rmap) == rmapp)
		goto retry;
	kfree(sp);
	spin_unlock(&kvm->arch.mmu_lock);
}

void P0(void)
{
	unmap_rmapp_nolock(&kvm, &rmap);
}

void P1(void)
{
	zap_shadow_page(&kvm, sp, &rmap);
}
