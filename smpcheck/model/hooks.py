"""The runtime's entry points that model objects call: a member read or store
through a pointer, a branch on a tracked value, whether a CPU function is running.
The runtime installs them when it is imported (:func:`install`), so that model/
imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["add_control_deps", "in_cpu", "install", "member_read", "plain_store"]


def _no_runtime(*args: Any) -> Any:
    raise RuntimeError("smpcheck's runtime is not loaded")  # (import smpcheck loads it)


member_read: Callable[..., Any] = _no_runtime
plain_store: Callable[..., None] = _no_runtime
add_control_deps: Callable[..., None] = _no_runtime


def _never() -> bool:
    return False


in_cpu: Callable[[], bool] = _never  # (no runtime, no CPU function running)


def install(read: Callable[..., Any], store: Callable[..., None],
            control: Callable[..., None], cpu_running: Callable[[], bool]) -> None:
    """Route model objects' member reads, stores and branches to the runtime, and the
    question whether the caller runs in a CPU function."""
    global member_read, plain_store, add_control_deps, in_cpu
    member_read, plain_store, add_control_deps, in_cpu = read, store, control, cpu_running
