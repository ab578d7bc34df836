"""Refusing the known sources of nondeterminism while a CPU function runs.

The explorer re-runs a CPU whenever it needs it at an earlier point and trusts it to
ask for the same events when it is given the same values.  A CPU that draws a
random number or reads a clock breaks that silently: an execution is then checked
or missed by luck.  So while a model is being checked, calls from CPU code to

* the ``random`` module's functions, and ``random.Random()`` without a seed or
  ``random.SystemRandom()`` made in CPU code (their ``__init__`` is guarded, so
  the classes stay themselves),
* ``secrets``, ``os.urandom``, ``os.getrandom``, ``os.getpid``,
  ``uuid.uuid1``/``uuid4``,
* the clocks: ``time.time``, ``monotonic``, ``perf_counter``, ``process_time``,
  ``thread_time`` and their ``_ns`` forms,

are a usage error naming the line.  Module-level code (building the initial state
at import) may use them, and so may conditions and the engine itself: the guard
refuses only calls made on a CPU's greenlet by model code.  It is installed for
the duration of one check and removed afterwards.  Names a model module bound
with ``from random import randint`` are guarded too.  A seeded ``random.Random(7)``
made in CPU code is deterministic and allowed; a generator made at module level
and drawn from by CPU code is shared Python state (see :mod:`smpcheck._rt.pystate`).

Sources that cannot be refused (``id()``, the order of a set of objects, files)
are caught by re-running each CPU on the same values (:mod:`smpcheck.explore.verify`).
"""

from __future__ import annotations

import functools
import os
import random
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import greenlet

from smpcheck._rt.runtime import ModelMisuse, cpu_name, current_run, frame_source, refuse

__smp_engine__ = True

_RANDOM = ("betavariate", "choice", "choices", "expovariate", "gammavariate", "gauss",
           "getrandbits", "getstate", "lognormvariate", "normalvariate", "paretovariate",
           "randbytes", "randint", "random", "randrange", "sample", "seed", "setstate",
           "shuffle", "triangular", "uniform", "vonmisesvariate", "weibullvariate",
           "binomialvariate")
_SOURCES: dict[ModuleType, tuple[str, ...]] = {
    random: _RANDOM,
    secrets: ("choice", "randbelow", "randbits", "token_bytes", "token_hex",
              "token_urlsafe"),
    os: ("urandom", "getrandom", "getpid"),
    uuid: ("uuid1", "uuid4"),
    time: ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter",
           "perf_counter_ns", "process_time", "process_time_ns", "thread_time",
           "thread_time_ns"),
}
_STDLIB = os.path.dirname(os.__file__) + os.sep  # (the standard library's directory)
_HINT = ("a model must behave the same whenever it is given the same values (compute "
         "such a value at module level, or let the checker choose it: a Var that another "
         "CPU writes)")


def _refuse(what: str) -> None:
    """Raise the usage error for a call of ``what`` if model code on a CPU made it."""
    cpu = getattr(greenlet.getcurrent(), "smp_cpu", None)
    if cpu is None or current_run() is None:
        return
    caller = sys._getframe(2)
    if caller.f_globals.get("__smp_engine__"):
        return
    f: Any = caller  # (the model's line, not the library's that made the call for it)
    while f is not None and (f.f_globals.get("__smp_engine__")
                             or f.f_code.co_filename.startswith(_STDLIB)):
        f = f.f_back
    src = frame_source(caller if f is None else f)
    refuse(cpu, ModelMisuse(f"nondeterminism: CPU function {cpu_name(cpu)} calls {what} at "
                            f"{src}; {_HINT}", src))


def _guard(what: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _refuse(what)
        return original(*args, **kwargs)

    guarded.__name__ = getattr(original, "__name__", what)
    guarded.__doc__ = original.__doc__
    guarded.smp_original = original  # type: ignore[attr-defined]
    return guarded


_random_init = random.Random.__dict__["__init__"]


def _checked_random_init(self: random.Random, x: Any = None) -> None:
    """random.Random.__init__ while a model is checked: in CPU code only with a seed,
    and never for a SystemRandom.  (The class stays itself: ``isinstance`` holds.)"""
    made = f"{type(self).__module__}.{type(self).__qualname__}()"
    if isinstance(self, random.SystemRandom):
        _refuse(made)
    elif x is None:
        _refuse(f"{made} (seeded from the system)")
    _random_init(self, x)


@functools.cache
def _replacements() -> dict[tuple[Any, str], Any]:
    """(namespace, name) -> the guarded stand-in for every source this Python has."""
    out: dict[tuple[Any, str], Any] = {}
    for mod, names in _SOURCES.items():
        for name in names:
            original = getattr(mod, name, None)
            if original is not None:
                out[mod, name] = _guard(f"{mod.__name__}.{name}", original)
    out[random.Random, "__init__"] = _checked_random_init
    return out


@functools.cache
def _by_original() -> dict[int, Any]:
    """id(a module's source function) -> its stand-in (the sources live for the process)."""
    return {id(getattr(mod, name)): new for (mod, name), new in _replacements().items()
            if isinstance(mod, ModuleType)}


@contextmanager
def refusing_nondeterminism(modules: Iterable[ModuleType]) -> Iterator[None]:
    """Within: CPU code calling a known source of nondeterminism is a usage error.
    ``modules`` are model modules whose own names for the sources are guarded too."""
    patched: list[tuple[Any, str, Any]] = []  # (namespace, name, original)
    stand_in = _replacements()
    by_id = _by_original()
    try:
        for (owner, name), new in stand_in.items():
            patched.append((owner, name, getattr(owner, name)))
            setattr(owner, name, new)
        for mod in modules:
            ns = mod.__dict__
            for name, value in list(ns.items()):
                new = by_id.get(id(value))
                if new is not None:
                    patched.append((ns, name, value))
                    ns[name] = new
        yield
    finally:
        for owner, name, original in reversed(patched):
            if isinstance(owner, dict):
                owner[name] = original
            else:
                setattr(owner, name, original)
