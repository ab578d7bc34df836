"""Standard output that survives a reader who stops reading (``smpcheck ... | head``).

Apart from :mod:`smpcheck.cli.common` so that ``smpcheck-herd``, which needs it, does
not import :mod:`argparse` (herd7's options have their own parser).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO


class _PipeSafe(io.TextIOBase):
    """Standard output that a reader who stopped reading (``| head``) does not break:
    the rest of the output is dropped and the command goes on to its real exit status."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        """From now on, drop the output; point the descriptor at /dev/null, so that
        what the stream still holds does not fail again when Python exits."""
        self.broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)

    def isatty(self) -> bool:
        return not self.broken and self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


@contextlib.contextmanager
def pipe_safe_stdout() -> Iterator[None]:
    """Run with :class:`_PipeSafe` as ``sys.stdout`` (restored after)."""
    saved = sys.stdout
    sys.stdout = _PipeSafe(saved)
    try:
        yield
    finally:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stdout = saved
