/*
 * A reader dereferences a published object while the updater unpublishes and
 * frees it: a use-after-free.  With -D RCU the reader is in an RCU read-side
 * critical section and the updater waits for a grace period before kfree():
 * safe.  examples/uaf.py and uaf-rcu.py in Python.
 */
struct foo {
	int a;
};

struct globals {
	struct foo *gp;
};

struct globals g;

void P0(void)
{
	struct foo *p = kmalloc(sizeof(*p), GFP_KERNEL);

	p->a = 1;
#ifdef RCU
	rcu_assign_pointer(g.gp, p);
	rcu_assign_pointer(g.gp, NULL);
	synchronize_rcu();
#else
	WRITE_ONCE(g.gp, p);
	WRITE_ONCE(g.gp, NULL);
#endif
	kfree(p);
}

void P1(void)
{
	struct foo *p;
	int a = -1;

#ifdef RCU
	rcu_read_lock();
	p = rcu_dereference(g.gp);
	if (p)
		a = p->a;
	rcu_read_unlock();
#else
	p = READ_ONCE(g.gp);
	if (p)
		a = READ_ONCE(p->a);
#endif
}
