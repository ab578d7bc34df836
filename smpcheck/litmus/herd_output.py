"""herd7's text output for a litmus run, line for line.

The kernel's tools/memory-model scripts (checklitmus.sh, judgelitmus.sh) read
this format: they take the verdict from the ``Observation`` line and look for
``Flag data-race``.  For a test ``SB`` under the LKMM::

    Test SB Allowed
    States 4
    0:r0=0; 1:r0=0;
    0:r0=0; 1:r0=1;
    0:r0=1; 1:r0=0;
    0:r0=1; 1:r0=1;
    Ok
    Witnesses
    Positive: 1 Negative: 3
    Condition exists (0:r0=0 /\\ 1:r0=0)
    Observation SB Sometimes 1 3
    Time SB 0.01
    Hash=...

``Test`` says ``Allowed`` for an ``exists`` condition, ``Forbidden`` for
``~exists``, ``Required`` for ``forall``.  Memory locations are printed in
brackets (``[x]=1``), as herd7 7.58 prints them.
``Ok`` means the condition is validated (``exists``: some execution satisfies
the proposition; ``~exists``: none does; ``forall``: all do), else ``No``.
``Positive``/``Negative`` count the executions that satisfy / do not satisfy
the condition as written (for ``~exists``, those where the proposition does
*not* hold are positive); the ``Observation`` counts are always those of the
proposition.  ``Hash`` is an MD5 digest of the final states (herd hashes its
own representation, so the values differ from herd's).
"""

from __future__ import annotations

import hashlib

from smpcheck.litmus.run import LitmusRun
from smpcheck.litmus.translate import render_prop
from smpcheck.text import printable, printable_block

TEST_KINDS = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
"""The word after the name on herd's ``Test`` line, by quantifier."""


def herd_text(run: LitmusRun) -> str:
    """The block herd7 prints for one test (without the trailing blank line)."""
    test = run.test
    cond = test.condition
    states = [run.show_state(s) for s in run.sorted_states()]
    pos, neg = run.positive, run.negative
    if cond.quantifier == "~exists":
        shown_pos, shown_neg, ok = neg, pos, pos == 0
    else:
        shown_pos, shown_neg = pos, neg
        ok = pos > 0 if cond.quantifier == "exists" else neg == 0
    kind = TEST_KINDS[cond.quantifier]
    name = printable(test.name)
    lines = [f"Test {name} {kind}", f"States {len(states)}", *states,
             "Ok" if ok else "No", "Witnesses", f"Positive: {shown_pos} Negative: {shown_neg}"]
    lines += [f"Flag {flag}" for flag in run.flags]
    lines += [f"Condition {cond.quantifier} ({render_prop(cond.prop)})",
              f"Observation {name} {run.verdict} {pos} {neg}",
              f"Time {name} {run.result.elapsed_s:.2f}",
              f"Hash={state_hash(states)}"]
    return printable_block("\n".join(lines))


def state_hash(states: list[str]) -> str:
    """A stable digest of the final states."""
    return hashlib.md5("\n".join(states).encode()).hexdigest()
