"""The syntax tree of a litmus test, as written: no semantics.

:func:`~smpcheck.litmus.parse_common.parse_litmus` returns a :class:`CTest` for
the kernel's C litmus format and an :class:`X86Test` for herd's X86 / X86_64
format.  Both share the init block (:class:`InitEntry`), the ``locations``
list and the final condition (:class:`Condition` over :data:`Prop`).

Every node is a frozen record (:mod:`smpcheck.records`) with a ``line`` (1-based, in the test file).
``line`` is excluded from ``==``, so two trees compare equal when they have
the same shape whatever their layout; it defaults to 0 only so that tests
can build expected nodes briefly.  Nothing here is resolved: names are
strings, registers are not checked against declarations, values are not
typed.  That is the translator's job.
"""

from __future__ import annotations

from typing import Literal

from smpcheck.errors import UsageError
from smpcheck.records import field, record


class LitmusError(UsageError):
    """A malformed litmus file: names the file, line and column at fault."""


def _line() -> int:
    return field(default=0, compare=False)


# ---------------------------------------------------------------- C expressions


@record
class Num:
    """An integer literal (a leading minus sign is folded into ``value``)."""

    value: int
    line: int = _line()


@record
class Name:
    """An identifier: a register, a parameter, or (in values) a variable's address."""

    id: str
    line: int = _line()


@record
class Deref:
    """``*expr``: the object ``expr`` points to."""

    expr: Expr
    line: int = _line()


@record
class AddrOf:
    """``&expr``: the address of ``expr``."""

    expr: Expr
    line: int = _line()


@record
class Unary:
    """A prefix operator other than ``*`` and ``&``: ``!``, ``-``, ``~`` or ``+``."""

    op: str
    expr: Expr
    line: int = _line()


@record
class Binary:
    """``left op right`` for a C binary operator (``+``, ``==``, ``&&``, ``<<``...)."""

    op: str
    left: Expr
    right: Expr
    line: int = _line()


@record
class Ternary:
    """``cond ? then : orelse``."""

    cond: Expr
    then: Expr
    orelse: Expr
    line: int = _line()


@record
class Call:
    """``func(args)``: a kernel primitive such as ``READ_ONCE`` or ``spin_lock``."""

    func: str
    args: tuple[Expr, ...]
    line: int = _line()


@record
class Cast:
    """``(type_text)expr``, e.g. ``(uintptr_t)r0``."""

    type_text: str
    expr: Expr
    line: int = _line()


Expr = Num | Name | Deref | AddrOf | Unary | Binary | Ternary | Call | Cast
"""A C expression."""


# ----------------------------------------------------------------- C statements


@record
class Decl:
    """``type_text name [= init];`` -- one declarator (``int r0, r1;`` gives two)."""

    type_text: str
    name: str
    init: Expr | None
    line: int = _line()


@record
class Assign:
    """``target = value;`` (``a += b`` and ``a++`` are written as ``a = a + b``)."""

    target: Expr
    value: Expr
    line: int = _line()


@record
class ExprStmt:
    """An expression evaluated for its effect, usually a call: ``smp_mb();``."""

    expr: Expr
    line: int = _line()


@record
class If:
    """``if (cond) then [else orelse]``; ``orelse`` is empty without ``else``."""

    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    line: int = _line()


@record
class While:
    """``while (cond) body``."""

    cond: Expr
    body: tuple[Stmt, ...]
    line: int = _line()


@record
class Return:
    """``return [value];``."""

    value: Expr | None
    line: int = _line()


Stmt = Decl | Assign | ExprStmt | If | While | Return
"""A C statement.  Braced blocks are flattened into the enclosing tuple."""


@record
class Param:
    """A thread parameter ``type_text name``, e.g. ``int *x`` -> ("int *", "x")."""

    type_text: str
    name: str
    line: int = _line()


@record
class CThread:
    """``P<index>(params) { body }``."""

    index: int
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    line: int = _line()


# ------------------------------------------------------------ init and condition


@record
class LocRef:
    """A location: register ``name`` of thread ``thread``, or memory when ``thread`` is None.

    ``x``, ``[x]`` and ``*x`` all denote the memory location ``x``.
    """

    thread: int | None
    name: str
    line: int = _line()


InitValue = Num | Name | Call
"""An initial value: an integer, the address of a variable (``p=y`` or
``p=&y``), or a call-like initializer such as ``ATOMIC_INIT(1)``."""


@record
class InitEntry:
    """One init-block entry ``[type_text] [thread:]name [= value];``.

    ``type_text`` is None when no type is written (``x=1;``); ``value`` is None
    when no value is written (``spinlock_t l;``), which herd reads as zero.
    """

    thread: int | None
    name: str
    type_text: str | None
    value: InitValue | None
    line: int = _line()


@record
class PTrue:
    """The proposition ``true``."""

    line: int = _line()


@record
class PFalse:
    """The proposition ``false``."""

    line: int = _line()


@record
class PEq:
    """``loc = value``: ``value`` is an integer, a variable's address (``1:r0=x``),
    or the content of another location (``0:r1=[y]``, ``[x]=[y]``).
    ``loc != value`` is written ``PNot(PEq(...))``."""

    loc: LocRef
    value: Num | Name | LocRef
    line: int = _line()


@record
class PNot:
    """``~ prop`` (also spelt ``not``)."""

    prop: Prop
    line: int = _line()


@record
class PAnd:
    r"""``p1 /\ p2 /\ ...`` (two or more items)."""

    items: tuple[Prop, ...]
    line: int = _line()


@record
class POr:
    r"""``p1 \/ p2 \/ ...`` (two or more items)."""

    items: tuple[Prop, ...]
    line: int = _line()


@record
class PImplies:
    """``left => right`` (herd: binds tighter than ``/\\``, right-associative)."""

    left: Prop
    right: Prop
    line: int = _line()


Prop = PTrue | PFalse | PEq | PNot | PAnd | POr | PImplies
"""A proposition over final values."""

Quantifier = Literal["exists", "~exists", "forall"]


@record
class Condition:
    """The final condition ``exists P``, ``~exists P`` (also ``not exists``) or ``forall P``."""

    quantifier: Quantifier
    prop: Prop
    line: int = _line()


Expected = Literal["Never", "Sometimes", "Always"]


# ------------------------------------------------------------------------- tests


@record
class CTest:
    """A kernel C litmus test.

    ``doc`` is the text of the header comments (``(* ... *)``), ``expected``
    the outcome its `` * Result:`` line states, ``description`` the optional
    quoted string and ``info`` the ``Key=Value`` header lines, in order.
    """

    name: str
    doc: str
    expected: Expected | None
    init: tuple[InitEntry, ...]
    threads: tuple[CThread, ...]
    locations: tuple[LocRef, ...]
    filter: Prop | None
    condition: Condition
    path: str
    description: str | None = None
    info: tuple[tuple[str, str], ...] = ()


# -------------------------------------------------------------------------- X86


@record
class Reg:
    """A register operand, as written without ``%``: ``EAX``, ``eax``, ``rax``."""

    name: str
    line: int = _line()


@record
class Imm:
    """An immediate operand: ``$1`` (or a bare ``1`` in Intel syntax)."""

    value: int
    line: int = _line()


@record
class Mem:
    """A memory operand: ``[x]``/``(x)`` (``symbol``) or ``[EAX]``/``8(%rax)`` (``base``).

    Exactly one of ``symbol`` and ``base`` is set; ``offset`` is in bytes.
    """

    symbol: str | None
    base: str | None
    offset: int = 0
    line: int = _line()


@record
class LabelRef:
    """A jump target label, e.g. ``L0`` in ``JNE L0``."""

    name: str
    line: int = _line()


Operand = Reg | Imm | Mem | LabelRef
Syntax = Literal["intel", "att"]


@record
class Instr:
    """One instruction: ``op`` is the upper-case mnemonic without size suffix.

    ``operands`` are in source order: destination first in Intel syntax
    (X86), last in AT&T syntax (X86_64); :attr:`intel_operands` gives them
    destination first either way.  ``size`` is the width in bits a suffix
    states (``movl`` -> 32), ``lock`` is a ``LOCK`` prefix, ``label`` a
    ``NAME:`` before the instruction.  A cell holding only a label is a
    ``NOP`` carrying that label.
    """

    op: str
    operands: tuple[Operand, ...]
    line: int = _line()
    label: str | None = None
    lock: bool = False
    size: int | None = None
    syntax: Syntax = "intel"

    @property
    def intel_operands(self) -> tuple[Operand, ...]:
        """The operands destination first."""
        if self.syntax == "att":
            return tuple(reversed(self.operands))
        return self.operands


@record
class X86Thread:
    """One column ``P<index>`` of the thread table, top to bottom (empty cells dropped)."""

    index: int
    instrs: tuple[Instr, ...]
    line: int = _line()


@record
class X86Test:
    """A herd X86 (Intel syntax) or X86_64 (AT&T syntax) litmus test.

    ``doc``, ``description`` and ``info`` are as in :class:`CTest`.
    """

    name: str
    arch: Literal["X86", "X86_64"]
    init: tuple[InitEntry, ...]
    threads: tuple[X86Thread, ...]
    locations: tuple[LocRef, ...]
    filter: Prop | None
    condition: Condition
    path: str
    doc: str = ""
    description: str | None = None
    info: tuple[tuple[str, str], ...] = ()

    @property
    def syntax(self) -> Syntax:
        """``"intel"`` for X86, ``"att"`` for X86_64 (herd's conventions)."""
        return "att" if self.arch == "X86_64" else "intel"


LitmusTest = CTest | X86Test
