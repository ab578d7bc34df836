"""Which modules run with the loader's rewrites (:mod:`smpcheck._rt.loader`): model
files and the library of model code, as against smpcheck's own functions.

Apart from the loader so that a run, which asks, imports no :mod:`ast` (the loader's
rewrites need it; a litmus test has none to make).
"""

from __future__ import annotations

import sys
import types
from typing import Any

REWRITTEN: set[str] = set()  # the modules run with the rewrites: model files, the library


def engine_made(fn: Any) -> bool:
    """Whether CPU function ``fn`` is smpcheck's own (the litmus interpreters'), not model
    code: trusted to be deterministic and to keep no Python state."""
    module = str(getattr(fn, "__module__", None) or "")
    return getattr(fn, "smp_deterministic", False) or engine_module(module)


def engine_module(module: str) -> bool:
    """Whether ``module`` is smpcheck's own code, not a rewritten model module."""
    return module.startswith("smpcheck.") and module not in REWRITTEN


def model_modules(fns: list[Any]) -> list[types.ModuleType]:
    """The rewritten modules that model code in ``fns`` can reach: the functions' own,
    and those their globals name, transitively."""
    todo = [getattr(fn, "__module__", None) for fn in fns]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name is None or name in seen or name not in REWRITTEN or name not in sys.modules:
            continue
        seen.add(name)
        for value in list(vars(sys.modules[name]).values()):
            if isinstance(value, types.ModuleType):
                todo.append(value.__name__)
            elif isinstance(value, (type, types.FunctionType)):
                todo.append(getattr(value, "__module__", None))
    return [sys.modules[name] for name in sorted(seen)]
