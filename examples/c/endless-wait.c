/*
 * A spin-wait that can never end: the waiter expects state 1, but the other
 * CPU goes straight from 0 to 2.  examples/endless-wait.py in Python.
 */
int state;

void P0(void)
{
	while (READ_ONCE(state) != 1)
		cpu_relax();
}

void P1(void)
{
	WRITE_ONCE(state, 2);
}
