"""Fuzzing the whole front end: mutated litmus files parse, translate and run under SC,
or fail with a UsageError (LitmusError), never with another exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck.errors import UsageError
from smpcheck.explore.explorer import Settings
from smpcheck.litmus import parse_litmus
from smpcheck.litmus.run import run_litmus
from tests.litmus.test_parse_fuzz import INLINE_C, INLINE_X86, mutants

EXTRA = [
    """C extra
{ atomic_t v = ATOMIC_INIT(1); int *p = y; 0:r3=x; }
P0(atomic_t *v, int **p, int *x, spinlock_t *l)
{
	int r0; int *r1; int r2;
	spin_lock(l);
	r0 = atomic_fetch_add(2, v) + atomic_inc_return(v);
	spin_unlock(l);
	r1 = rcu_dereference(*p);
	while (READ_ONCE(*x) == 0 && r0 < 9)
		r0 = r0 + 1;
	r2 = r0 > 3 ? *r1 : xchg(x, 2) << 2;
	*r3 = cmpxchg(x, 1, 3);
}
P1(int **p, int *x, spinlock_t *l)
{
	if (spin_trylock(l)) {
		rcu_assign_pointer(*p, x);
		spin_unlock(l);
	}
	WRITE_ONCE(*x, 1);
}
exists (0:r0=1 /\\ 0:r1=x \\/ v=4)
""",
    """X86 extra
{ x=0; y=0; 0:EBX=x; }
 P0                | P1           ;
 LOCK XADD [x],EAX | L0:          ;
 XCHG [y],ECX      | MOV EAX,[x]  ;
 MOV [EBX],$2      | CMP EAX,$0   ;
 LOCK INC [y]      | JE L0        ;
 MFENCE            | ADD EAX,$1   ;
exists (1:EAX=2 /\\ y=1)
""",
    INLINE_C,
    INLINE_X86.replace("8(%rax)", "(%rax)"),
]


@pytest.fixture(scope="session")
def corpus(shared_litmus_texts: list[str]) -> list[str]:
    return EXTRA + shared_litmus_texts[:: max(1, len(shared_litmus_texts) // 20)]


def check(text: str) -> None:
    """Parse, translate and run briefly; only a UsageError may come out."""
    try:
        test = parse_litmus(text, "mutant.litmus")
        run_litmus(test, "sc", Settings(max_executions=20, loop_bound=3, max_events=200), text)
    except UsageError as error:
        assert error.message


def test_samples_run() -> None:
    for text in EXTRA[:2]:
        run = run_litmus(parse_litmus(text, "extra.litmus"), "sc", Settings(), text)
        assert run.result.executions > 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_tests_run_or_raise_usage_error(corpus: list[str], data: st.DataObject) -> None:
    check(data.draw(mutants(corpus)))
