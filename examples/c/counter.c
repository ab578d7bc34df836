/*
 * A counter incremented with plain accesses by two CPUs under a spinlock:
 * safe, no race.  With -D NOLOCK an update is lost (and, under lkmm, it is a
 * data race).  examples/counter-spinlock.py and counter-nolock.py in Python.
 */
DEFINE_SPINLOCK(lock);
int counter;

static void inc(void)
{
#ifndef NOLOCK
	spin_lock(&lock);
#endif
	counter = counter + 1;
#ifndef NOLOCK
	spin_unlock(&lock);
#endif
}

void P0(void)
{
	inc();
}

void P1(void)
{
	inc();
}

forall (counter=2)
