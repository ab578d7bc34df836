"""Litmus tests in, syntax trees out.

:func:`parse_litmus` reads the Linux kernel's C litmus format
(tools/memory-model/litmus-tests) and herd7's X86 / X86_64 formats into the
frozen dataclasses of :mod:`smpcheck.litmus.syntax` (:class:`CTest`,
:class:`X86Test`).  It checks syntax only; a malformed file raises
:class:`LitmusError` (a :class:`~smpcheck.errors.UsageError`) naming the
path, line and column, what was expected and what was found.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smpcheck.litmus.parse_common import parse_litmus as parse_litmus
    from smpcheck.litmus.parse_common import parse_litmus_file as parse_litmus_file
    from smpcheck.litmus.syntax import CTest as CTest
    from smpcheck.litmus.syntax import LitmusError as LitmusError
    from smpcheck.litmus.syntax import X86Test as X86Test

#: Each public name's module, imported on first use (``smpcheck --help`` imports this
#: package's command-line module, not its parser).
_HOMES = {"parse_litmus": "smpcheck.litmus.parse_common",
          "parse_litmus_file": "smpcheck.litmus.parse_common",
          "CTest": "smpcheck.litmus.syntax", "LitmusError": "smpcheck.litmus.syntax",
          "X86Test": "smpcheck.litmus.syntax"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'smpcheck.litmus' has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(_HOMES[name]), name)
    return value


__all__ = ["CTest", "LitmusError", "X86Test", "parse_litmus", "parse_litmus_file"]
