/*
 * Interrupt and preemption control around a spinlock: spin_lock_irqsave()
 * with its flags, local_irq_save()/restore(), preempt_disable()/enable(), a
 * per-CPU-style update under the lock, and an invariant checked with
 * BUG_ON().  Safe under every model.
 */
DEFINE_SPINLOCK(lock);
int count;
int last;

static void bump(int who)
{
	unsigned long flags;

	spin_lock_irqsave(&lock, flags);
	count = count + 1;
	last = who;
	spin_unlock_irqrestore(&lock, flags);
}

void P0(void)
{
	unsigned long flags;

	local_irq_save(flags);
	bump(1);
	local_irq_restore(flags);
}

void P1(void)
{
	int seen;

	preempt_disable();
	bump(2);
	spin_lock(&lock);
	seen = count;
	spin_unlock(&lock);
	preempt_enable();
	BUG_ON(seen < 1);
}

forall (count=2)
