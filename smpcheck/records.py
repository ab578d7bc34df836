"""Records: what ``@dataclass`` makes, made cheaply.

The standard decorator writes up to six methods of each class as source text and
compiles them when the module is imported: about half a millisecond a class,
which for the litmus and cat syntax trees (70 classes) cost as much as the rest
of a command's imports.  :func:`record` makes what ``@dataclass(frozen=True,
slots=True)`` makes -- fields from the annotations (a base record's first),
defaults, ``field(compare=False)`` and ``field(repr=False)``, ``__slots__``,
instances that refuse assignment, ``==`` and ``hash`` on the compared fields'
tuple, the dataclass repr, ``__match_args__``, ``__post_init__``, pickling and
copying -- with methods shared by every record, compiled once with this module;
:func:`mutable_record` what ``@dataclass`` makes: the same, with
``default_factory``, assignable, unhashable, instances with a ``__dict__``.  mypy
reads them as dataclasses (PEP 681).  No ``InitVar``, ``kw_only``, ordering,
``init=False`` nor a field declared again in a subclass (nor ``default_factory`` in
a frozen record): a class that needs them is a dataclass.

The module has its own :func:`field` (for records only) and :func:`replace`, so that
what uses only records never imports :mod:`dataclasses` (which imports
:mod:`inspect`: about 7 ms, a twentieth of the kernel's 35 litmus tests through
``smpcheck-herd``).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import attrgetter, call
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_NONE: Any = object()  # (no default)


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class Field:
    """What :func:`field` gives: a field's default or factory, whether ``==`` and the
    repr show it."""

    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None,
                 compare: bool, repr: bool) -> None:  # noqa: A002 (dataclasses' name)
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


@overload
def field(*, default: T, compare: bool = ..., repr: bool = ...) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], compare: bool = ..., repr: bool = ...) -> T: ...
@overload
def field(*, compare: bool = ..., repr: bool = ...) -> Any: ...


def field(*, default: Any = _NONE, default_factory: Callable[[], Any] | None = None,
          compare: bool = True, repr: bool = True) -> Any:  # noqa: A002
    """A record field's options, as ``dataclasses.field``'s of the same names."""
    if default is not _NONE and default_factory is not None:
        raise ValueError("cannot give both default and default_factory")
    return Field(default, default_factory, compare, repr)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of record ``obj`` with ``changes`` (``dataclasses.replace`` for a
    dataclass)."""
    names = getattr(type(obj), "_record_fields", None)
    if names is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    values = {n: changes.pop(n) if n in changes else getattr(obj, n) for n in names}
    if changes:
        raise TypeError(f"{type(obj).__name__} has no field {next(iter(changes))!r}")
    out: T = type(obj)(**values)
    return out


def field_names(cls: type) -> tuple[str, ...]:
    """The fields of record class ``cls``, in order."""
    names: tuple[str, ...] = cls._record_fields  # type: ignore[attr-defined]
    return names


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T]) -> type[T]:
    """The frozen, slotted record class of ``cls`` (see the module docstring)."""
    spec = _Spec(cls, factories=False)
    ns = dict(cls.__dict__)
    for name in spec.own:
        ns.pop(name, None)
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    ns["__slots__"] = tuple(spec.own)
    ns["__qualname__"] = cls.__qualname__
    # (the methods in the namespace the class is made from: set on the class after, each
    # dunder made the interpreter update the type's slots again, about as much again)
    for method in _FROZEN_METHODS:
        ns.setdefault(method.__name__, method)  # (as dataclass: the class's own method stays)
    ns["__match_args__"] = tuple(spec.names)
    meta: Any = type(cls)
    new: Any = meta(cls.__name__, cls.__bases__, ns)
    setters = tuple(getattr(new, n).__set__ for n in spec.names)
    _install(new, spec, setters, ns, ())
    result: type[T] = new
    return result


@dataclass_transform(field_specifiers=(field, Field))
def mutable_record(cls: type[T]) -> type[T]:
    """What ``@dataclass`` makes of ``cls``, made as cheaply as :func:`record`: the
    class itself, ``__init__`` (defaults, ``default_factory``, ``__post_init__``),
    ``==`` on the compared fields (and so unhashable), the repr of the fields not
    ``field(repr=False)``, ``__match_args__``; instances keep their ``__dict__``."""
    spec = _Spec(cls, factories=True)
    ns = dict(cls.__dict__)
    for name in spec.own:  # (as dataclass: a field()'s default is the class attribute)
        if isinstance(ns.get(name), Field):
            if name in spec.defaults:
                setattr(cls, name, spec.defaults[name])
            else:
                delattr(cls, name)
    _install(cls, spec, tuple(_setter(n) for n in spec.names), ns, (_init, _repr, _eq))
    cls.__match_args__ = tuple(spec.names)  # type: ignore[attr-defined,misc]
    if "__hash__" not in ns:
        cls.__hash__ = None  # type: ignore[assignment]
    return cls


class _Spec:
    """The fields of a record class: a base record's first, then the class's own
    annotations', with their defaults, factories, and whether == and repr show them."""

    def __init__(self, cls: type, factories: bool) -> None:
        bases = [b for b in cls.__mro__[1:] if "_record_fields" in b.__dict__]
        base: Any = bases[0] if bases else None
        self.names: list[str] = list(base._record_fields) if base else []
        self.defaults: dict[str, Any] = dict(base._record_defaults) if base else {}
        self.factories: dict[str, Any] = dict(base._record_factories) if base else {}
        self.compared: list[str] = list(base._record_compared) if base else []
        self.shown: list[str] = list(base._record_shown) if base else []
        self.own: list[str] = []
        for name, note in cls.__dict__.get("__annotations__", {}).items():
            if "ClassVar" in str(note) or "InitVar" in str(note):
                raise TypeError(f"{cls.__qualname__}.{name}: records have no {note}")
            if name in self.names:
                raise TypeError(f"{cls.__qualname__}.{name}: a base record's field again")
            self._field(cls, name, cls.__dict__.get(name, _NONE), factories)
        given = [n for n in self.names if n in self.defaults or n in self.factories]
        for a, b in zip(self.names, self.names[1:], strict=False):
            if a in given and b not in given:
                raise TypeError(f"{cls.__qualname__}: non-default field {b!r} follows a "
                                "default one")

    def _field(self, cls: type, name: str, default: Any, factories: bool) -> None:
        keep = shown = True
        if type(default).__module__ == "dataclasses":  # (dataclasses.field: not ours)
            raise TypeError(f"{cls.__qualname__}.{name}: a record's field() is "
                            "smpcheck.records.field")
        if isinstance(default, Field):
            if default.default_factory is not None:
                if not factories:
                    raise TypeError(f"{cls.__qualname__}.{name}: records have no "
                                    "default_factory")
                self.factories[name] = default.default_factory
            keep, shown = bool(default.compare), bool(default.repr)
            default = default.default
        self.own.append(name)
        self.names.append(name)
        if keep:
            self.compared.append(name)
        if shown:
            self.shown.append(name)
        if default is not _NONE:
            self.defaults[name] = default


def _install(new: Any, spec: _Spec, setters: tuple[Any, ...], ns: dict[str, Any],
             methods: tuple[Any, ...]) -> None:
    new._record_fields = tuple(spec.names)
    new._record_defaults = spec.defaults
    new._record_factories = spec.factories
    new._record_compared = tuple(spec.compared)
    new._record_shown = tuple(spec.shown)
    new._record_key = _key(spec.compared)
    new._record_setters = setters
    new._record_post = getattr(new, "__post_init__", None)
    for method in methods:
        if method.__name__ not in ns:  # (as dataclass: the class's own method stays)
            setattr(new, method.__name__, method)


def _setter(name: str) -> Any:
    def set_field(obj: Any, value: Any) -> None:
        setattr(obj, name, value)
    return set_field


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
    given = len(args)
    if given > len(setters):
        raise TypeError(f"{cls.__name__}() takes {len(setters)} positional arguments but "
                        f"{given} were given")
    # (each setter returns None: any() runs them all, the loop in C, a third faster than
    # a for loop; records are made a few thousand times per litmus test)
    any(map(call, setters, repeat(self, given), args))
    if given != len(setters) or kwargs:
        _init_rest(self, given, kwargs)
    if cls._record_post is not None:
        cls._record_post(self)


def _init_rest(self: Any, given: int, kwargs: dict[str, Any]) -> None:
    """The fields after the ``given`` positional arguments: from ``kwargs``, else their
    defaults or factories."""
    cls = type(self)
    setters, names, defaults = cls._record_setters, cls._record_fields, cls._record_defaults
    for k in range(given, len(setters)):
        name = names[k]
        value = kwargs.pop(name, _NONE)
        if value is _NONE:
            value = defaults.get(name, _NONE)
        if value is _NONE:
            factory = cls._record_factories.get(name)
            if factory is None:
                raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
            value = factory()
        setters[k](self, value)
    if kwargs:
        name = next(iter(kwargs))
        why = "multiple values for argument" if name in names else "an unexpected keyword " \
            "argument"
        raise TypeError(f"{cls.__name__}() got {why} {name!r}")


_init.__name__ = "__init__"


def _repr(self: Any) -> str:
    fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self)._record_shown)
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

_FROZEN_METHODS = (_init, _repr, _eq, _hash, _setattr, _delattr, _getstate, _setstate)
