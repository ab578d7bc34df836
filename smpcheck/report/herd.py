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

A run cut short (a bound, a timeout) has no verdict: its block says what cut it
short instead of the lines above from ``States`` to ``Hash``.
"""

from __future__ import annotations

try:  # (Python's own MD5: importing hashlib loads OpenSSL, some milliseconds)
    from _md5 import md5  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import md5

from smpcheck.litmus.run import LitmusRun
from smpcheck.litmus.translate import render_prop
from smpcheck.report.limits import Options, incomplete_lines
from smpcheck.text import printable, printable_block

TEST_KINDS = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
"""The word after the name on herd's ``Test`` line, by quantifier."""


def herd_text(run: LitmusRun, options: Options) -> str:
    """The block herd7 prints for one test (without the trailing blank line); for a
    run cut short, :func:`incomplete_text` instead."""
    test = run.test
    cond = test.condition
    if run.verdict is None:
        return incomplete_text(run, options)
    states = [run.show_state(s) for s in run.sorted_states()]
    pos, neg = run.positive, run.negative
    shown_pos, shown_neg = (neg, pos) if cond.quantifier == "~exists" else (pos, neg)
    name = printable(test.name)
    lines = [_test_line(run), f"States {len(states)}", *states,
             "Ok" if run.ok else "No", "Witnesses", f"Positive: {shown_pos} Negative: {shown_neg}"]
    lines += [f"Flag {flag}" for flag in run.flags]
    lines += [f"Condition {cond.quantifier} ({render_prop(cond.prop)})",
              f"Observation {name} {run.verdict} {pos} {neg}",
              f"Time {name} {run.result.elapsed_s:.2f}",
              f"Hash={state_hash(states)}"]
    return printable_block("\n".join(lines))


def incomplete_text(run: LitmusRun, options: Options) -> str:
    """A run cut short: what cut it and how to lift it (``options``: the command's
    option for each limit), and no verdict: no States, Ok/No, Witnesses, Observation
    or Hash line, which a script would read as herd's answer."""
    test = run.test
    r = run.result
    runs = "execution" if r.executions == 1 else "executions"
    return "\n".join([
        _test_line(run),
        f"Incomplete {printable(test.name)}: no verdict ({r.executions} {runs} visited, "
        f"{r.blocked} blocked)",
        *incomplete_lines(r, options, "  "),
        f"Condition {test.condition.quantifier} ({render_prop(test.condition.prop)})",
        f"Time {printable(test.name)} {r.elapsed_s:.2f}"])


def _test_line(run: LitmusRun) -> str:
    return f"Test {printable(run.test.name)} {TEST_KINDS[run.test.condition.quantifier]}"


def state_hash(states: list[str]) -> str:
    """A stable digest of the final states."""
    return str(md5("\n".join(states).encode()).hexdigest())
