/*
 * refcount_t: each CPU drops its reference with refcount_dec_and_test(); the
 * last one frees the object.  Safe under every model.
 */
struct obj {
	refcount_t ref;
	int data[2];
};

struct obj *shared;

void init(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	refcount_set(&o->ref, 2);
	shared = o;
}

static void put(struct obj *o)
{
	if (refcount_dec_and_test(&o->ref))
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
