/*
 * Wait queues: the consumer sleeps in wait_event() until the producer's flag
 * is set; the producer sets it and calls wake_up().  Safe under every model
 * (the wait queue's lock orders the flag against the sleep).  -D CHECK_ACTIVE
 * lets the producer skip wake_up() when waitqueue_active() finds nobody
 * queued, without the barrier that test needs: the wakeup can be lost.
 */
DECLARE_WAIT_QUEUE_HEAD(wq);
int ready;
int data;

void P0(void)		/* the consumer */
{
	int r0;

	wait_event(wq, smp_load_acquire(&ready));
	r0 = data;
}

void P1(void)		/* the producer */
{
	data = 1;
	smp_store_release(&ready, 1);
#ifdef CHECK_ACTIVE
	if (waitqueue_active(&wq))
#endif
		wake_up(&wq);
}

forall (0:r0=1)
