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
line: ``smpcheck-herd``; the KVM MMU library: ``smpcheck kvm list | check | matrix | demo``.

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
passing a bound makes it incomplete, never safe.  ``--timeout`` holds inside
pure-Python model code, and a CPU running ``SMPCHECK_STALL_S`` seconds (10)
without reaching a kernel primitive makes the verdict incomplete
(:mod:`smpcheck._rt.watchdog`).  Data races are reported under the LKMM only.

Papers.  TruSt (Kokologiannakis et al., POPL 2022) for the explorer; awaits for
spin loops (FMCAD 2021); x86-TSO (Owens, Sarkar, Sewell 2009); the LKMM
(Alglave et al., ASPLOS 2018); herd's cat language (TOPLAS 2014).
"""

from smpcheck.explore.verify import verify
from smpcheck.kernel import *  # noqa: F403
from smpcheck.kernel import __all__ as _kernel_names
from smpcheck.model.model import FinalState, Model
from smpcheck.model.objects import NULL, Array, Field, Struct, Var
from smpcheck.model.switches import switch
from smpcheck.results.findings import Kind, Violation
from smpcheck.results.result import Result, Status
from smpcheck.settings import Settings

__all__ = ["NULL", "Array", "Field", "FinalState", "Kind", "Model", "Result", "Settings",
           "Status", "Struct", "Var", "Violation", "switch", "verify", *_kernel_names]
