"""Progress of a long command (many litmus files, herd's directories, a KVM matrix).

A bar on standard error, and only when standard error is a terminal: piped or
redirected output, CI logs and ``--json`` never see it, and what a command prints
is the same with or without it.  While the bar shows, lines written to stderr
(warnings) appear above it; lines written to stdout too when stdout is the same
kind of stream, a terminal (when stdout is a file or a pipe it is left alone).

    for path in tracked(files, "litmus", label=str):
        ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from smpcheck.text import printable

T = TypeVar("T")


def wanted(enabled: bool | None = None) -> bool:
    """Whether to show progress: ``enabled`` if given, else whether stderr is a terminal."""
    if enabled is not None:
        return enabled
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class Bar:
    """A progress bar over ``total`` items of one command (a no-op when not
    :func:`wanted`); use it as a context manager."""

    def __init__(self, total: int | None, what: str, enabled: bool | None = None) -> None:
        self.total = total
        self.what = what
        self.enabled = wanted(enabled)
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Bar:
        if self.enabled:
            self._start()
        return self

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True)
        out_isatty = getattr(sys.stdout, "isatty", None)
        self._progress = Progress(
            TextColumn("[bold]{task.fields[what]}[/]"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("{task.fields[item]}"), console=console,
            transient=True, redirect_stdout=bool(out_isatty and out_isatty()),
            redirect_stderr=True, auto_refresh=False)  # (no thread: -j may fork workers)
        self._progress.start()
        self._task = self._progress.add_task(self.what, total=self.total, what=self.what,
                                             item="")

    def show(self, item: str) -> None:
        """Name the item being worked on (escaped: it may come from the input)."""
        if self._progress is not None:
            from rich.markup import escape

            shown = printable(item)
            shown = shown if len(shown) <= 60 else "\u2026" + shown[-59:]
            self._progress.update(self._task, item=escape(shown), refresh=True)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        if self._progress is not None:
            self._progress.advance(self._task, n)
            self._progress.refresh()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def tracked(items: Iterable[T], what: str, label: Callable[[T], str] = str,
            enabled: bool | None = None) -> Iterator[T]:
    """``items``, with a :class:`Bar` while they are worked on (each shown by ``label``
    while its turn lasts)."""
    seq = list(items)
    with Bar(len(seq), what, enabled) as bar:
        for item in seq:
            bar.show(label(item))
            yield item
            bar.advance()


__all__ = ["Bar", "tracked", "wanted"]
