"""Switches of a user's model: the choices a design leaves open, set on the command line.

A model file reads a switch with :func:`switch`, at module level, the way the KVM
designs read theirs::

    FENCE = switch("FENCE", "none", choices=("none", "smp_mb"))
    CPUS = switch("CPUS", 2)

``smpcheck check MODEL.py -D FENCE=smp_mb -D CPUS=3`` sets them; ``--variant
FENCE=smp_mb,CPUS=3`` (repeatable) checks the model once per setting, like
``smpcheck kvm matrix``.  Without a setting a switch has its default, so the file
still runs under ``verify`` or pytest.  A value from the command line is converted to
the type of the default (``int`` takes ``0x10`` too; ``bool`` takes 0/1, true/false,
y/n); a value outside ``choices``, or a ``-D`` name the model never reads, is a usage
error (exit 2).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from smpcheck.errors import UsageError

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


@dataclass
class _Setting:
    """The switch values given for one load of a model, and the switches it read."""

    given: dict[str, str]
    read: dict[str, Any] = field(default_factory=dict)


_ACTIVE: list[_Setting] = []


def switch(name: str, default: T, *, choices: Sequence[T] | None = None) -> T:
    """The value of the model's switch ``name``: what ``-D NAME=VALUE`` (or the
    ``--variant`` being checked) gives, converted to the type of ``default``; else
    ``default``.  ``choices``: the values it may take (checked)."""
    if choices is not None and default not in choices:
        raise _error(f"switch {name}: the default {default!r} is not one of its choices")
    from smpcheck.model import hooks

    if hooks.in_cpu():
        raise _error(f"switch {name} is read in a CPU function: read switches at module "
                     "level, where the model is built")
    setting = _ACTIVE[-1] if _ACTIVE else None
    value = default
    if setting is not None and name in setting.given:
        value = _convert(name, setting.given[name], default)
        if choices is not None and value not in choices:
            shown = " | ".join(str(c) for c in choices)
            raise _error(f"switch {name} takes {shown}, not {setting.given[name]!r}")
    if setting is not None:
        setting.read[name] = value
    return value


def _convert(name: str, text: str, default: Any) -> Any:
    """``text`` as a value of the type of ``default``."""
    if isinstance(default, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise _error(f"switch {name} is true or false (1/0), not {text!r}")
    if isinstance(default, int):
        try:
            return int(text, 0)
        except ValueError:
            raise _error(f"switch {name} takes a whole number, not {text!r}") from None
    if default is None or isinstance(default, str):
        return text
    raise _error(f"switch {name}: a default of type {type(default).__name__} cannot be set "
                 "from the command line (use a str, int or bool)")


def _error(message: str) -> UsageError:
    """A usage error at the model's line that called :func:`switch`."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return UsageError(message, frame.f_code.co_filename, frame.f_lineno)


@contextlib.contextmanager
def switches_set(given: Mapping[str, str], path: str | None = None) -> Iterator[dict[str, Any]]:
    """Run a model load with the switch values ``given``; yields the switches it read
    (name -> value).  A given name the model never read is a usage error naming
    ``path``."""
    setting = _Setting(dict(given))
    _ACTIVE.append(setting)
    try:
        yield setting.read
    finally:
        _ACTIVE.remove(setting)
    unknown = sorted(set(given) - set(setting.read))
    if unknown:
        known = ", ".join(sorted(setting.read)) or "none"
        raise UsageError(f"-D {unknown[0]}: the model reads no switch {unknown[0]!r} "
                         f"(switches it reads: {known})", path)


def define_item(spec: str, option: str = "-D") -> tuple[str, str]:
    """One ``NAME`` or ``NAME=VALUE`` as cc takes it (a bare ``NAME`` is ``1``): a C
    model's macro, a Python model's switch."""
    name, eq, value = spec.partition("=")
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise UsageError(f"{option} takes NAME or NAME=VALUE, not {spec!r}")
    return name, value.strip() if eq else "1"


def parse_define(items: Sequence[str], option: str = "-D") -> dict[str, str]:
    """``NAME[=VALUE]`` items (of ``-D``, or one ``--variant`` split at commas) as a dict.
    A name given twice with two values is an error: which one was meant cannot be
    known, and checking the other would answer for another design."""
    out: dict[str, str] = {}
    for item in items:
        name, value = define_item(item, option)
        if out.get(name, value) != value:
            raise UsageError(f"{option} gives {name} twice ({name}={out[name]} and "
                             f"{name}={value}): give it once")
        out[name] = value
    return out


def fingerprint_of(given: Mapping[str, str]) -> dict[str, str]:
    """What a replay record holds of a model file's ``-D`` settings (a C file's macros,
    a Python file's switches): another setting is another design."""
    return {"-D": " ".join(f"{k}={v}" for k, v in sorted(given.items()))} if given else {}


def parse_variant(text: str) -> dict[str, str]:
    """``--variant NAME=VALUE[,NAME=VALUE]``: one setting of the switches (each named
    with its value: a bare name reads too much like a variant's label)."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts or any("=" not in part for part in parts):
        raise UsageError(f"--variant takes NAME=VALUE[,NAME=VALUE], not {text!r}")
    return parse_define(parts, "--variant")


__all__ = ["define_item", "fingerprint_of", "parse_define", "parse_variant", "switch",
           "switches_set"]
