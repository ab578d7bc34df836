/*
 * Peterson's mutual exclusion for two CPUs: correct under SC; under x86-TSO
 * both CPUs can enter the critical section.  -D MB fences it for every model
 * (smp_mb() after each store, acquire loads in the wait).
 * examples/peterson.py and peterson-mb.py in Python.
 */
int flag[2];
int turn;
int counter;

static void lock_and_count(int me)
{
	int other = 1 - me;

	WRITE_ONCE(flag[me], 1);
#ifdef MB
	smp_mb();
	WRITE_ONCE(turn, other);
	smp_mb();
	while (smp_load_acquire(&flag[other]) && smp_load_acquire(&turn) == other)
		cpu_relax();
#else
	WRITE_ONCE(turn, other);
	while (READ_ONCE(flag[other]) && READ_ONCE(turn) == other)
		cpu_relax();
#endif
	counter = counter + 1;		/* critical section: plain accesses */
	smp_store_release(&flag[me], 0);
}

void P0(void)
{
	lock_and_count(0);
}

void P1(void)
{
	lock_and_count(1);
}

forall (counter=2)
