"""What front ends call besides the kernel API: the litmus and herd translators
(which run a test's threads as CPU functions) and the loader's rewrites of model
code (loops, control-dependency scopes, plain accesses through pointers).

* :data:`Op` and :func:`issue`: hand one event to the running CPU; :func:`load`,
  :func:`store`, :func:`rmw` and :func:`fence` make the tagged accesses and
  fences herd's macros name (a tag set and the text shown); :func:`where` is an
  object's location and the reads its address depends on; :data:`BLOCK` is the
  answer of a read that waits.
* :func:`this_cpu`: the running CPU's state (number ``tid``, the events it was
  given ``fed``, ``source_override`` for the source line shown, ``relaxed`` for a
  spin wait); a front end reads and sets only these.
* :func:`loop_enter`, :func:`loop_head`: a loop's bound and spin-wait detection
  (call ``loop_enter(site)`` before the loop and ``loop_head(site)`` at each
  iteration's head, ``site`` being ``(file, line)``).
* :func:`ctrl_save`, :func:`ctrl_restore`: the scope of a branch's control
  dependency; :func:`add_control_deps` adds reads to it.
* :func:`plain_store`, :func:`member_read`: ``p->f = v`` and ``p->f``.
* :func:`install_library_rewriting`: a package of model code (the KVM library)
  has its modules loaded through the model rewrites.

These are the runtime's own functions (:mod:`smpcheck._rt`), named here so that
nothing above the kernel API imports the private runtime.
"""

from __future__ import annotations

from smpcheck._rt.loops import _smp_loop_enter as loop_enter
from smpcheck._rt.loops import _smp_loop_head as loop_head
from smpcheck._rt.ops import (
    add_unless_rmw,
    cmpxchg_rmw,
    fence,
    load,
    rmw,
    store,
    where,
    xchg_rmw,
)
from smpcheck._rt.runtime import (
    BLOCK,
    Cpu,
    Op,
    add_control_deps,
    ctrl_restore,
    ctrl_save,
    issue,
    member_read,
    plain_store,
)
from smpcheck._rt.runtime import current as _current

__smp_engine__ = True


def this_cpu() -> Cpu:
    """The state of the CPU running the caller; a usage error outside a run."""
    return _current()[1]


def install_library_rewriting(package: str) -> None:
    """The loader's (:func:`smpcheck._rt.loader.install_library_rewriting`), imported
    when called: the loader imports :mod:`ast`, which a litmus test does without."""
    from smpcheck._rt.loader import install_library_rewriting as install

    install(package)


__all__ = ["BLOCK", "Cpu", "Op", "add_control_deps", "add_unless_rmw", "cmpxchg_rmw",
           "ctrl_restore", "ctrl_save", "fence", "install_library_rewriting", "issue", "load",
           "loop_enter", "loop_head", "member_read", "plain_store", "rmw", "store", "this_cpu",
           "where", "xchg_rmw"]
