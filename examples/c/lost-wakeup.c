/*
 * A lost wakeup.  The waiter checks the condition and then goes to sleep; the
 * waker sets the condition and wakes the waiter only if it is asleep.  If the
 * waker runs between the check and the sleep, nobody wakes the waiter: it
 * waits forever, under every model.  -D FIXED announces the sleep before the
 * check (set_current_state() before testing the condition) with smp_mb() on
 * both sides: safe under every model.  -D FIXED -D NO_MB leaves the barriers
 * out: a store-buffering shape, and the wakeup is lost again on x86.
 */
int cond;		/* what the waiter waits for */
int sleeping;		/* the waiter is asleep (its task state) */
int woken;		/* wake_up_process() was called */

#ifdef NO_MB
#define mb_if_fixed() barrier()
#else
#define mb_if_fixed() smp_mb()
#endif

void P0(void)		/* the waiter */
{
#ifdef FIXED
	WRITE_ONCE(sleeping, 1);
	mb_if_fixed();
	if (!READ_ONCE(cond)) {
		while (!READ_ONCE(woken))	/* schedule() */
			cpu_relax();
	}
#else
	if (!READ_ONCE(cond)) {
		WRITE_ONCE(sleeping, 1);
		while (!READ_ONCE(woken))	/* schedule() */
			cpu_relax();
	}
#endif
}

void P1(void)		/* the waker */
{
	WRITE_ONCE(cond, 1);
#ifdef FIXED
	mb_if_fixed();
#endif
	if (READ_ONCE(sleeping))
		WRITE_ONCE(woken, 1);
}
