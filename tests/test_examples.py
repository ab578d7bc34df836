"""Every example through the CLI under sc, tso and lkmm, against what theory says.

The expected verdicts are derived from the memory models, not from the tool:

* sb: each CPU stores then loads the other variable.  SC forbids both loads
  reading 0; x86-TSO lets each store wait in its store buffer past the later
  load, and the LKMM orders nothing here: ~exists fails under tso and lkmm.
* sb-mb: smp_mb() between store and load forbids that outcome everywhere.
* mp: x86 keeps stores in order and loads in order, so SC and TSO forbid
  flag=1 /\\ data=0; the LKMM does not order either pair: fails under lkmm.
* mp-switch: mp with its barriers as switches, all "none" by default.
* mp-wmb-rmb, mp-release-acquire: the barriers (or release/acquire) restore
  the order under every model; release/acquire also orders the plain data
  accesses, so they do not race.
* counter-spinlock: the lock serialises the increments: counter=2 always, and
  the plain accesses are ordered by the lock.
* counter-nolock: plain load and store without the lock: both CPUs can load 0
  (an interleaving even SC allows), so forall counter=2 fails everywhere; the
  plain accesses conflict unordered: a data race under lkmm (races are the
  LKMM's notion; sc and tso, like herd's sc.cat and x86tso.cat, have none).
* peterson: correct under SC; under TSO (and so the LKMM) each CPU's flag store
  can sit in its store buffer while it reads the other's flag as 0 (the SB
  shape): both enter and one increment is lost; under lkmm the plain
  increments also race.
* peterson-mb: smp_mb() after the stores closes that window everywhere.
* uaf: the reader can load the pointer before it is unpublished and
  dereference it after kfree(): a use-after-free under every model.  Under the
  LKMM the initialising plain store p.a = 1 is also not ordered before the
  reader's load (WRITE_ONCE is not a release): a data race as well.
* uaf-rcu: the grace period waits for the reader's critical section: safe.
* abba: each CPU holds one lock and waits for the other's: a deadlock at the
  second spin_lock of either CPU, under every model.
* endless-wait: the waiter needs state 1 but the only write stores 2: once it
  reads 2 it spins forever, under every model.
* lost-wakeup-sched: the sleeper's state store and condition load against the waker's
  condition store and state load (after try_to_wake_up()'s full barrier): store
  buffering with a barrier on one side only (__set_current_state() has none): SC
  forbids both loads missing, tso and lkmm allow it, and the sleeper never wakes.
* irq-handler: the handler may run between the two reads (interrupts are on):
  they differ, under every model (one CPU: its program order is kept).
* rcu-oops: the reader runs its BUG_ON(!p) before the pointer is published (or
  after it is unpublished): an assertion under every model.  Its oops ends its
  section, so the grace period ends with its inside flag still set: the updater's
  BUG_ON fires too, only there (a reader that leaves clears the flag first, and
  RCU makes the updater see that).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import EXAMPLES, check_json, line_of

MODELS = ("sc", "tso", "lkmm")

# A finding: its kind and the statements (text, nth occurrence) it may point at.
Finding = tuple[str, tuple[tuple[str, int], ...]]


def at(kind: str, *statements: str | tuple[str, int]) -> Finding:
    return kind, tuple(s if isinstance(s, tuple) else (s, 1) for s in statements)


SB = at("condition", "not_exists=")
COUNTER_RACE = at("data-race", "counter[0] = counter[0] + 1")
LOST = at("condition", "forall=")
UAF = at("use-after-free", 'return {"a": READ_ONCE(p.a)}')
ABBA = at("deadlock", ("spin_lock(B)", 1), ("spin_lock(A)", 2))  # second acquisitions
HANDSHAKE_UAF = at("use-after-free", "xchg(sptep, 0)")

# example -> memory model -> the findings of ``--all`` (empty: safe).
EXPECT: dict[str, dict[str, list[Finding]]] = {
    "sb": {"sc": [], "tso": [SB], "lkmm": [SB]},
    "sb-mb": {"sc": [], "tso": [], "lkmm": []},
    "mp": {"sc": [], "tso": [], "lkmm": [at("condition", "not_exists=")]},
    "mp-wmb-rmb": {"sc": [], "tso": [], "lkmm": []},
    "mp-switch": {"sc": [], "tso": [], "lkmm": [at("condition", "not_exists=")]},
    "mp-release-acquire": {"sc": [], "tso": [], "lkmm": []},
    "counter-spinlock": {"sc": [], "tso": [], "lkmm": []},
    "counter-nolock": {"sc": [LOST], "tso": [LOST], "lkmm": [COUNTER_RACE, LOST]},
    "peterson": {"sc": [], "tso": [LOST], "lkmm": [COUNTER_RACE, LOST]},
    "peterson-mb": {"sc": [], "tso": [], "lkmm": []},
    "uaf": {"sc": [UAF], "tso": [UAF], "lkmm": [UAF, at("data-race", 'READ_ONCE(p.a)')]},
    "uaf-rcu": {"sc": [], "tso": [], "lkmm": []},
    "abba": {m: [ABBA] for m in MODELS},
    "endless-wait": {m: [at("endless-wait", "while READ_ONCE(state) != 1:")] for m in MODELS},
    "handshake": {"sc": [], "tso": [HANDSHAKE_UAF], "lkmm": [HANDSHAKE_UAF]},
    "seqcount": {"sc": [], "tso": [], "lkmm": [at("condition", "not_exists=")]},
    "lost-wakeup": {"sc": [], "tso": [], "lkmm": [at("condition", "not_exists=")]},
    "lost-wakeup-sched": {"sc": [], **{m: [at("endless-wait", "schedule()")]
                                       for m in ("tso", "lkmm")}},
    "irq-handler": {m: [at("assertion", "BUG_ON(a != b)")] for m in MODELS},
    "rcu-oops": {m: [at("assertion", "BUG_ON(not p)"),
                     at("assertion", "BUG_ON(READ_ONCE(g.inside))")] for m in MODELS},
}

CASES = [(name, mm) for name in EXPECT for mm in MODELS]


def lines(path: Path, finding: Finding) -> set[int]:
    return {line_of(path, text, nth) for text, nth in finding[1]}


def test_every_example_has_expectations() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.py")} == set(EXPECT)


@pytest.mark.parametrize(("name", "mm"), CASES)
def test_verdict_and_first_violation(name: str, mm: str) -> None:
    path = EXAMPLES / f"{name}.py"
    expected = EXPECT[name][mm]
    data = check_json(path, mm)
    assert data["memory_model"] == mm
    assert data["verdict"] == ("violation" if expected else "safe")
    assert data["incomplete"] == []
    if not expected:
        assert data["violations"] == [] and data["executions"] > 0
        return
    [first] = data["violations"]
    places = {(k, line) for f in expected for k in [f[0]] for line in lines(path, f)}
    assert (first["kind"], first["line"]) in places


@pytest.mark.parametrize(("name", "mm"), [c for c in CASES if EXPECT[c[0]][c[1]]])
def test_all_violations(name: str, mm: str) -> None:
    path = EXAMPLES / f"{name}.py"
    found = check_json(path, mm, "--all")["violations"]
    assert sorted(v["kind"] for v in found) == sorted(f[0] for f in EXPECT[name][mm])
    for v in found:  # (each at a place of an expected finding of its kind)
        assert v["line"] in {line for f in EXPECT[name][mm] if f[0] == v["kind"]
                             for line in lines(path, f)}, v
        assert v["file"] == str(path)


def test_examples_say_what_they_show() -> None:
    import ast

    for path in EXAMPLES.glob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc) > 40, path
