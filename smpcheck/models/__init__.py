"""Memory models: consistency predicates over execution graphs, chosen by name.

A model is a plug-in with one small interface (:class:`MemoryModel`); the
explorer asks it whether a graph is consistent and never branches on which
model it is.  ``get_model("sc" | "tso" | "lkmm")`` returns one.
"""

from __future__ import annotations

from collections.abc import Callable

from smpcheck.errors import UsageError
from smpcheck.models.base import MemoryModel

_REGISTRY: dict[str, Callable[[], MemoryModel]] = {}


def register(name: str, factory: Callable[[], MemoryModel]) -> None:
    _REGISTRY[name] = factory


def get_model(name: str) -> MemoryModel:
    """The memory model called ``name``."""
    _load_builtins()
    factory = _REGISTRY.get(name)
    if factory is None:
        raise UsageError(f"unknown memory model {name!r} (known: {', '.join(sorted(_REGISTRY))})")
    return factory()


def model_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


BUILTIN = {"sc": "smpcheck.models.sc:SC", "tso": "smpcheck.models.tso:TSO",
           "lkmm": "smpcheck.models.lkmm:LKMM"}


def _load_builtins() -> None:
    if _REGISTRY:
        return
    import importlib

    for name, where in BUILTIN.items():
        module, cls = where.split(":")
        try:
            register(name, getattr(importlib.import_module(module), cls))
        except ImportError:  # pragma: no cover - a model still being written
            continue


__all__ = ["MemoryModel", "get_model", "model_names", "register"]
