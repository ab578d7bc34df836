"""What cut a run short and how to lift it, in the words of the command that ran it.

The engine records a :class:`~smpcheck.results.result.Cut` (which bound, its value, the
model line); it names no option, because each command has its own: ``smpcheck``
raises the loop bound with ``--loop-bound``, ``smpcheck-herd`` with herd7's
``-unroll``.  A command passes its :data:`Options` (limit -> option name) to the
reporters, which call :func:`explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smpcheck.results.result import Cut, Limit, Result, shown_number

#: The option of a command that sets each limit (a limit it lacks has no option there).
Options = Mapping[Limit, str]


def explain(cut: Cut, options: Options) -> str:
    """``cut`` and the way to lift it with ``options``: one line, no verdict."""
    return f"{cut}: {advice(cut, options)}"


def advice(cut: Cut, options: Options) -> str:
    """How to lift ``cut``: the option to raise, and for the bounds a model hits, what
    else it may mean (a spin wait without cpu_relax())."""
    opt = options.get(cut.limit)
    value = shown_number(cut.value)
    if opt is None:
        lift = "no option of this command raises it"
    elif cut.limit in (Limit.MAX_EXECUTIONS, Limit.TIMEOUT):
        lift = f"raise {opt} (it is {value}) so that the run can complete"
    else:
        lift = f"raise {opt} (it is {value}) if it ends later"
    if cut.limit == Limit.LOOP_BOUND:
        return f"{lift}; a spin-wait loop must call cpu_relax()"
    if cut.limit == Limit.MAX_EVENTS:
        return f"{lift}; does a loop lack cpu_relax()?"
    if cut.limit == Limit.STALL:  # (no option: the environment sets it, for any command)
        return (f"an endless loop? smpcheck bounds only while loops; set SMPCHECK_STALL_S "
                f"(it is {value}) if it ends later")
    return lift


def cut_dict(cut: Cut, options: Options) -> dict[str, Any]:
    """A cut as JSON: the limit, its value, where (a bound the model hit), and the
    message with the advice."""
    return {"limit": cut.limit.value, "value": cut.value, "option": options.get(cut.limit),
            "file": cut.src.path if cut.src is not None else None,
            "line": cut.src.line if cut.src is not None else None, "cpu": cut.cpu,
            "message": explain(cut, options)}


def incomplete_dicts(result: Result, options: Options) -> list[dict[str, Any]]:
    """Every cut of ``result`` as JSON (empty for a complete run)."""
    return [cut_dict(cut, options) for cut in result.incomplete]


def incomplete_lines(result: Result, options: Options, prefix: str = "incomplete: ") -> list[str]:
    """One line per cut of ``result``, each saying how to lift it."""
    return [prefix + explain(cut, options) for cut in result.incomplete]
