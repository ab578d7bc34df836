"""The three error families and their exit statuses.

A verification finding is not an exception: it is a :class:`~smpcheck.results.findings.Violation`
value in the result.  Exceptions are for the two other families:

* :class:`UsageError` -- bad input (a model, litmus, cat, def or cfg file that is
  wrong, a bad option).  It names the user's file and line and says what to fix.
  Exit status 2.
* :class:`InternalError` -- a bug in smpcheck itself.  Exit status 4, with the
  request to report it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_INTERNAL = 4


class SmpcheckError(Exception):
    """Base of smpcheck's own exceptions."""


class UsageError(SmpcheckError):
    """Bad input: names the file and line at fault and what is wrong with it."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class InternalError(SmpcheckError):
    """A bug in smpcheck: never the user's fault."""

    def __str__(self) -> str:
        return f"smpcheck internal bug, please report: {super().__str__()}"


class EngineExit(BaseException):
    """The engine's own control flow through model code: never the model's doing, so
    never reported as something the model raised.  A BaseException, like GreenletExit,
    so that model code catching Exception lets it through."""
