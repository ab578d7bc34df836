"""Ordering sites: which calls are sites and what one step weaker is, for every
primitive family; and a site weakened by the runtime is weakened in the event the
model checks, on every CPU that runs the line."""

from __future__ import annotations

from pathlib import Path

from smpcheck._rt.sites import DROPPED, Overrides, Site, overriding
from smpcheck.analyses.barriers import baseline, ordering_sites
from smpcheck.analyses.subjects import PythonSubject
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.models import get_model

# (the call on its own line, what weakening it one step makes of it; None: not a site)
CALLS = [
    ("smp_mb()", DROPPED), ("smp_rmb()", DROPPED), ("smp_wmb()", DROPPED),
    ("smp_mb__before_atomic()", DROPPED), ("smp_mb__after_atomic()", DROPPED),
    ("smp_mb__after_spinlock()", DROPPED), ("barrier()", None),
    ("r = smp_load_acquire(x)", "READ_ONCE"), ("smp_store_release(x, 1)", "WRITE_ONCE"),
    ("rcu_assign_pointer(x, 2)", "WRITE_ONCE"), ("r = rcu_dereference(x)", "plain load"),
    ("r = READ_ONCE(x)", "plain load"), ("WRITE_ONCE(x, 3)", "plain store"),
    ("smp_store_mb(x, 4)", "WRITE_ONCE"),
    ("r = xchg(x, 5)", "xchg_relaxed"), ("r = xchg_acquire(x, 6)", "xchg_relaxed"),
    ("r = xchg_relaxed(x, 7)", None), ("r = cmpxchg_release(x, 7, 8)", "cmpxchg_relaxed"),
    ("r = atomic_add_return(1, a)", "atomic_add_return_relaxed"),
    ("r = atomic_fetch_add_acquire(1, a)", "atomic_fetch_add_relaxed"),
    ("r = atomic_read_acquire(a)", "atomic_read"), ("atomic_set_release(a, 9)", "atomic_set"),
    ("atomic_inc(a)", None), ("r = atomic_read(a)", None),
    ("spin_lock(l)", None), ("spin_unlock(l)", None), ("rcu_read_lock()", None),
    ("rcu_read_unlock()", None), ("r = x[0]", None),
]


def _model(tmp: Path, cpus: int = 1) -> Path:
    """CALLS, one a line from line 10, in CPU function P; the condition never holds (so
    that the check's finding carries an execution)."""
    body = "\n".join(f"    {call}" for call, _ in CALLS)
    path = tmp / "calls.py"
    path.write_text("from smpcheck import *\n\nx = Var(0)\na = Var(0)\nl = Var(SpinLock())\n\n\n"
                    f"def P():\n    r = 0\n{body}\n    return {{'r': r}}\n\n\n"
                    f"MODEL = Model('calls', [{', '.join(['P'] * cpus)}], forall='x=99')\n")
    return path


def test_every_primitive_family(tmp_path: Path) -> None:
    path = _model(tmp_path)
    first = 10  # the line of CALLS[0] in the file written above
    sites = {info.site.line: info for info in
             ordering_sites([baseline(PythonSubject(str(path)), "sc", Settings())])}
    for i, (call, weaker) in enumerate(CALLS):
        got = sites.get(first + i)
        assert (got.weakened_to if got else None) == weaker, call


def test_weakening_reaches_the_event_on_every_cpu(tmp_path: Path) -> None:
    """Two CPUs run the same lines: weakening smp_store_release's site makes both
    CPUs' stores WRITE_ONCE (herd tag ONCE), and leaves the other sites alone."""
    path = _model(tmp_path, cpus=2)
    subject = PythonSubject(str(path))
    line = 10 + next(i for i, (c, _) in enumerate(CALLS) if c.startswith("smp_store_release"))
    site = Site(str(path), line, "smp_store_release")
    with overriding(Overrides(weaken=frozenset({site}))):
        result = verify(subject.model, subject.names, get_model("sc"), Settings())
    g = result.violations[0].graph
    assert g is not None
    events = [ev for ev in g.events() if ev.src.line == line]
    assert len(events) == 2 and all(ev.tags == frozenset({"ONCE"}) for ev in events)
    acquire = [ev for ev in g.events() if "smp_load_acquire" in ev.op]
    assert len(acquire) == 2 and all("ACQUIRE" in ev.tags for ev in acquire)
