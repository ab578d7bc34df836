/*
 * xchg() and cmpxchg(): two CPUs race to claim a job with cmpxchg(); only the
 * winner does it (a plain update: no race, the loser never touches it).  The
 * winner then hands a result over with xchg(), and the other CPU takes it
 * with xchg_acquire() if it is there.  Safe under every model.
 */
int owner;
int jobs_done;
int result;
int handed;

static void try_claim(int me)
{
	if (cmpxchg(&owner, 0, me) == 0) {
		jobs_done = jobs_done + 1;
		result = 42;
		xchg(&handed, 1);
	}
}

void P0(void)
{
	try_claim(1);
}

void P1(void)
{
	int r = 0;

	try_claim(2);
	if (xchg_acquire(&handed, 0))
		r = result;
	BUG_ON(r != 0 && r != 42);
}

forall (jobs_done=1 /\ owner!=0)
