"""One call that checks a model: explore every execution under a memory model, judge each."""

from __future__ import annotations

from collections.abc import Callable

from smpcheck._runtime import Diverged, ModelRaised
from smpcheck.checks import Checker
from smpcheck.errors import UsageError
from smpcheck.events import NO_SOURCE
from smpcheck.explorer import Explorer, Settings
from smpcheck.findings import Result
from smpcheck.memory import Loc
from smpcheck.model import Model
from smpcheck.models import MemoryModel, get_model
from smpcheck.replay import Guide, rerun


def verify(model: Model, globals_: dict[str, Loc] | None = None, mm: str | MemoryModel = "sc",
           settings: Settings | None = None,
           progress: Callable[[Result], None] | None = None,
           guide: Guide | None = None) -> Result:
    """Check ``model`` under memory model ``mm``; bad models raise UsageError.

    ``mm`` is a memory model's name or the model itself (e.g. a cat model).
    With ``guide`` only the recorded execution is explored (``--replay``)."""
    memory_model = mm if isinstance(mm, MemoryModel) else get_model(mm)
    result = Result(model.name, memory_model.name)
    loop_bound = (settings or Settings()).loop_bound
    result.bound = (f"{len(model.cpus)} CPUs, the model's objects, other loops than "
                    f"spin waits at most {loop_bound} iterations")
    explorer = Explorer(model.cpus, memory_model, settings or Settings(), on_progress=progress,
                        guide=guide)
    checker = Checker(model, memory_model, globals_ or {}, explorer.report)
    explorer.on_complete = checker
    s = explorer.settings
    try:
        explorer.explore(result)
        if checker.first is not None and guide is None:
            rerun(model.cpus, checker.first, s.loop_bound, s.max_events)
    except Diverged as exc:
        path, line = _divergence_site(exc, model)
        raise UsageError(f"nondeterministic model: {exc}; a CPU function must do the same "
                         "thing every time it is given the same values (no module-level "
                         "Python state that changes, no randomness)", path, line) from None
    except ModelRaised as exc:
        raise UsageError(f"the model raised {exc}", exc.src.path, exc.src.line) from None
    except UsageError as exc:
        if exc.path is not None and not exc.path.startswith("<"):
            raise
        raise UsageError(exc.message, model.path, model.condition_line) from None
    checker.finish(result)
    return result


def _divergence_site(exc: Diverged, model: Model) -> tuple[str, int | None]:
    """The model line that asked for a different event, else the CPU function's ``def``."""
    if exc.src is not NO_SOURCE:
        return exc.src.path, exc.src.line
    code = getattr(model.cpus[exc.tid], "__code__", None) if exc.tid is not None else None
    if code is None:
        return model.path, None
    return code.co_filename, code.co_firstlineno
