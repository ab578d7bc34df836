"""``void init(void)``: set-up that runs first, alone, and becomes the initial state.

init() runs once as the only CPU (under SC: with one CPU every model agrees),
through the same explorer as the model; what it leaves in memory becomes the
objects' initial values, and what it kmalloc'd becomes objects allocated
before the CPUs start (so the model may kfree them).  A finding in init() is
an error in the model, at its line.
"""

from __future__ import annotations

from typing import Any

from smpcheck.errors import UsageError
from smpcheck.model.objects import Array, Field, Obj, Ref, Spec, StructSpec, as_spec

__all__ = ["run_init"]


def run_init(init: Any, builder: Any, path: str) -> None:
    """Run ``init`` and make its final memory the model's initial state."""
    from smpcheck.explore.explorer import Settings
    from smpcheck.explore.verify import verify
    from smpcheck.model.model import Model

    model = Model("init", [init], forall="true", path=path, observe_only=True)
    result = verify(model, builder.names(), "sc", Settings(all_violations=False))
    if result.violations:
        v = result.violations[0]
        src = v.src
        raise UsageError(f"init(): {v.message}", src.path if src else path,
                         src.line if src else None)
    if result.incomplete or len(result.witnesses) != 1:
        raise UsageError("init() did not run to its end in one execution (a loop past "
                         "--loop-bound or a wait: init runs alone)", path)
    g = next(iter(result.witnesses.values()))
    for ev in g.events():
        if ev.kind == "D":  # (a freed object is not a value the initial state can hold)
            raise UsageError(f"init() frees {ev.obj}: the initial state holds objects, not "
                             "freed ones; free it in a CPU function", ev.src.path or path,
                             ev.src.line or None)
    values: dict[Obj, dict[tuple[Any, ...], Any]] = {}
    for loc in g.co:
        values.setdefault(loc.obj, {})[loc.path] = g.event(g.co_max(loc)).value
    objs = set(values)
    for per in list(values.values()):
        for v in per.values():
            if isinstance(v, Ref) and v._obj is not None:
                objs.add(v._obj)
    for obj in objs:
        if obj.heap and obj.alloc_event is not None:
            obj.name = f"{obj.name.split('@')[0]}@init:{obj.alloc_event[1]}"
            obj.alloc_event = None  # (allocated before the CPUs start)
        if obj in values:
            obj.spec = respec(obj.spec, (), values[obj])


def respec(spec: Spec, path: tuple[Any, ...], values: dict[tuple[Any, ...], Any]) -> Spec:
    """``spec`` with the initial value of each location under ``path`` in ``values``."""
    if isinstance(spec, Field):
        return Field(values.get(path, spec.init), spec.kind) if path in values else spec
    if isinstance(spec, Array):
        elem = spec.elem
        elems = [as_spec(spec.values[i], like=elem) if spec.values is not None else elem
                 for i in range(spec.n)]
        return Array(spec.n, spec.of, tuple(respec(e, path + (i,), values)
                                            for i, e in enumerate(elems)))
    if isinstance(spec, StructSpec):
        fields = spec.stype._fields  # type: ignore[attr-defined]
        over = {}
        for name, sub in fields.items():
            s = as_spec(spec.overrides[name], like=sub) if name in spec.overrides else sub
            over[name] = respec(as_spec(s), path + (name,), values)
        return StructSpec(spec.stype, over)
    return spec
