/*
 * Message passing.  Without barriers the reader may see the flag but not the
 * data under the LKMM; -D WMB_RMB adds smp_wmb()/smp_rmb(), -D RELEASE_ACQUIRE
 * smp_store_release()/smp_load_acquire() with a plain data access.
 */
int data, flag;

void P0(void)
{
#ifdef RELEASE_ACQUIRE
	data = 1;
	smp_store_release(&flag, 1);
#else
	WRITE_ONCE(data, 1);
#ifdef WMB_RMB
	smp_wmb();
#endif
	WRITE_ONCE(flag, 1);
#endif
}

void P1(void)
{
	int r0, r1 = 0;

#ifdef RELEASE_ACQUIRE
	r0 = smp_load_acquire(&flag);
	if (r0)
		r1 = data;
#else
	r0 = READ_ONCE(flag);
#ifdef WMB_RMB
	smp_rmb();
#endif
	r1 = READ_ONCE(data);
#endif
}

~exists (1:r0=1 /\ 1:r1=0)
