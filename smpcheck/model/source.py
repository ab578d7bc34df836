"""Where model code is: a :class:`Source` (file, line, its text), the site of a
``def`` or of the innermost model frame of a traceback, and what model code raised
as a message says it.  Frames of modules that set ``__smp_engine__`` are
smpcheck's own, never the model's."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from smpcheck.records import record

__all__ = ["NO_SOURCE", "Latent", "Source", "def_site", "raise_site", "raised_text", "shown_path"]


@record
class Source:
    """Where an event comes from in the model: file, line and that line's text."""

    path: str
    line: int
    text: str
    func: str = ""  # the enclosing function, for tables over several files

    def __str__(self) -> str:
        return f"{shown_path(self.path)}:{self.line}"



def shown_path(path: str) -> str:
    """A path as reports print it: relative to the working directory when inside it."""
    import os

    if not os.path.isabs(path):
        return path
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel



NO_SOURCE = Source("<smpcheck>", 0, "")
# A statement whose constants a CPU may write only on a path no execution takes
# without a cycle (Model.latent): its CPU, file, line and text (as its events' Source
# has them), the constants it may write anywhere, and those it may write only at one
# location (a spin_lock()'s 1), by location (smpcheck.explore.speculation)
Latent = tuple[int, str, int, str, frozenset[Any], tuple[tuple[Any, frozenset[Any]], ...]]


def raised_text(exc: BaseException) -> str:
    """What model code raised, as an error message says it."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, SystemExit):
        return text + " (a model cannot exit: a CPU function returns its registers)"
    return text



def source_line(path: str, line: int) -> str:
    """Line ``line`` of the file ``path``, stripped ('' when it cannot be read).
    linecache is imported here, on first use: with the tokenize module it loads, it
    was ~5M instructions of every smpcheck-herd run, which shows no model line."""
    import linecache

    return linecache.getline(path, line).strip()


def def_site(fn: Any) -> Source:
    """Where a function is defined (its ``def`` line), for errors about it as a whole."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return NO_SOURCE
    path, line = code.co_filename, code.co_firstlineno
    return Source(path, line, source_line(path, line), code.co_name)



def raise_site(tb: TracebackType | None) -> Source:
    """The innermost model frame of a traceback."""
    site = NO_SOURCE
    while tb is not None:
        f = tb.tb_frame
        if not f.f_globals.get("__smp_engine__"):
            path = f.f_code.co_filename
            site = Source(path, tb.tb_lineno, source_line(path, tb.tb_lineno))
        tb = tb.tb_next
    return site
