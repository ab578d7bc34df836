/* AB-BA deadlock: CPU 0 takes A then B, CPU 1 takes B then A. */
DEFINE_SPINLOCK(A);
DEFINE_SPINLOCK(B);

void P0(void)
{
	spin_lock(&A);
	spin_lock(&B);
	spin_unlock(&B);
	spin_unlock(&A);
}

void P1(void)
{
	spin_lock(&B);
	spin_lock(&A);
	spin_unlock(&A);
	spin_unlock(&B);
}
