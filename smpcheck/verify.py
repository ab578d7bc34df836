"""One call that checks a model: explore every execution under a memory model, judge each."""

from __future__ import annotations

from collections.abc import Callable

from smpcheck._runtime import Diverged, ModelRaised
from smpcheck.checks import Checker
from smpcheck.errors import UsageError
from smpcheck.explorer import Explorer, Settings
from smpcheck.findings import Result
from smpcheck.memory import Loc
from smpcheck.model import Model
from smpcheck.models import MemoryModel, get_model
from smpcheck.replay import Guide


def verify(model: Model, globals_: dict[str, Loc] | None = None, mm: str | MemoryModel = "sc",
           settings: Settings | None = None,
           progress: Callable[[Result], None] | None = None,
           guide: Guide | None = None) -> Result:
    """Check ``model`` under memory model ``mm``; bad models raise UsageError.

    ``mm`` is a memory model's name or the model itself (e.g. a cat model).
    With ``guide`` only the recorded execution is explored (``--replay``)."""
    memory_model = mm if isinstance(mm, MemoryModel) else get_model(mm)
    result = Result(model.name, memory_model.name)
    explorer = Explorer(model.cpus, memory_model, settings or Settings(), on_progress=progress,
                        guide=guide)
    checker = Checker(model, memory_model, globals_ or {}, explorer.report)
    explorer.on_complete = checker
    try:
        explorer.explore(result)
    except Diverged as exc:
        raise UsageError(f"{exc}; is the model deterministic (no shared Python state, no "
                         "randomness), and does it use values it read only as values?",
                         model.path) from None
    except ModelRaised as exc:
        raise UsageError(f"the model raised {exc}", exc.src.path, exc.src.line) from None
    checker.finish(result)
    return result
