"""Litmus tests in, syntax trees out.

:func:`parse_litmus` reads the Linux kernel's C litmus format
(tools/memory-model/litmus-tests) and herd7's X86 / X86_64 formats into the
frozen dataclasses of :mod:`smpcheck.litmus.syntax` (:class:`CTest`,
:class:`X86Test`).  It checks syntax only; a malformed file raises
:class:`LitmusError` (a :class:`~smpcheck.errors.UsageError`) naming the
path, line and column, what was expected and what was found.
"""

from smpcheck.litmus.parse_common import parse_litmus, parse_litmus_file
from smpcheck.litmus.syntax import CTest, LitmusError, X86Test

__all__ = ["CTest", "LitmusError", "X86Test", "parse_litmus", "parse_litmus_file"]
