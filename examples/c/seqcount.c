/*
 * A seqcount: the writer updates a pair under write_seqcount_begin()/end()
 * (writers serialised by a spinlock); the reader retries until it reads a
 * consistent pair.  Safe under every model: the pair it returns is equal.
 */
seqcount_t seq;
DEFINE_SPINLOCK(lock);
int a, b;

void P0(void)
{
	spin_lock(&lock);
	write_seqcount_begin(&seq);
	WRITE_ONCE(a, 1);
	WRITE_ONCE(b, 1);
	write_seqcount_end(&seq);
	spin_unlock(&lock);
}

void P1(void)
{
	unsigned start;
	int ra, rb;

	do {
		start = read_seqcount_begin(&seq);
		ra = READ_ONCE(a);
		rb = READ_ONCE(b);
	} while (read_seqcount_retry(&seq, start));
}

forall (1:ra=1:rb)
