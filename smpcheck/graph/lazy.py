"""``cached_property`` without the lock: computed once per object, then a plain attribute.

functools.cached_property takes a lock on every first access before Python 3.12;
the views and relation sets of one execution compute hundreds of them per check,
and never from two threads.  Type checkers see functools' own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from functools import cached_property as cached
else:

    class cached:  # noqa: N801 - named like the decorator it replaces
        """A non-data descriptor: the first access stores the value in the instance's
        ``__dict__``, which later accesses read directly."""

        def __init__(self, func: Callable[[Any], Any]) -> None:
            self.func = func
            self.name = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, owner: type | None = None) -> Any:
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.func(obj)
            return value

__all__ = ["cached"]
