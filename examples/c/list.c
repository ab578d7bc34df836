/*
 * list_head and container_of(): a list with one item set up by init(); CPU 0
 * adds a second item while CPU 1 sums the list.  Under the spinlock the sum
 * is 1 or 3, under every model.  With -D RCU the writer uses list_add_rcu()
 * and the reader walks with list_for_each_entry_rcu() inside rcu_read_lock(),
 * without the lock: the same sums, and no use of uninitialised items.
 */
struct item {
	int val;
	struct list_head node;
};

LIST_HEAD(items);
DEFINE_SPINLOCK(lock);

void init(void)
{
	struct item *a = kzalloc(sizeof(*a), GFP_KERNEL);

	a->val = 1;
	list_add(&a->node, &items);
}

void P0(void)
{
	struct item *b = kzalloc(sizeof(*b), GFP_KERNEL);

	b->val = 2;
	spin_lock(&lock);
#ifdef RCU
	list_add_rcu(&b->node, &items);
#else
	list_add_tail(&b->node, &items);
#endif
	spin_unlock(&lock);
}

void P1(void)
{
	struct item *pos;
	int sum = 0;

#ifdef RCU
	rcu_read_lock();
	list_for_each_entry_rcu(pos, &items, node)
		sum += READ_ONCE(pos->val);
	rcu_read_unlock();
#else
	spin_lock(&lock);
	list_for_each_entry(pos, &items, node)
		sum += pos->val;
	spin_unlock(&lock);
#endif
}

forall (1:sum=1 \/ 1:sum=3)
