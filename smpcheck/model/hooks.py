"""The runtime's entry points that model objects call: a member read or store
through a pointer, a branch on a tracked value.  The runtime installs them when
it is imported (:func:`install`), so that model/ imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["add_control_deps", "install", "member_read", "plain_store"]


def _no_runtime(*args: Any) -> Any:
    raise RuntimeError("smpcheck's runtime is not loaded")  # (import smpcheck loads it)


member_read: Callable[..., Any] = _no_runtime
plain_store: Callable[..., None] = _no_runtime
add_control_deps: Callable[..., None] = _no_runtime


def install(read: Callable[..., Any], store: Callable[..., None],
            control: Callable[..., None]) -> None:
    """Route model objects' member reads, stores and branches to the runtime."""
    global member_read, plain_store, add_control_deps
    member_read, plain_store, add_control_deps = read, store, control
