"""Shared objects as model code declares them, and pointers into them.

A model declares its shared state with the classes here::

    class pte_list_desc(Struct):
        sptes = Array(PTE_LIST_EXT, NULL)   # u64 *sptes[PTE_LIST_EXT]
        more = Field(NULL)                  # struct pte_list_desc *more

    kvm = kvm_t()                           # a global instance, initial values from the class
    x = Var(0)                              # a global int

These are *descriptions*: the values live in the execution graph, so one set of
objects serves every execution.  A :class:`Ref` is a pointer (to an object, a
field, an array element or a scalar); ``NULL`` is the null pointer.  Reading a
field through a pointer in model code (``desc.more``) is a plain load; assigning
it (``desc.more = p``) a plain store.  Marked accesses take the location:
``READ_ONCE(desc.more)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from smpcheck.model import hooks
from smpcheck.records import FrozenInstanceError, field, mutable_record, record

__smp_engine__ = True  # frames here are not model code (see _runtime.user_source)

Path = tuple[str | int, ...]


# --------------------------------------------------------------------------
# Type descriptions
# --------------------------------------------------------------------------


class Spec:
    """The layout of a piece of memory: scalar, array or struct."""

    def leaves(self, path: Path = ()) -> Iterator[tuple[Path, Any]]:
        """Every scalar location under this spec, with its initial value."""
        raise NotImplementedError

    def init_at(self, path: Path) -> Any:
        """The initial value of the scalar location at ``path`` (KeyError if none), found
        along the path: an object's init events ask it for each of its locations."""
        raise NotImplementedError


@record
class Field(Spec):
    """A scalar field (int, pointer, spinlock word...) with its initial value."""

    init: Any = 0
    kind: str = "int"  # "int", "ptr", "spinlock", "mutex", "atomic"

    def leaves(self, path: Path = ()) -> Iterator[tuple[Path, Any]]:
        yield path, self.init

    def init_at(self, path: Path) -> Any:
        if path:
            raise KeyError(path)
        return self.init


@record
class Array(Spec):
    """``T a[n]``: ``n`` elements, each a scalar initial value or a Spec."""

    n: int
    of: Any = 0
    values: tuple[Any, ...] | None = None  # per-element initial values (a list override)

    @property
    def elem(self) -> Spec:
        return as_spec(self.of)

    def leaves(self, path: Path = ()) -> Iterator[tuple[Path, Any]]:
        for i in range(self.n):
            yield from self._element(i).leaves(path + (i,))

    def init_at(self, path: Path) -> Any:
        if not path or not isinstance(path[0], int) or not 0 <= path[0] < self.n:
            raise KeyError(path)
        return self._element(path[0]).init_at(path[1:])

    def _element(self, i: int) -> Spec:
        return self.elem if self.values is None else as_spec(self.values[i], like=self.elem)


class StructMeta(type):
    """Collects the field specs of a Struct subclass, in declaration order."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> StructMeta:
        fields: dict[str, Spec] = {}
        for base in bases:
            fields.update(getattr(base, "_fields", {}))
        for key, val in list(ns.items()):
            if key.startswith("_") or callable(val) and not isinstance(val, (Spec, StructMeta)):
                continue
            if isinstance(val, (Spec, StructMeta, int, Ref)):
                fields[key] = as_spec(val)
                del ns[key]
        ns["_fields"] = fields
        return super().__new__(mcs, name, bases, ns)


class StructSpec(Spec):
    """The layout of a struct type, with initial values overridable per instance."""

    def __init__(self, stype: StructMeta, overrides: dict[str, Any] | None = None) -> None:
        self.stype = stype
        self.overrides = overrides or {}

    def leaves(self, path: Path = ()) -> Iterator[tuple[Path, Any]]:
        for name in self.stype._fields:  # type: ignore[attr-defined]
            yield from self._member(name).leaves(path + (name,))

    def init_at(self, path: Path) -> Any:
        if not path or path[0] not in self.stype._fields:  # type: ignore[attr-defined]
            raise KeyError(path)
        return self._member(path[0]).init_at(path[1:])  # type: ignore[arg-type]

    def _member(self, name: str) -> Spec:
        spec: Spec = self.stype._fields[name]  # type: ignore[attr-defined]
        return as_spec(self.overrides[name], like=spec) if name in self.overrides else spec


def as_spec(value: Any, like: Spec | None = None) -> Spec:
    """Turn a declaration (an initial value, a Spec or a Struct class) into a Spec."""
    if isinstance(value, Spec):
        return value
    if isinstance(value, StructMeta):
        return StructSpec(value)
    if isinstance(value, dict) and isinstance(like, StructSpec):
        return StructSpec(like.stype, value)
    if isinstance(value, (list, tuple)) and isinstance(like, Array):
        if len(value) != like.n:
            raise ValueError(f"{len(value)} initial values for an array of {like.n}")
        return Array(like.n, like.of, tuple(value))
    if isinstance(like, Field):
        return Field(value, like.kind)
    return Field(value)


class Struct(metaclass=StructMeta):
    """Base of model struct types.

    Instantiating one declares a global object and gives the pointer to it:
    ``kvm = kvm_t(arch=dict(being_unmapped_rmap=NULL))`` overrides initial values
    (a dict for an embedded struct).  ``kmalloc(pte_list_desc)`` allocates one.
    """

    _fields: dict[str, Spec] = {}

    def __new__(cls, **overrides: Any) -> Any:  # noqa: D102 - returns the Ref
        unknown = set(overrides) - set(cls._fields)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {sorted(unknown)[0]!r}")
        return Ref(Obj(cls.__name__, StructSpec(cls, overrides)))


def Var(init: Any = 0, kind: str = "int") -> Any:  # noqa: N802 - reads as a declaration
    """Declare a global (``int x = init;``) and give the pointer to it.

    ``init`` is an initial value, or a declaration such as ``Array(2, 0)`` or
    ``SpinLock()``."""
    spec = init if isinstance(init, Spec) else Field(init, kind)
    return Ref(Obj("var", spec))


# --------------------------------------------------------------------------
# Objects, locations, pointers
# --------------------------------------------------------------------------


class Obj:
    """One object in memory: a global declared by the model or a kmalloc'd block."""

    __slots__ = ("name", "spec", "heap", "alloc_event", "_locs", "__weakref__")

    def __init__(self, name: str, spec: Spec, heap: bool = False,
                 alloc_event: tuple[int, int] | None = None) -> None:
        self.name = name
        self.spec = spec
        self.heap = heap
        self.alloc_event = alloc_event
        self._locs: dict[Path, Loc] = {}

    def loc(self, path: Path) -> Loc:
        """The location at ``path`` inside this object (the one Loc object for it)."""
        loc = self._locs.get(path)
        if loc is None:
            loc = self._locs[path] = Loc(self, path)
        return loc

    def __repr__(self) -> str:
        return self.name

    def init_value(self, path: Path) -> Any:
        return self.spec.init_at(path)


class Loc:
    """One scalar memory location: an object and the field/index path inside it.

    :meth:`Obj.loc` makes the one Loc of each location, so Locs compare and hash by
    identity, in C: the explorer looks locations up in dicts several times per event.
    Frozen (as a frozen dataclass, made without importing :mod:`dataclasses`)."""

    obj: Obj
    path: Path

    def __init__(self, obj: Obj, path: Path = ()) -> None:
        object.__setattr__(self, "obj", obj)
        object.__setattr__(self, "path", path)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return f"Loc(obj={self.obj!r}, path={self.path!r})"

    def __str__(self) -> str:
        return render_path(self.obj.name, self.path)

    def __lt__(self, other: Loc) -> bool:
        return str(self) < str(other)


def render_path(base: str, path: Path) -> str:
    out = base
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def spec_at(spec: Spec, path: Path) -> Spec:
    """The spec reached by following ``path`` inside ``spec``."""
    for p in path:
        if isinstance(spec, StructSpec):
            fields = spec.stype._fields  # type: ignore[attr-defined]
            if not isinstance(p, str) or p not in fields:
                raise AttributeError(f"struct {spec.stype.__name__} has no field {p!r}")
            sub = fields[p]
            spec = as_spec(spec.overrides[p], like=sub) if p in spec.overrides else sub
        elif isinstance(spec, Array):
            if not isinstance(p, int) or not 0 <= p < spec.n:
                raise IndexError(f"index {p!r} out of bounds for array of {spec.n}")
            spec = spec.elem
        else:
            raise TypeError(f"cannot index a scalar with {p!r}")
    return spec


class Ref:
    """A pointer: an object, a path inside it, and low tag bits (``p | 1``).

    Attribute access and indexing through a pointer are the C ``->`` and ``[]``:
    an aggregate member gives a pointer to it, a scalar member is a plain load
    (or, on assignment, a plain store) performed by the running CPU.
    """

    __slots__ = ("_obj", "_path", "_tag")

    def __init__(self, obj: Obj | None, path: Path = (), tag: int = 0) -> None:
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_tag", tag)

    # -- identity ---------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ref):
            return (self._obj is other._obj and self._path == other._path
                    and self._tag == other._tag)
        if other is None or other == 0:
            return self._obj is None and not self._tag
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash((id(self._obj), self._path, self._tag))

    def __bool__(self) -> bool:
        return self._obj is not None or bool(self._tag)

    def __str__(self) -> str:
        if self._obj is None:
            return "NULL" if not self._tag else f"NULL|{self._tag}"
        base = "&" + render_path(self._obj.name, self._path) if self._path else self._obj.name
        return base + (f"|{self._tag}" if self._tag else "")

    __repr__ = __str__

    # -- what it points to -----------------------------------------------
    def _spec(self) -> Spec:
        if self._obj is None:
            raise NullDeref(self)
        return spec_at(self._obj.spec, self._path)

    def _loc(self) -> Loc:
        """The scalar location this pointer designates."""
        if self._obj is None:
            raise NullDeref(self)
        if self._tag:
            raise TypeError(f"dereferencing the tagged pointer {self}: mask the tag bits first")
        spec = self._spec()
        if not isinstance(spec, Field):
            raise TypeError(f"{self} points to an aggregate, not to a scalar location")
        loc: Loc = self._obj.loc(self._path)
        return loc

    def _member(self, key: str | int) -> Ref:
        """A pointer to member ``key`` (``&p->key`` or ``&p[key]``)."""
        if self._obj is None:
            raise NullDeref(self)
        if self._tag:
            raise TypeError(f"dereferencing the tagged pointer {self}: mask the tag bits first")
        spec = self._spec()
        if isinstance(spec, Field):
            if key == 0:
                return self
            raise TypeError(f"{self} points to a scalar; only [0] dereferences it")
        spec_at(spec, (key,))
        return Ref(self._obj, self._path + (key,))

    # -- C member access: aggregates give pointers, scalars load/store ----
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _access(self._member(name))

    def __setattr__(self, name: str, value: Any) -> None:
        _store(self._member(name), value)

    def __getitem__(self, index: Any) -> Any:
        return _access(self._member(_as_index(index)))

    def __setitem__(self, index: Any, value: Any) -> None:
        _store(self._member(_as_index(index)), value)

    # -- pointer arithmetic and tag bits (rmap heads hold desc | 1) ---------
    def __or__(self, other: Any) -> Ref:
        return Ref(self._obj, self._path, self._tag | int(other))

    def __and__(self, other: Any) -> Any:
        mask = int(other)
        if mask < 0:  # clearing tag bits: p & ~1ul
            return Ref(self._obj, self._path, self._tag & mask)
        return self._tag & mask

    def __add__(self, other: Any) -> Ref:
        if not self._path or not isinstance(self._path[-1], int):
            raise TypeError(f"pointer arithmetic on {self}, which is not an array element")
        return Ref(self._obj, self._path[:-1] + (self._path[-1] + int(other),), self._tag)

    def __sub__(self, other: Any) -> int:
        """``spte - sp->spt``: the index of an element, from the array or another element."""
        if isinstance(other, Ref) and other._obj is self._obj and self._path:
            last = self._path[-1]
            if isinstance(last, int) and other._path == self._path[:-1]:
                return last
            if (isinstance(last, int) and other._path[:-1] == self._path[:-1]
                    and other._path and isinstance(other._path[-1], int)):
                return last - other._path[-1]
        raise TypeError(f"pointer difference {self} - {other}: not elements of one array")


def _as_index(index: Any) -> int | str:
    return index if isinstance(index, str) else int(index)


def _access(ref: Ref) -> Any:
    """Member read: a pointer for aggregates, a plain load for scalars."""
    if isinstance(ref._spec(), Field):
        return hooks.member_read(ref)
    return ref


def _store(ref: Ref, value: Any) -> None:
    if not isinstance(ref._spec(), Field):
        raise TypeError(f"cannot assign to the aggregate {ref}")
    hooks.plain_store(ref, value)


def as_ref(x: Any) -> Ref:
    """The pointer designated by ``x``: a Ref, a global Struct/Var, or a tracked pointer value."""
    if isinstance(x, Ref):
        return x
    conv = getattr(type(x), "__smp_ref__", None)
    if conv is not None:
        ref = conv(x)
        assert isinstance(ref, Ref)
        return ref
    raise TypeError(f"expected a pointer or a shared location, got {x!r}")


NULL = Ref(None)


class Poison(int):
    """What kfree() leaves in every location of the object it frees (SLUB's
    POISON_FREE byte, 0x6b, repeated).  To the memory model it is a value like any
    other, written by a marked store; a read that gets it is a use-after-free (the
    CPU stops there), a write coherence-after it too.  Arithmetic on it (an atomic
    RMW's update) gives a plain int; it is told apart by its type, never its value."""

    def __repr__(self) -> str:
        return "POISON"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "POISON" if not spec else super().__format__(spec)


POISON = Poison(0x6B6B6B6B6B6B6B6B)


def is_poison(value: Any) -> bool:
    """Whether ``value`` is what kfree() wrote (by type: an equal int is not)."""
    return type(value) is Poison


class NullDeref(Exception):
    """Raised by the memory layer when model code dereferences NULL."""

    def __init__(self, ref: Ref | None = None) -> None:
        super().__init__("NULL pointer dereference")
        self.ref = ref


@mutable_record
class Layout:
    """The global objects of a model, found by name."""

    objects: dict[str, Obj] = field(default_factory=dict)

    def add(self, name: str, obj: Obj) -> None:
        obj.name = name
        self.objects[name] = obj


def name_globals(namespace: dict[str, Any]) -> dict[str, Loc]:
    """Name each global object after its variable; every scalar location by its path."""
    locs: dict[str, Loc] = {}
    seen: set[int] = set()
    for var, value in namespace.items():
        if var.startswith("_") or not isinstance(value, Ref) or value._obj is None:
            continue
        obj: Obj = value._obj
        if id(obj) in seen or value._path:
            continue
        seen.add(id(obj))
        obj.name = var
        for path, _ in obj.spec.leaves():
            locs[render_path(var, path)] = obj.loc(path)
    return locs
