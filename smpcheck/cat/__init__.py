"""An interpreter for herd's cat language, judging one execution at a time.

It reads the model files herd7 reads -- the Linux-kernel memory model
(``linux-kernel.cfg`` naming ``linux-kernel.bell``, ``linux-kernel.cat`` and
``lock.cat``), herd-style models such as smpcheck's own ``sc.cat`` and
``x86tso.cat`` -- and says, for one complete candidate execution supplied by
the explorer, which checks fail and which flags fire.  It never enumerates
executions.

Loading::

    model = load_config_model(".../lkmm/linux-kernel.cfg")      # bell, cat, variants
    model = load_model("linux-kernel.cat", search_path=[dir], bell=".../linux-kernel.bell",
                       variants={"lkmmv2"})
    model = load_model("x86tso.cat")                              # smpcheck's own
    result = model.check(execution, resolver=pin_to_execution(execution))
    result.consistent, result.failed, result.flags, result.relation("hb")

Loading parses (cached per file and modification time), resolves includes and
compiles the model to closures over a slot array (about 10 ms for the LKMM,
then cached per arguments); ``check`` only evaluates: about 0.4 ms for the LKMM
on 10 events, 1.6 ms on 46 (``bench/cat_eval.py``).  To judge one execution
under several models, convert it once with ``Execution(execution)`` and pass
that to each ``check`` and to ``pin_to_execution``.  With
``check(..., stop_on_failure=True)`` the run stops at the first failed check
(herd's behaviour; the default goes on, to name every failed check).

Many executions at once: ``evaluate_batch(model.program, executions)``
(:mod:`smpcheck.cat.batch_eval`) gives each execution the verdict ``check``
with ``pin_to_execution`` gives it, in one run of the model per group of
executions with the same events (:mod:`smpcheck.cat.batch`: values that
differ between them are bit-sliced).

Validation: tests/cat runs linux-kernel.cat (via linux-kernel.cfg) on every
candidate execution of the kernel's 35 litmus tests and smpcheck's x86tso.cat
and sc.cat on 76 x86 tests; verdicts and execution counts equal herd7 7.58's.

The execution
-------------
A dict. Event numbers are 0..n-1; an event set is an ``int`` bit mask (or an
iterable of event numbers), a relation a :class:`~smpcheck.graph.relation.Rel` (or
an iterable of pairs).  Keys:

``n``
    number of events (initial writes included).
``R``, ``W``, ``IW`` (required)
    reads; writes, initial writes included; the initial writes (one per
    location).  As in herd's engine, lock events are *not* in R and W (nor in
    ``M``, ``rmw``, ``RMW``): LKR, LF, RL, RU, LKW and UL are given as their
    own sets and lock.cat (or smpcheck's sc.cat / x86tso.cat) adds them.
    ``srcu_read_lock`` is a read, ``srcu_read_unlock`` a write;
    ``synchronize_srcu`` is neither (an event with a location, tagged
    ``sync-srcu``).
``po``, ``rf`` (required)
    program order (transitive, within each CPU; initial writes in none);
    reads-from for every read, lock reads included (that is how a resolver
    pins lock.cat's choices).
``loc`` or ``location``, ``int`` or ``thread`` (required)
    same-location equivalence over memory events, or one location key per
    event (None for fences); same-CPU relation, or one CPU id per event (None
    for initial writes).  ``int`` holds the identity; ``ext`` is ``~int``.
``co`` (optional, give it)
    coherence: per location a total order of its writes, initial write first,
    LKW and UL included.  smpcheck's ``cos.cat`` keeps it, restricted to the
    model's ``W`` at that point (lock.cat merges UL afterwards), and checks it
    contains ``co0`` (check ``co-order``); without ``co`` every coherence
    order is tried.
``F``, ``FW``, ``B``, ``RMW``, ``addr``, ``data``, ``ctrl``, ``rmw``, ``amo``
    fences; final writes (the coherence-last write of each location the final
    condition reads, a lock's included: lock.cat flags ``lock-final``); branches; events of RMW
    instructions, a failed cmpxchg's lone read included (default: the
    events of ``rmw``); dependencies; read->write pairs of RMW instructions
    (not of spin_lock).  Absent ones are empty.
``LKR``, ``LKW``, ``UL``, ``LF``, ``RL``, ``RU``
    lock events (spin_lock read and write, spin_unlock, failed trylock,
    spin_is_locked returning true / false); absent ones are empty.
``MFENCE``, ``SFENCE``, ``LFENCE``
    x86 fences, for x86 models (smp_mb() is an MFENCE on x86).
``tags``
    ``{tag: events}`` for annotations, named as in ``linux-kernel.def``:
    ``ONCE``, ``RELEASE``, ``ACQUIRE``, ``MB``, ``NORETURN``, ``wmb``,
    ``rmb``, ``barrier``, ``rcu-lock``, ``rcu-unlock``, ``sync-rcu``,
    ``before-atomic``, ``after-atomic``, ``after-spinlock``,
    ``after-unlock-lock``, ``after-srcu-read-unlock``, ``srcu-lock``,
    ``srcu-unlock``, ``sync-srcu``.  An ``enum`` binds each of its tags'
    event sets under the capitalised tag (``'rcu-lock`` -> ``Rcu-lock``,
    ``'MB`` -> ``MB``); a set given directly under that name wins.
``values``
    optional, one value per event, for ``different-values`` (SRCU checks).

Derived when absent: ``M = R | W``, ``ext``, ``_``, ``id``, ``emptyset``.
Defined by smpcheck's ``stdlib.cat`` before every model: ``po-loc``,
``rfe``, ``rfi``, ``fencerel(S) = (po & (_ * S)) ; po``, ``ctrlcfence``,
``co0``; by ``cos.cat``: ``co``, ``coi``, ``coe``, ``fr``, ``fri``, ``fre``.
Any other name a model uses must be bound by the model, or passed to
``load_model(base_names=...)`` and supplied in the execution.

``with x from S``
    runs the rest of the model once per element of S and passes if any run
    passes (if all fail, the failures of the run closest to passing are
    reported).  A resolver ``(name, alternatives) -> value | None | REJECT``
    may pin the choice (None: try them all; REJECT: none fits, the execution
    is inconsistent).  :func:`pin_to_execution` pins lock.cat's ``rfe-lf`` /
    ``rf-ru`` and cos.cat's ``co`` to the execution's own rf and co; use it
    (without it lock.cat still gives the right verdict, because an rf choice
    other than the execution's only adds edges, but flags could come from a
    different choice).

Results
-------
:class:`CatResult`: ``consistent`` (no check failed), ``failed`` (names of
failed checks, e.g. ``happens-before``; an unnamed check is named by its
source text), ``flags`` (flagged checks that fired, e.g. ``data-race``),
``undefined`` (failed ``requires``), ``witnesses`` (the checked value of each
failure / flag), ``relation(name)``, ``set(name)``, ``value(name)``, ``env``.

Checks that are not herd's: cos.cat's ``co-order`` (the given co contains
co0: initial writes first, final writes last, lock.cat's LKW constraints) and
``with NAME`` (no alternative of ``with NAME from ...`` fits the execution).

Errors in model files are :class:`~smpcheck.errors.UsageError` naming
file:line:column, at load time for syntax and undefined names (a recursive
``let`` without ``rec`` is an undefined name), at check time for type errors
(``acyclic`` of a set, ``po | R``) and for names the execution lacks.

Macro files: :func:`read_defs` parses ``linux-kernel.def`` into
:class:`MacroDef` bodies of primitives with their tags (``xchg_relaxed`` ->
``__xchg{ONCE}(X,V)``); :func:`expand_macro` inlines macro uses.

Not supported: instruction-level ``match``, ``let rec ... when``, ``with``
inside procedures or ``forall``, applying anything but a name (``(f) x``, as
in herd), herd's scope primitives (``tag2scope``, ``narrower``/``wider``),
the ``linearisations``-based herd library files beyond those listed in
:mod:`smpcheck.cat.stdlib`.
"""

from smpcheck.cat.defs import MacroDef, expand_macro, parse_defs, read_defs
from smpcheck.cat.evaluate import REJECT, CatResult, Execution, Resolver, pin_to_execution
from smpcheck.cat.model import (
    MODELS_DIR,
    CatConfig,
    CatModel,
    load_config_model,
    load_model,
    read_config,
)
from smpcheck.cat.parser import parse
from smpcheck.cat.stdlib import BASE_NAMES, DERIVED, OPTIONAL, REQUIRED

__all__ = [
    "BASE_NAMES", "DERIVED", "MODELS_DIR", "OPTIONAL", "REJECT", "REQUIRED",
    "CatConfig", "CatModel", "CatResult", "Execution", "MacroDef", "Resolver",
    "expand_macro", "load_config_model", "load_model", "parse", "parse_defs",
    "pin_to_execution", "read_config", "read_defs",
]
