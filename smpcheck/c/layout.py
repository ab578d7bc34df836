"""C types as smpcheck's object layouts: structs, arrays, pointers and kernel types.

A ``struct foo`` becomes a :class:`~smpcheck.model.objects.Struct` class with
one field per member (a scalar, a pointer starting NULL, an array, an embedded
struct); ``spinlock_t``, ``struct mutex``, ``atomic_t`` and ``struct
srcu_struct`` become the kernel API's declarations of them.  Constant
expressions (array sizes, enumerators, initialisers) are computed here.
"""

from __future__ import annotations

from typing import Any

from pycparser import c_ast

from smpcheck.kernel.mutex import Mutex
from smpcheck.kernel.spinlock import SpinLock
from smpcheck.kernel.srcu import SrcuStruct
from smpcheck.model.objects import NULL, Array, Field, Spec, Struct, StructMeta

__all__ = ["CTypeError", "Layouts", "c_int", "field_name"]

def _kernel(name: str, *args: Any) -> Any:
    """A declaration from smpcheck.kernel by name, for the types of the primitive
    families that version has (wait queues, seqcounts, refcounts...)."""
    def make() -> Any:
        import smpcheck.kernel as kernel

        decl = getattr(kernel, name, None)
        if decl is None:
            raise CTypeError(f"this smpcheck.kernel has no {name}: the primitives of "
                             "this type are not available", None)
        return decl(*args) if not isinstance(decl, StructMeta) else decl

    return make


SPECIAL_TYPEDEFS = {
    "spinlock_t": SpinLock, "raw_spinlock_t": SpinLock,
    "atomic_t": lambda: Field(0, "atomic"), "atomic_long_t": lambda: Field(0, "atomic"),
    "atomic64_t": lambda: Field(0, "atomic"),
    "wait_queue_head_t": _kernel("wait_queue_head_t"), "seqcount_t": _kernel("SeqCount"),
    "seqlock_t": _kernel("seqlock_t"), "refcount_t": _kernel("RefCount", 0),
    "rwlock_t": _kernel("RwLock"),
}
SPECIAL_STRUCTS = {"mutex": Mutex, "srcu_struct": SrcuStruct,
                   "rw_semaphore": _kernel("RwSemaphore")}
HANDLE_STRUCTS = frozenset({"wait_queue_entry", "task_struct"})
"""Types smpcheck.kernel gives values of (DEFINE_WAIT's entry, a task): a local of
one holds that value, and ``&local`` is the value."""


class CTypeError(Exception):
    """A type smpcheck cannot lay out, at a node."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def field_name(name: str) -> str:
    """A C member name as a Struct field: a leading underscore would hide it, and
    ``v`` and ``deps`` are the attributes of a value read from memory
    (:class:`~smpcheck.model.values.Val`), so these get a ``c``/``_`` added."""
    if name.startswith("_"):
        return "c" + name
    return name + "_" if name in ("v", "deps") else name


def c_int(text: str) -> int:
    """A C integer or character constant's value."""
    t = text.strip()
    if t.startswith("'"):
        body = t[1:-1]
        escapes = {"\\n": 10, "\\t": 9, "\\0": 0, "\\\\": 92, "\\'": 39, '\\"': 34}
        if body in escapes:
            return escapes[body]
        if len(body) == 1:
            return ord(body)
        raise ValueError(f"character constant {t}")
    digits = t.rstrip("uUlL")
    if len(digits) > 1 and digits[0] == "0" and digits[1] in "01234567":
        return int(digits, 8)
    return int(digits, 0)


class Layouts:
    """The typedefs, structs and enumerators of one translation unit."""

    def __init__(self) -> None:
        self.typedefs: dict[str, c_ast.Node] = {}
        self.structs: dict[str, c_ast.Struct] = {}
        self.classes: dict[str, StructMeta] = {}
        self.enums: dict[str, int] = {}
        self.building: set[str] = set()  # structs being laid out (one inside itself)

    # -- declarations --------------------------------------------------------
    def note(self, node: c_ast.Node) -> None:
        """Record the struct and enum definitions inside a declaration's type."""
        for n in _walk(node):
            if isinstance(n, c_ast.Struct) and n.decls is not None and n.name:
                self.structs[n.name] = n
                self.classes.pop(n.name, None)
            elif isinstance(n, c_ast.Enum) and n.values is not None:
                value = -1
                for e in n.values.enumerators:
                    value = self.const(e.value) if e.value is not None else value + 1
                    self.enums[e.name] = value

    def resolve(self, t: c_ast.Node) -> c_ast.Node:
        """``t`` with typedef names followed (not the special kernel ones)."""
        seen = 0
        while (isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType)
               and t.type.names[-1] in self.typedefs
               and t.type.names[-1] not in SPECIAL_TYPEDEFS and seen < 50):
            t = self.typedefs[t.type.names[-1]]
            seen += 1
        return t

    # -- layouts ---------------------------------------------------------------
    def spec(self, t: c_ast.Node) -> Spec | StructMeta:  # noqa: C901 - one case per C type form
        """The layout of an object of type ``t``."""
        t = self.resolve(t)
        if isinstance(t, c_ast.PtrDecl):
            return Field(NULL, "ptr")
        if isinstance(t, c_ast.ArrayDecl):
            if t.dim is None:
                raise CTypeError("an array needs a size here", t)
            n = self.const(t.dim)
            if not 0 < n <= 4096:
                raise CTypeError(f"array size {n}: smpcheck takes 1 to 4096 elements", t)
            return Array(n, self.spec(t.type))
        if isinstance(t, c_ast.Typename | c_ast.Decl):
            return self.spec(t.type)
        if isinstance(t, c_ast.TypeDecl):
            inner = t.type
            if isinstance(inner, c_ast.IdentifierType):
                special = SPECIAL_TYPEDEFS.get(inner.names[-1])
                if special is None:
                    return Field(0)
                try:
                    return special()  # type: ignore[no-any-return]
                except CTypeError as exc:
                    raise CTypeError(exc.message, t) from None
            if isinstance(inner, c_ast.Struct):
                return self.struct(inner)
            if isinstance(inner, c_ast.Enum):
                return Field(0)
            if isinstance(inner, c_ast.Union):
                raise CTypeError("unions are not supported", inner)
        raise CTypeError(f"unsupported type {type(t).__name__}", t)

    def struct(self, s: c_ast.Struct) -> Spec | StructMeta:
        name = s.name
        if name in SPECIAL_STRUCTS:
            try:
                return SPECIAL_STRUCTS[name]()  # type: ignore[no-any-return]
            except CTypeError as exc:
                raise CTypeError(exc.message, s) from None
        if name is None:
            if s.decls is None:
                raise CTypeError("an anonymous struct without members", s)
            return self._build(f"anon_{id(s)}", s)
        cls = self.classes.get(name)
        if cls is None:
            defn = self.structs.get(name)
            if defn is None:
                raise CTypeError(f"struct {name} is used but never defined", s)
            if name in self.building:
                raise CTypeError(f"struct {name} contains itself (a pointer to it may)", s)
            self.building.add(name)
            try:
                cls = self.classes[name] = self._build(name, defn)
            finally:
                self.building.discard(name)
        return cls

    def _build(self, name: str, s: c_ast.Struct) -> StructMeta:
        fields: dict[str, Any] = {}
        for d in s.decls or ():
            if d.name is None:
                raise CTypeError("unnamed struct members are not supported", d)
            if d.bitsize is not None:
                raise CTypeError("bit-fields are not supported", d)
            fields[field_name(d.name)] = self.spec(d.type)
        return StructMeta(name, (Struct,), fields)

    def struct_of(self, t: c_ast.Node | None) -> str | None:
        """The struct name ``t`` is (after typedefs), or None."""
        if t is None:
            return None
        t = self.resolve(t)
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
            return str(t.type.name)
        return None

    def pointee(self, t: c_ast.Node | None) -> c_ast.Node | None:
        """What a pointer (or array) type points to."""
        if t is None:
            return None
        t = self.resolve(t)
        return t.type if isinstance(t, c_ast.PtrDecl | c_ast.ArrayDecl) else None

    def member_type(self, t: c_ast.Node | None, member: str) -> c_ast.Node | None:
        """The type of member ``member`` of struct type ``t``."""
        name = self.struct_of(t)
        defn = self.structs.get(name or "")
        for d in (defn.decls or ()) if defn is not None else ():
            if d.name == member:
                return d.type
        return None

    def is_aggregate(self, t: c_ast.Node | None) -> bool:
        """Whether an object of type ``t`` is a struct or an array (or a kernel lock)."""
        if t is None:
            return False
        t = self.resolve(t)
        if isinstance(t, c_ast.ArrayDecl):
            return True
        return self.struct_of(t) is not None and self.struct_of(t) not in SPECIAL_STRUCTS

    # -- constants -------------------------------------------------------------
    def const(self, e: c_ast.Node) -> int:  # noqa: C901 - one case per constant expression form
        """The value of a constant integer expression."""
        if isinstance(e, c_ast.Constant) and e.type in ("int", "char", "long int",
                                                          "unsigned int", "unsigned long int",
                                                          "long long int",
                                                          "unsigned long long int"):
            try:
                return c_int(e.value)
            except ValueError:
                raise CTypeError(f"bad constant {e.value}", e) from None
        if isinstance(e, c_ast.Constant):
            try:
                return c_int(e.value)
            except ValueError:
                raise CTypeError(f"not an integer constant: {e.value}", e) from None
        if isinstance(e, c_ast.ID) and e.name in self.enums:
            return self.enums[e.name]
        if isinstance(e, c_ast.UnaryOp) and e.op in ("-", "+", "~", "!"):
            v = self.const(e.expr)
            return {"-": -v, "+": v, "~": ~v, "!": int(not v)}[e.op]
        if isinstance(e, c_ast.BinaryOp):
            a, b = self.const(e.left), self.const(e.right)
            ops = {"+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b, "^": a ^ b,
                   "==": int(a == b), "!=": int(a != b), "<": int(a < b), ">": int(a > b),
                   "<=": int(a <= b), ">=": int(a >= b), "&&": int(bool(a and b)),
                   "||": int(bool(a or b))}
            if e.op in ops:
                return ops[e.op]
            if e.op in ("/", "%") and b != 0:
                q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
                return q if e.op == "/" else a - b * q
            if e.op in ("<<", ">>") and 0 <= b < 64:
                return a << b if e.op == "<<" else a >> b
        if isinstance(e, c_ast.Cast):
            return self.const(e.expr)
        if isinstance(e, c_ast.TernaryOp):
            return self.const(e.iftrue) if self.const(e.cond) else self.const(e.iffalse)
        raise CTypeError("expected a constant integer expression", e)


def _walk(node: c_ast.Node) -> list[c_ast.Node]:
    out = [node]
    for _, child in node.children():
        out.extend(_walk(child))
    return out
