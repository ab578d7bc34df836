"""The executions a cat model must forbid for smpcheck's explorer to judge C tests by it.

Under a cat model the explorer builds coherent executions whose RMWs are atomic only
(:meth:`CatMemoryModel.inconsistency_after` checks both as it goes), and it keeps the
kernel model's program order (:meth:`CatMemoryModel.keeps_order`,
:meth:`CatMemoryModel.speculates`, :meth:`CatMemoryModel.bounded`): no cycle of
reads-from and program order through dependencies, fences, acquires and releases.  A
model that allows such an execution (herd7 lists it) would lose executions there: a
false Never.  :func:`allowed` runs the model on the smallest execution of each of
those shapes and names those the model allows: herd's coherence tests (one through
spin_is_locked(), whose reads cos-opt.cat's observed order leaves out), an RMW another
CPU's write splits, a write before the initial one, load buffering through each pair
of dependencies, full fences, acquires and releases, message passing through each
pair of write and read orderings, and where the model checks plain-coherence (which
``bounded`` then relies on) load buffering through a plain read or write that a
release or an acquire bounds.  linux-kernel.cat, sc.cat and x86tso.cat forbid every
one (tests/herd/test_cat_probes.py); a model that forbids these and still allows a
longer cycle of the same kinds is not caught.
"""

from __future__ import annotations

import itertools
from typing import Any

from smpcheck.cat import CatModel, Execution, pin_to_execution
from smpcheck.errors import UsageError
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.relation import Rel

SPLIT_RMW = "an RMW split by another CPU's write"
LOCK_READS = "CoRR through spin_is_locked()"
PLAIN_READ = "load buffering from a plain read through a release"
PLAIN_WRITE = "load buffering to a plain write through an acquire"
#: what CatMemoryModel.bounded takes plain-coherence to forbid (only where a model has it)
BOUNDED = frozenset({PLAIN_READ, PLAIN_WRITE})
LOCK_CLASSES = ("LKR", "LKW", "UL", "LF", "RL", "RU")  # (tags that are event classes)
Ev = tuple[int, str, str, str]  # (CPU, R/W/F, location or "" for a fence, tag)
Src = int | str  # an event's index, or a location: its initial write
Probe = tuple[str, tuple[Ev, ...], tuple[tuple[Src, int], ...], dict[str, tuple[Src, ...]],
              tuple[tuple[str, int, int], ...]]  # name, events, rf, co (after init), deps

_COHERENCE: tuple[Probe, ...] = (
    ("CoWW", ((0, "W", "x", "ONCE"), (0, "W", "x", "ONCE")), (), {"x": (1, 0)}, ()),
    ("CoRW1", ((0, "R", "x", "ONCE"), (0, "W", "x", "ONCE")), ((1, 0),), {"x": (1,)}, ()),
    ("CoRW2", ((0, "R", "x", "ONCE"), (0, "W", "x", "ONCE"), (1, "W", "x", "ONCE")),
     ((2, 0),), {"x": (1, 2)}, ()),
    ("CoWR", ((0, "W", "x", "ONCE"), (0, "R", "x", "ONCE")), (("x", 1),), {"x": (0,)}, ()),
    ("CoRR", ((0, "R", "x", "ONCE"), (0, "R", "x", "ONCE"), (1, "W", "x", "ONCE")),
     ((2, 0), ("x", 1)), {"x": (2,)}, ()),
    (SPLIT_RMW,
     ((0, "R", "x", "RMW"), (0, "W", "x", "RMW"), (1, "W", "x", "ONCE")),
     (("x", 0),), {"x": (2, 1)}, (("rmw", 0, 1), ("data", 0, 1))),
    ("a write before the initial write in coherence order", ((0, "W", "x", "ONCE"),), (),
     {"x": (0, "x")}, ()),
    (LOCK_READS,  # (lock reads: cos-opt.cat's observed order leaves them out)
     ((1, "R", "l", "LKR"), (1, "W", "l", "LKW"), (1, "W", "l", "UL"), (0, "R", "l", "RU"),
      (0, "R", "l", "RL")), (("l", 0), (2, 3), (1, 4)), {"l": (1, 2)}, ()),
)
# ways a CPU orders its read before its write (load buffering), and write before write
# and read before read (message passing): (name, tags of the two accesses, a fence
# between or "", a dependency of the second on the first or "")
_PLAIN: tuple[Probe, ...] = (
    (PLAIN_READ,
     ((0, "R", "x", ""), (0, "W", "y", "RELEASE"), (1, "R", "y", "ONCE"),
      (1, "W", "x", "ONCE")), ((3, 0), (1, 2)), {"x": (3,), "y": (1,)}, (("data", 2, 3),)),
    (PLAIN_WRITE,
     ((0, "R", "x", "ACQUIRE"), (0, "W", "y", ""), (1, "R", "y", "ONCE"),
      (1, "W", "x", "ONCE")), ((3, 0), (1, 2)), {"x": (3,), "y": (1,)}, (("data", 2, 3),)),
)
_READ_WRITE = (("smp_mb", "ONCE", "ONCE", "MB", ""), ("acquire", "ACQUIRE", "ONCE", "", ""),
               ("release", "ONCE", "RELEASE", "", ""), ("addr", "ONCE", "ONCE", "", "addr"),
               ("data", "ONCE", "ONCE", "", "data"), ("ctrl", "ONCE", "ONCE", "", "ctrl"))
_WRITES = (("smp_mb", "ONCE", "ONCE", "MB", ""), ("smp_wmb", "ONCE", "ONCE", "wmb", ""),
           ("release", "ONCE", "RELEASE", "", ""))
_READS = (("smp_mb", "ONCE", "ONCE", "MB", ""), ("smp_rmb", "ONCE", "ONCE", "rmb", ""),
          ("acquire", "ACQUIRE", "ONCE", "", ""))


def _cpu(cpu: int, way: tuple[str, str, str, str, str], first: tuple[str, str],
         second: tuple[str, str], events: list[Ev],
         deps: list[tuple[str, int, int]]) -> tuple[int, int]:
    """Add one CPU's two accesses (kind and location each) ordered ``way``: their
    indexes."""
    _name, tag1, tag2, fence, dep = way
    events.append((cpu, first[0], first[1], tag1))
    if fence:
        events.append((cpu, "F", "", fence))
    events.append((cpu, second[0], second[1], tag2))
    a, b = len(events) - 2 - bool(fence), len(events) - 1
    if dep:
        deps.append((dep, a, b))
    return a, b


def _two_cpus(name: str, ways: tuple[Any, Any], shape: str) -> Probe:
    """Load buffering (LB), message passing (MP) or store buffering (SB), each CPU
    ordered its way."""
    events: list[Ev] = []
    deps: list[tuple[str, int, int]] = []
    if shape == "LB":
        r0, w0 = _cpu(0, ways[0], ("R", "x"), ("W", "y"), events, deps)
        r1, w1 = _cpu(1, ways[1], ("R", "y"), ("W", "x"), events, deps)
        return name, tuple(events), ((w1, r0), (w0, r1)), {"x": (w1,), "y": (w0,)}, tuple(deps)
    if shape == "MP":
        wx, wy = _cpu(0, ways[0], ("W", "x"), ("W", "y"), events, deps)
        ry, rx = _cpu(1, ways[1], ("R", "y"), ("R", "x"), events, deps)
        return name, tuple(events), ((wy, ry), ("x", rx)), {"x": (wx,), "y": (wy,)}, ()
    wx, ry = _cpu(0, ways[0], ("W", "x"), ("R", "y"), events, deps)
    wy, rx = _cpu(1, ways[1], ("W", "y"), ("R", "x"), events, deps)
    return name, tuple(events), (("y", ry), ("x", rx)), {"x": (wx,), "y": (wy,)}, ()


def probes() -> list[Probe]:
    """Every shape :func:`allowed_probe` tries."""
    out = list(_COHERENCE)
    for a, b in itertools.combinations_with_replacement(_READ_WRITE, 2):
        out.append(_two_cpus(f"load buffering through {a[0]} and {b[0]}", (a, b), "LB"))
    for a, b in itertools.product(_WRITES, _READS):
        out.append(_two_cpus(f"message passing through {a[0]} and {b[0]}", (a, b), "MP"))
    out += _PLAIN
    return out


def execution(probe: Probe) -> Execution:
    """The probe as the execution :mod:`smpcheck.cat` reads (each location's initial
    write first)."""
    _name, events, rf, co, deps = probe
    locs = sorted({loc for _c, _k, loc, _t in events if loc})
    n = len(locs) + len(events)
    at = {loc: i for i, loc in enumerate(locs)}

    def index(src: Src) -> int:
        return at[src] if isinstance(src, str) else len(locs) + src

    sets = {"R": 0, "W": (1 << len(locs)) - 1, "F": 0, "IW": (1 << len(locs)) - 1,
            **dict.fromkeys(LOCK_CLASSES, 0)}
    tags: dict[str, int] = {"INIT": sets["IW"]}
    for i, (_c, kind, _l, tag) in enumerate(events, len(locs)):
        sets[tag if tag in LOCK_CLASSES else kind] |= 1 << i  # (as models.cat.execution_of)
        if tag:  # (a plain access has none)
            tags[tag] = tags.get(tag, 0) | 1 << i
    if "RMW" in tags:
        tags["ONCE"] = tags.get("ONCE", 0) | tags["RMW"]
    cpus = [-1 - i for i in range(len(locs))] + [c for c, _k, _l, _t in events]
    po = [(i, j) for i, j in itertools.combinations(range(n), 2) if cpus[i] == cpus[j] >= 0]
    rels = {name: [(index(a), index(b)) for kind, a, b in deps if kind == name]
            for name in ("addr", "data", "ctrl", "rmw")}
    order = {loc: [index(w) for w in (ws if loc in ws else (loc, *ws))]
             for loc, ws in co.items()}
    return Execution({
        "n": n, **sets, "FW": 0, "RMW": tags.get("RMW", 0), "tags": tags,
        "po": Rel.from_pairs(n, po), "rf": Rel.from_pairs(n, [(index(w), index(r))
                                                               for w, r in rf]),
        "co": Rel.from_pairs(n, [p for ws in order.values()
                                 for p in itertools.combinations(ws, 2)]),
        "thread": cpus, "location": [*locs, *(loc or None for _c, _k, loc, _t in events)],
        **{name: Rel.from_pairs(n, pairs) for name, pairs in rels.items()},
        "values": [0] * len(locs) + [1] * len(events)})


def matters(shape: str, g: ExecutionGraph) -> bool:
    """Whether a model's allowing probe ``shape`` may cost the explorer executions of a
    test, one of whose executions is ``g``: a split RMW only where an RMW writes, a
    lock read's incoherence only where spin_is_locked() reads; any other, always."""
    if shape == SPLIT_RMW:
        return g.rmws
    if shape == LOCK_READS:
        return any(ev is not None and not _IS_LOCKED.isdisjoint(ev.tags)
                   for t in g.threads for ev in t)
    return True


#: probes a model may allow where no execution of a test has what they need (matters)
WHERE_USED = frozenset({SPLIT_RMW, LOCK_READS})
_IS_LOCKED = frozenset({"RL", "RU"})


def allowed(model: CatModel) -> list[str]:
    """The names of the probes ``model`` allows (no check fails).  A probe the model
    cannot read (a base name it lacks, a wrong kind) is passed over: a run of the
    model on a test reports such an error itself."""
    out = []
    plain_coherence = ("check", "plain-coherence") in model.checks
    for probe in probes():
        if probe[0] in BOUNDED and not plain_coherence:
            continue
        exe = execution(probe)
        try:
            result = model.check(exe, pin_to_execution(exe), stop_on_failure=True)
        except UsageError:
            continue
        if result.consistent:
            out.append(probe[0])
    return out
