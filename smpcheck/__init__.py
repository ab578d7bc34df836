"""smpcheck: exhaustive checking of lockless kernel designs.

Background.  Kernel reviewers argue about lockless code with hand-drawn
interleavings.  smpcheck runs the design instead: every execution of a bounded
configuration under SC (``sc``), x86-TSO (``tso``) or the Linux-kernel memory
model (``lkmm``), and a counterexample as the CPU-column table of the mail.

Writing a model.  A model file declares shared state (``Var``, ``Struct``,
``Array``), one plain-Python function per CPU calling the kernel API under the
kernel's names (``READ_ONCE``, ``smp_mb``, ``spin_lock``, ``kfree``...; see
:mod:`smpcheck.kernel`), and ``MODEL = Model(name, [cpu functions], exists= |
not_exists= | forall=, filter=)`` with herd7's meanings.  A field read through
a pointer is a plain access; a marked access takes the location, as in C.

Running.  ``smpcheck check MODEL.py --mm tso`` (exit 0 safe, 1 violation, 2 bad
input, 3 incomplete); ``verify(model, names, "lkmm")`` from Python.  Litmus
tests: ``smpcheck litmus``; a model's switches (``switch("NAME", default)``, see
:mod:`smpcheck.model.switches`): ``-D NAME=VALUE``, ``--variant``; in a test suite:
:func:`smpcheck.testing.assert_safe` and the pytest plugin; herd7's command
line: ``smpcheck-herd``; the KVM MMU library: ``smpcheck kvm list | check | matrix |
sweep | demo``.  Every scenario up to a bound: ``smpcheck sweep FILE --max-ops N``
(operations and initial states declared with :mod:`smpcheck.model.scenarios`).

Debugging.  ``--all`` lists every distinct finding; ``--json`` records each with
a replay record (the execution, fingerprinted with the model's source, memory
model, bounds and smpcheck's version) that ``--replay FILE`` runs again: it
shows the violation again or says why not, and is never a verdict.  What
smpcheck cannot see or repeat is an error at the model's line, not a verdict:
CPU code calling ``random``, ``secrets``, ``os.urandom`` or a clock
(:mod:`smpcheck._rt.nondet`), assigning ``global``/outer ``nonlocal`` variables or
changing module-level lists, dicts, sets, objects or its own closure
(:mod:`smpcheck._rt.pystate`), returning unhashable registers, or raising anything
that is not a finding (``sys.exit()`` too); each CPU is re-run on each new
sequence of values it is given and must behave the same (:mod:`smpcheck.explore.verify`).

Limits.  A verdict covers its configuration: its CPUs, its objects, and loops
other than spin waits (``while cond: cpu_relax()``) bounded by ``--loop-bound``;
passing a bound makes it incomplete, never safe.  Interrupt handlers (request_irq())
are delivered at every point where their CPU has interrupts on, at most
``--irq-bound`` times per CPU (default 1): that bound is part of the configuration
a verdict covers (docs/kernel-api.md).  ``--timeout`` holds inside
pure-Python model code, and a CPU running ``SMPCHECK_STALL_S`` seconds (10)
without reaching a kernel primitive makes the verdict incomplete
(:mod:`smpcheck._rt.watchdog`).  Data races are reported under the LKMM only.

Papers.  TruSt (Kokologiannakis et al., POPL 2022) for the explorer; awaits for
spin loops (FMCAD 2021); x86-TSO (Owens, Sarkar, Sewell 2009); the LKMM
(Alglave et al., ASPLOS 2018); herd's cat language (TOPLAS 2014).
"""

import importlib
from typing import TYPE_CHECKING, Any

from smpcheck import _compiled  # noqa: F401  (first: whether the compiled core may load)
from smpcheck.version import __version__ as __version__  # (re-exported: smpcheck.__version__)

if TYPE_CHECKING:  # (at run time each name is imported on first use: see __getattr__)
    from smpcheck.explore.verify import verify as verify
    from smpcheck.kernel import *  # noqa: F403
    from smpcheck.model.model import FinalState as FinalState
    from smpcheck.model.model import Model as Model
    from smpcheck.model.objects import NULL as NULL
    from smpcheck.model.objects import Array as Array
    from smpcheck.model.objects import Field as Field
    from smpcheck.model.objects import Struct as Struct
    from smpcheck.model.objects import Var as Var
    from smpcheck.model.switches import switch as switch
    from smpcheck.results.findings import Kind as Kind
    from smpcheck.results.findings import Violation as Violation
    from smpcheck.results.result import Result as Result
    from smpcheck.results.result import Status as Status
    from smpcheck.settings import Settings as Settings

#: Where each public name outside smpcheck.kernel lives.  Importing ``smpcheck`` (which
#: every command does, ``smpcheck --version`` too) loads none of them: a name's module is
#: imported the first time the name is asked for.
_HOMES = {"NULL": "smpcheck.model.objects", "Array": "smpcheck.model.objects",
          "Field": "smpcheck.model.objects", "FinalState": "smpcheck.model.model",
          "Kind": "smpcheck.results.findings", "Model": "smpcheck.model.model",
          "Result": "smpcheck.results.result", "Settings": "smpcheck.settings",
          "Status": "smpcheck.results.result", "Struct": "smpcheck.model.objects",
          "Var": "smpcheck.model.objects", "Violation": "smpcheck.results.findings",
          "switch": "smpcheck.model.switches",
          "verify": "smpcheck.explore.verify"}  # (in the order of __all__)


def __getattr__(name: str) -> Any:
    """A public name (or ``__all__``), imported on first use."""
    if name.startswith("__") and name.endswith("__") and name != "__all__":
        raise AttributeError(name)
    home = _HOMES.get(name)
    kernel = importlib.import_module(home or "smpcheck.kernel")
    if name == "__all__":
        value: Any = [*_HOMES, *kernel.__all__]
    elif home is None and name not in kernel.__all__:
        raise AttributeError(f"module 'smpcheck' has no attribute {name!r}")
    else:
        value = getattr(kernel, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
