"""The increment model as a model file's text: CPU i increments one counter
``counts[i]`` times with READ_ONCE/WRITE_ONCE (a lost update is an execution like
any other).  Shared by the -j tests and bench/jobs.py."""

from __future__ import annotations

from collections.abc import Sequence

_TEMPLATE = """\
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

c = Var(0)


def make(n):
    def cpu():
        for _ in range(n):
            WRITE_ONCE(c, READ_ONCE(c) + 1)
    return cpu


MODEL = Model({name!r}, [make(n) for n in {counts!r}])
"""


def inc_source(counts: Sequence[int], name: str = "") -> str:
    """A model file: one CPU per entry of ``counts``, each incrementing that often."""
    shown = name or "inc " + ",".join(map(str, counts))
    return _TEMPLATE.format(name=shown, counts=tuple(counts))
