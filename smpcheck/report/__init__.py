"""Reporters: the engine returns a Result; these render it (text table, JSON)."""

from smpcheck.report.table import Row, render_table, rows_for
from smpcheck.report.text import render_result

__all__ = ["Row", "render_result", "render_table", "rows_for"]
