/*
 * An RCU replacement: the updater makes a new version of the configuration,
 * publishes it with rcu_assign_pointer(), waits for a grace period and frees
 * the old one; readers use whichever version they find inside
 * rcu_read_lock().  Safe under every model.  With -D NO_SYNC the updater frees
 * the old version without synchronize_rcu(): a use-after-free.
 */
struct config {
	int a;
	int b;
};

struct config __rcu *cur;
DEFINE_SPINLOCK(update_lock);

void init(void)
{
	struct config *c = kzalloc(sizeof(*c), GFP_KERNEL);

	c->a = 1;
	c->b = 1;
	rcu_assign_pointer(cur, c);
}

void P0(void)
{
	struct config *new = kmalloc(sizeof(*new), GFP_KERNEL);
	struct config *old;

	new->a = 2;
	new->b = 2;
	spin_lock(&update_lock);
	old = rcu_dereference_protected(cur, lockdep_is_held(&update_lock));
	rcu_assign_pointer(cur, new);
	spin_unlock(&update_lock);
#ifndef NO_SYNC
	synchronize_rcu();
#endif
	kfree(old);
}

void P1(void)
{
	struct config *c;
	int a, b;

	rcu_read_lock();
	c = rcu_dereference(cur);
	a = c->a;
	b = c->b;
	rcu_read_unlock();
	BUG_ON(a != b);
}
