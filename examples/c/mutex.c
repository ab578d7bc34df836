/*
 * A mutex protecting a two-field invariant (a == b outside the lock), checked
 * with BUG_ON() by a reader and WARN_ON() by a writer: safe under every model.
 */
DEFINE_MUTEX(m);
int a, b;

void P0(void)
{
	mutex_lock(&m);
	a = a + 1;
	b = b + 1;
	WARN_ON(a != b);
	mutex_unlock(&m);
}

void P1(void)
{
	int ra, rb;

	mutex_lock(&m);
	ra = a;
	rb = b;
	mutex_unlock(&m);
	BUG_ON(ra != rb);
}
