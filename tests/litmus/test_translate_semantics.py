"""What translated litmus tests do: macros, plain accesses, loops, conditions, X86 forms.

Small hand-written tests whose outcomes and execution counts follow from the
semantics (mostly under SC, where they are easy to derive by hand).
"""

from __future__ import annotations

from smpcheck.explore.explorer import Settings
from smpcheck.litmus import parse_litmus
from smpcheck.litmus.run import LitmusRun, run_litmus


def run(text: str, mm: str = "sc") -> LitmusRun:
    return run_litmus(parse_litmus(text, "t.litmus"), mm, Settings(), text)


def states(r: LitmusRun) -> list[str]:
    return [r.show_state(s) for s in r.sorted_states()]


def test_atomics_and_ordering_variants() -> None:
    r = run("""C atomics
{ atomic_t v = ATOMIC_INIT(1); }
P0(atomic_t *v) { int r0; r0 = atomic_fetch_add(2, v); atomic_inc(v); }
P1(atomic_t *v) { int r1; r1 = atomic_dec_and_test(v); }
exists (v=3)
""")
    assert (r.verdict, r.positive, r.negative) == ("Always", 3, 0)
    assert states(r) == ["[v]=3;"]


def test_cmpxchg_is_atomic() -> None:
    r = run("""C cas
{}
P0(int *x) { int r0; r0 = cmpxchg(x, 0, 1); }
P1(int *x) { int r0; r0 = cmpxchg_relaxed(x, 0, 2); }
exists (0:r0=0 /\\ 1:r0=0)
""", "lkmm")
    assert (r.verdict, r.positive, r.negative) == ("Never", 0, 2)
    assert states(r) == ["0:r0=0; 1:r0=1;", "0:r0=2; 1:r0=0;"]


PTR = """C ptr
{ int *p = y; }
P0(int **p, int *x) { *p = x; }
P1(int **p) { int *r0; int r1; r0 = READ_ONCE(*p); r1 = *r0; }
exists (1:r0=x /\\ 1:r1=0)
"""


def test_pointers_plain_accesses_and_the_race_flag() -> None:
    """Races are the LKMM's notion; sc (like herd's sc.cat) flags none."""
    r = run(PTR, "lkmm")
    assert states(r) == ["1:r0=x; 1:r1=0;", "1:r0=y; 1:r1=0;"]
    assert r.verdict == "Sometimes" and r.flags == ["data-race"]
    r = run(PTR, "sc")
    assert r.verdict == "Sometimes" and r.flags == []


def test_init_registers_and_address_of() -> None:
    r = run("""C regs
{ 0:r1=x; }
P0(int *x, int *y) { int *r2 = &y; WRITE_ONCE(*r1, 2); *r2 = 3; }
exists (x=2 /\\ y=3)
""")
    assert (r.verdict, r.positive) == ("Always", 1)


def test_c_operators_short_circuit_and_return() -> None:
    r = run("""C ops
{}
P0(int *x, int *y)
{
	int r0; int r1;
	r0 = READ_ONCE(*x);
	r1 = (r0 == 0 && READ_ONCE(*y) == 0) ? -7 / 2 : -7 % 2;
	if (r1 == -3)
		return;
	WRITE_ONCE(*y, 5);
}
exists (0:r1=-3 /\\ y=0)
""")
    assert (r.verdict, r.positive) == ("Always", 1)


def test_spin_wait_loop_is_an_await() -> None:
    r = run("""C spin
{}
P0(int *x, int *y) { WRITE_ONCE(*y, 1); smp_store_release(x, 1); }
P1(int *x, int *y)
{
	int r1;
	while (smp_load_acquire(x) == 0) {
	}
	r1 = READ_ONCE(*y);
}
exists (1:r1=0)
""", "lkmm")
    assert (r.verdict, r.result.executions) == ("Never", 1)
    assert not r.result.incomplete and not r.findings


def test_counting_loop_runs_its_iterations() -> None:
    r = run("""C count
{}
P0(int *x) { int i; i = 0; while (i < 3) { WRITE_ONCE(*x, i); i = i + 1; } }
exists (x=2 /\\ 0:i=3)
""")
    assert (r.verdict, r.positive) == ("Always", 1)
    assert not r.result.incomplete


def test_quantifiers_filter_and_locations() -> None:
    body = """{}
P0(int *x) { WRITE_ONCE(*x, 1); }
P1(int *x) { int r0; r0 = READ_ONCE(*x); }
"""
    r = run("C q1\n" + body + "locations [x]\nfilter (1:r0=1)\n~exists (1:r0=0)\n")
    assert (r.positive, r.negative, states(r)) == (0, 1, ["1:r0=1; [x]=1;"])
    r = run("C q2\n" + body + "forall (1:r0=0 \\/ 1:r0=1)\n")
    assert (r.verdict, r.positive, r.negative) == ("Always", 2, 0)


def test_srcu_events() -> None:
    r = run("""C srcu
{}
P0(struct srcu_struct *s, int *x, int *y)
{
	int r0; int r1; int idx;
	idx = srcu_read_lock(s);
	r0 = READ_ONCE(*x);
	r1 = READ_ONCE(*y);
	srcu_read_unlock(s, idx);
}
P1(struct srcu_struct *s, int *x, int *y)
{
	WRITE_ONCE(*y, 1);
	synchronize_srcu(s);
	WRITE_ONCE(*x, 1);
}
exists (0:r0=1 /\\ 0:r1=0)
""")
    assert r.verdict == "Never" and not r.flags
    g = next(iter(r.witnesses.values()))
    tags = {tag for ev in g.events() for tag in ev.tags}
    assert {"srcu-lock", "srcu-unlock", "sync-srcu"} <= tags
    unlock = next(ev for ev in g.events() if "srcu-unlock" in ev.tags)
    assert unlock.data  # srcu_read_unlock stores the index srcu_read_lock gave


def test_dependencies_are_recorded() -> None:
    r = run("""C deps
{ int *p = x; }
P0(int *x, int *y, int **p)
{
	int r0; int *r1; int r2;
	r0 = READ_ONCE(*x);
	if (r0)
		WRITE_ONCE(*y, 1);
	WRITE_ONCE(*y, r0 + 1);
	r1 = READ_ONCE(*p);
	r2 = READ_ONCE(*r1);
}
exists (0:r0=0)
""")
    g = next(iter(r.witnesses.values()))
    events = [ev for ev in g.events() if ev.kind in "RW"]
    read_x, store, read_p, read_r1 = events[0], events[1], events[2], events[3]
    # the store after the if: data-dependent on r0, control-dependent no longer (the
    # dependency ends with the if, as in herd7), though its place follows the branch
    assert read_x.id in store.data and read_x.id in store.branch
    assert read_x.id not in store.ctrl
    assert read_p.id in read_r1.addr


def test_x86_locked_rmws() -> None:
    r = run("""X86 xadd
{ x=0; }
 P0                | P1                ;
 MOV EAX,$1        | MOV EAX,$1        ;
 LOCK XADD [x],EAX | LOCK XADD [x],EAX ;
exists (0:EAX=0 /\\ 1:EAX=0)
""", "tso")
    assert (r.verdict, states(r)) == ("Never", ["0:EAX=0; 1:EAX=1;", "0:EAX=1; 1:EAX=0;"])
    r = run("""X86 cas
{ x=0; }
 P0                   | P1                   ;
 MOV EAX,$0           | MOV EAX,$0           ;
 MOV EBX,$1           | MOV EBX,$2           ;
 LOCK CMPXCHG [x],EBX | LOCK CMPXCHG [x],EBX ;
exists (x=1 /\\ 0:EAX=0 /\\ 1:EAX=1)
""", "tso")
    assert (r.verdict, r.positive, r.negative) == ("Sometimes", 1, 1)


def test_x86_non_atomic_increments_lose_updates() -> None:
    r = run("""X86 inc
{ x=0; }
 P0       | P1       ;
 INC [x]  | INC [x]  ;
exists (x=1)
""", "sc")
    assert r.verdict == "Sometimes"
    r = run("""X86 lockinc
{ x=0; }
 P0            | P1            ;
 LOCK INC [x]  | LOCK INC [x]  ;
exists (x=1)
""", "sc")
    assert r.verdict == "Never"


def test_x86_spin_loop_with_labels_and_jumps() -> None:
    r = run("""X86_64 spin
{ x=0; y=0; }
 P0          | P1            ;
 movl $1,(y) | L0:           ;
 movl $1,(x) | movl (x),%eax ;
             | cmpl $0,%eax  ;
             | je L0         ;
             | movl (y),%ebx ;
exists (1:rbx=0)
""", "tso")
    assert (r.verdict, r.result.executions) == ("Never", 1)
    assert not r.result.incomplete and not r.findings


def test_x86_register_memory_operands_and_sc_tso_difference() -> None:
    text = """X86 SB+regs
{ 0:EBX=x; 0:ECX=y; 1:EBX=y; 1:ECX=x; }
 P0          | P1          ;
 MOV [EBX],$1 | MOV [EBX],$1 ;
 MOV EAX,[ECX] | MOV EAX,[ECX] ;
exists (0:EAX=0 /\\ 1:EAX=0)
"""
    assert run(text, "sc").verdict == "Never"
    assert run(text, "tso").verdict == "Sometimes"


def test_twin_statements_on_one_line_are_distinct_sites() -> None:
    """Speculation names a statement by CPU, line and text: two statements on one
    line that print alike must still be two names, or the one that ran would hide
    the other's constants (a value written only through a cycle)."""
    from smpcheck.litmus.run import translate

    text = """C twins
{}
P0(int *x, int **p) { int *r1;
r1 = READ_ONCE(*p); WRITE_ONCE(*r1, 2); r1 = x; WRITE_ONCE(*r1, 2); }
exists (x=2)
"""
    model, _ = translate(parse_litmus(text, "t.litmus"), text)
    names = [(tid, line, txt) for tid, _, line, txt, _, _ in model.latent]
    stores = [n for n in names if "WRITE_ONCE" in n[2]]
    assert len(stores) == 2 and len(set(stores)) == 2, names
