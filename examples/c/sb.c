/*
 * Store buffering: both loads read 0 under tso and lkmm; with -D MB (smp_mb()
 * between each store and load) no model allows it.  examples/sb.py and
 * sb-mb.py in Python.
 */
int x, y;

void P0(void)
{
	int r0;

	WRITE_ONCE(x, 1);
#ifdef MB
	smp_mb();
#endif
	r0 = READ_ONCE(y);
}

void P1(void)
{
	int r0;

	WRITE_ONCE(y, 1);
#ifdef MB
	smp_mb();
#endif
	r0 = READ_ONCE(x);
}

~exists (0:r0=0 /\ 1:r0=0)
