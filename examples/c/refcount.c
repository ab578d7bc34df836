/*
 * Atomics: an object shared by two CPUs with an atomic_t reference count.
 * Each CPU uses the object and drops its reference; the one that drops the
 * last frees it.  atomic_dec_and_test() is fully ordered, so the other CPU's
 * use happens before the free: safe under every model.  With -D RELAXED the
 * count is dropped with atomic_dec_return_relaxed(), which orders nothing:
 * under the LKMM the other CPU's plain store races with the kfree().
 */
struct obj {
	atomic_t refcnt;
	int data[2];
};

struct obj *shared;

void init(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	atomic_set(&o->refcnt, 2);
	shared = o;
}

static void put(struct obj *o)
{
#ifdef RELAXED
	if (atomic_dec_return_relaxed(&o->refcnt) == 0)
#else
	if (atomic_dec_and_test(&o->refcnt))
#endif
		kfree(o);
}

void P0(void)
{
	struct obj *o = shared;

	o->data[0] = 1;
	put(o);
}

void P1(void)
{
	struct obj *o = shared;

	o->data[1] = 1;
	put(o);
}
