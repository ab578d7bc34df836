"""One call that checks a model: explore every execution under a memory model, judge each
(in this process, :mod:`smpcheck.explore.session`, or split across processes,
:mod:`smpcheck.explore.parallel`)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from smpcheck.explore.checks import Checker
from smpcheck.explore.replay import Guide
from smpcheck.explore.session import Judge, Settled, explore
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import MemoryModel, get_model
from smpcheck.results.findings import Violation
from smpcheck.results.result import Result
from smpcheck.settings import Settings

__all__ = ["Judge", "Settled", "explore", "verify"]


def verify(model: Model, globals_: dict[str, Loc] | None = None, mm: str | MemoryModel = "sc",
           settings: Settings | None = None,
           progress: Callable[[Result], None] | None = None,
           guide: Guide | None = None, *,
           judge: Callable[[Checker], Judge] | None = None, keep_witnesses: bool = True,
           subject: str = "model",
           on_violation: Callable[[Violation], None] | None = None) -> Result:
    """Check ``model`` under memory model ``mm``; bad models raise UsageError.

    ``mm`` is a memory model's name or the model itself (e.g. a cat model).
    With ``guide`` only the recorded execution is explored (``--replay``).
    ``judge`` wraps the checker in an observer of each complete execution (herd
    mode: graphs to draw, -speedcheck), which may stop the run with :class:`Settled`;
    ``keep_witnesses`` false keeps no graph per final state; ``subject`` is what
    an error calls the model ("the test raised ..."); ``on_violation`` sees every
    finding of every execution, before duplicates merge (it keeps the run in one
    process).  With ``settings.jobs`` above 1 (or ``settings.ray``) the exploration is split across
    processes where the model can be built again in them
    (:mod:`smpcheck.explore.parallel`): the same result as in one process."""
    memory_model = mm if isinstance(mm, MemoryModel) else get_model(mm)
    s = settings or Settings()
    splits = s.jobs > 1 or s.ray is not None or s.split_depth is not None
    if splits and guide is None and judge is None and on_violation is None \
            and not _sites_installed():
        from smpcheck.explore.parallel import verify_parallel

        parallel = verify_parallel(model, globals_ or {}, memory_model, s, progress,
                                   keep_witnesses=keep_witnesses)
        if parallel is not None:
            return parallel
    result, _, checker = explore(model, globals_, memory_model, s, progress, guide,
                                 judge=judge, keep_witnesses=keep_witnesses, subject=subject,
                                 on_violation=on_violation)
    checker.finish(result)
    return result


def _sites_installed() -> bool:
    """Whether an analysis installed its table of site changes (they live in this
    process): none if no one imported :mod:`smpcheck._rt.sites` (not imported here:
    a few milliseconds before a -j run's workers start)."""
    sites = sys.modules.get("smpcheck._rt.sites")
    return sites is not None and bool(sites.installed())
