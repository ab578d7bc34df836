"""``check --replay``: the recorded execution run again, guided by its record
(:mod:`smpcheck.explore.replay`), through the same wiring as a check
(:mod:`smpcheck.explore.verify`)."""

from __future__ import annotations

from smpcheck._rt.runtime import Diverged
from smpcheck.errors import UsageError
from smpcheck.explore.replay import DOES_NOT_REPRODUCE, Guide, described, why_not
from smpcheck.explore.replay_record import Record
from smpcheck.explore.verify import verify
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models.base import MemoryModel
from smpcheck.records import replace
from smpcheck.results.findings import Violation
from smpcheck.settings import Settings

__all__ = ["reproduce"]


def reproduce(model: Model, globals_: dict[str, Loc], mm: MemoryModel, settings: Settings,
              record: Record) -> Violation:
    """The recorded violation, shown again by the recorded execution of ``model``; a usage
    error that says why if the execution or its violation does not recur."""

    def fail(why: str) -> UsageError:
        return UsageError(f"{DOES_NOT_REPRODUCE}: {why}. The record fits this model, memory "
                          "model and bound: if it is as smpcheck wrote it, the model does not "
                          "do the same thing every time (does it read a file, the environment, "
                          "random numbers?)", record.path)

    beyond = sorted({tid for tid, _ in record.events if tid >= len(model.cpus)})
    if beyond:
        raise fail(f"the record has events of CPU {beyond[0]}, the model has "
                   f"{len(model.cpus)} CPUs")
    guide = Guide(record)
    try:
        result = verify(model, globals_, mm, replace(settings, all_violations=True,
                                                     max_executions=None), guide=guide)
    except UsageError as exc:
        if isinstance(exc.__context__, Diverged):
            raise UsageError(f"{DOES_NOT_REPRODUCE}: {exc.message}", exc.path,
                             exc.line) from None
        raise
    for v in result.violations:
        if v.graph is not None and described(v) == record.violation \
                and guide.mismatch(v.graph) is None:
            return v
    raise fail(why_not(guide, result.violations, record, mm) or
               "".join(str(c) for c in result.incomplete[:1]) or
               f"no execution of the model under {mm.name} follows the record")
