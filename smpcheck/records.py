"""Frozen records: what ``@dataclass(frozen=True, slots=True)`` makes, made cheaply.

The standard decorator writes six methods of each class as source text and
compiles them when the module is imported: about half a millisecond a class,
which for the litmus and cat syntax trees (70 classes) cost as much as the rest
of a command's imports.  :func:`record` makes the same class -- fields from the
annotations (a base record's first), defaults, ``field(compare=False)``,
``__slots__``, instances that refuse assignment, ``==`` and ``hash`` on the
compared fields' tuple, the dataclass repr, ``__match_args__``, pickling and
copying -- with methods shared by every record, compiled once with this module.
mypy reads a record as a frozen dataclass (PEP 681).  No ``default_factory``,
``InitVar``, ``kw_only``, ordering nor a field declared again in a subclass: a class
that needs them is a dataclass.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

_NONE = object()  # (no default)


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T]) -> type[T]:
    """The frozen, slotted record class of ``cls`` (see the module docstring)."""
    bases = [b for b in cls.__mro__[1:] if "_record_fields" in b.__dict__]
    base: Any = bases[0] if bases else None
    names: list[str] = list(base._record_fields) if base else []
    defaults: dict[str, Any] = dict(base._record_defaults) if base else {}
    compared: list[str] = list(base._record_compared) if base else []
    ns = dict(cls.__dict__)
    own = []
    for name, note in ns.get("__annotations__", {}).items():
        if "ClassVar" in str(note) or "InitVar" in str(note):
            raise TypeError(f"{cls.__qualname__}.{name}: records have no {note}")
        if name in names:
            raise TypeError(f"{cls.__qualname__}.{name}: a base record's field again")
        own.append(name)
        default = ns.pop(name, _NONE)
        if isinstance(default, Field):
            if default.default_factory is not MISSING:
                raise TypeError(f"{cls.__qualname__}.{name}: records have no default_factory")
            keep = default.compare
            default = _NONE if default.default is MISSING else default.default
        else:
            keep = True
        names.append(name)
        if keep:
            compared.append(name)
        if default is not _NONE:
            defaults[name] = default
    for a, b in zip(names, names[1:], strict=False):
        if a in defaults and b not in defaults:
            raise TypeError(f"{cls.__qualname__}: non-default field {b!r} follows a "
                            "default one")
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    ns["__slots__"] = tuple(own)
    meta: Any = type(cls)
    new: Any = meta(cls.__name__, cls.__bases__, ns)
    new.__qualname__ = cls.__qualname__
    new._record_fields = tuple(names)
    new._record_defaults = defaults
    new._record_compared = tuple(compared)
    new._record_key = _key(compared)
    new._record_setters = tuple(getattr(new, n).__set__ for n in names)
    new.__match_args__ = tuple(names)  # type: ignore[misc]
    for method in (_init, _repr, _eq, _hash, _setattr, _delattr, _getstate, _setstate):
        if method.__name__ not in ns:  # (as dataclass: the class's own method stays)
            setattr(new, method.__name__, method)
    result: type[T] = new
    return result


def _key(compared: list[str]) -> Any:
    if len(compared) > 1:
        return attrgetter(*compared)
    if compared:
        name = compared[0]
        return lambda self: (getattr(self, name),)
    return lambda self: ()


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    setters = cls._record_setters
    if len(args) > len(setters):
        raise TypeError(f"{cls.__name__}() takes {len(setters)} positional arguments but "
                        f"{len(args)} were given")
    for setter, value in zip(setters, args, strict=False):
        setter(self, value)
    if len(args) == len(setters) and not kwargs:
        return
    names, defaults = cls._record_fields, cls._record_defaults
    for k in range(len(args), len(setters)):
        name = names[k]
        value = kwargs.pop(name, _NONE)
        if value is _NONE:
            value = defaults.get(name, _NONE)
            if value is _NONE:
                raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
        setters[k](self, value)
    if kwargs:
        name = next(iter(kwargs))
        why = "multiple values for argument" if name in names else "an unexpected keyword " \
            "argument"
        raise TypeError(f"{cls.__name__}() got {why} {name!r}")


_init.__name__ = "__init__"


def _repr(self: Any) -> str:
    fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self)._record_fields)
    return f"{type(self).__qualname__}({fields})"


_repr.__name__ = "__repr__"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = self.__class__._record_key
        return key(self) == key(other)
    return NotImplemented


_eq.__name__ = "__eq__"


def _hash(self: Any) -> int:
    return hash(self.__class__._record_key(self))


_hash.__name__ = "__hash__"


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


_setattr.__name__ = "__setattr__"


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


_delattr.__name__ = "__delattr__"


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, n) for n in self._record_fields]


_getstate.__name__ = "__getstate__"


def _setstate(self: Any, state: list[Any]) -> None:
    for setter, value in zip(self._record_setters, state, strict=True):
        setter(self, value)


_setstate.__name__ = "__setstate__"
