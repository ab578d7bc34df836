"""Reporters: the engine returns a Result; these render it (text table, JSON).

The names below are imported on first use (module ``__getattr__``): importing a
reporter of this package (``smpcheck.report.herd``, ``.progress``) then does not
load the text table's modules, which ``smpcheck-herd`` never uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smpcheck.report.table import Row, render_table, rows_for
    from smpcheck.report.text import render_result

__all__ = ["Row", "render_result", "render_table", "rows_for"]
_HOME = {"Row": "table", "render_table": "table", "rows_for": "table", "render_result": "text"}


def __getattr__(name: str) -> Any:
    """One of ``__all__``, from its module (imported now)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{home}"), name)
