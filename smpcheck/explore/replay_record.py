"""The replay record of a violation: the execution that shows it, and what it was taken from.

``--json`` writes one record per violation: its events (CPU, position, kind,
location), reads-from and coherence order, and a *fingerprint*: the hash of the
model's source (the model file and the user's own modules it uses, not
smpcheck's files), the memory model, the settings that shape the exploration
and smpcheck's version.  ``--replay FILE`` reads it back with
:func:`load_record`, which rejects anything that is not such a record, and
compares fingerprints with :meth:`Fingerprint.differences`: a record says
nothing about a model, memory model or bound other than its own.
"""

from __future__ import annotations

import functools
import re
import sys
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smpcheck.errors import UsageError
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.model.values import EventId
from smpcheck.models import model_names

if TYPE_CHECKING:
    from smpcheck.model.model import Model
    from smpcheck.settings import Settings

EVENT_KINDS = frozenset("RWFADNBEC")  # smpcheck.graph.events: the kinds a graph's events have
EXPLORATION_SETTINGS = ("loop_bound", "max_events")  # the Settings that change what is explored
_FLAGS = {"loop_bound": "--loop-bound"}  # the options that set them
_ID = re.compile(r"(0|[1-9][0-9]{0,8}):(0|[1-9][0-9]{0,8})")


def smpcheck_version() -> str:
    """smpcheck's version (as ``--version`` prints it)."""
    from smpcheck.version import __version__

    return __version__


def event_name(g: ExecutionGraph, eid: EventId) -> str:
    """An event as records name it: ``CPU:POSITION``, or ``init:LOCATION``."""
    return f"init:{g.locs.inits[eid[1]].loc}" if eid[0] < 0 else f"{eid[0]}:{eid[1]}"


def slot_of(ev: Any) -> str | None:
    """What a record keeps of an event besides its kind: its location, or for a choice
    (kind C: whether an interrupt came there, and which), the alternative taken."""
    if ev.kind == "C":
        return f"choice {ev.value}"
    return str(ev.loc) if ev.loc is not None else None


def token_of(g: ExecutionGraph) -> dict[str, Any]:
    """The choices that make an execution: events, reads-from, coherence order."""
    events = [[ev.tid, ev.idx, ev.kind, slot_of(ev)] for ev in g.events()]
    rf = {event_name(g, r): event_name(g, w) for r, w in sorted(g.rf.items())}
    co = {str(loc): [event_name(g, w) for w in ws] for loc, ws in g.co.items() if ws}
    return {"events": events, "rf": rf, "co": co}


# -- the fingerprint -------------------------------------------------------------------
@dataclass(frozen=True)
class Fingerprint:
    """What a record was taken from; a replay under anything else is refused."""

    smpcheck: str
    memory_model: str
    settings: dict[str, int]
    model_file: str  # resolved path, to tell "another file" from "the file changed"
    model_sha256: str
    modules: dict[str, str]  # the user's modules the model uses: name -> sha256

    def to_json(self) -> dict[str, Any]:
        return {"smpcheck": self.smpcheck, "memory_model": self.memory_model,
                "settings": dict(self.settings), "model_file": self.model_file,
                "model_sha256": self.model_sha256, "modules": dict(self.modules)}

    def differences(self, now: Fingerprint) -> list[str]:
        """How ``now`` (the replay's) differs from this (the record's), in words."""
        out = []
        if self.smpcheck != now.smpcheck:
            out.append(f"recorded by smpcheck {quoted(self.smpcheck)}, replayed by "
                       f"smpcheck {now.smpcheck}")
        if self.memory_model != now.memory_model:
            out.append(f"recorded under {quoted(self.memory_model)}, replayed under "
                       f"{now.memory_model}")
        if self.model_sha256 != now.model_sha256:
            if self.model_file == now.model_file:
                out.append(f"the model file {now.model_file} changed since the record was "
                           "taken")
            else:
                out.append(f"the record was taken from the model file "
                           f"{quoted(self.model_file)}, not {now.model_file} (their sources "
                           "differ)")
        out += _module_differences(self.modules, now.modules)
        for key in sorted(set(self.settings) | set(now.settings)):
            was, is_ = self.settings.get(key), now.settings.get(key)
            if was != is_:
                flag = f" ({_FLAGS[key]} {was} replays it)" if key in _FLAGS and was else ""
                out.append(f"recorded with {quoted(key)} {quoted(was)}, replayed with "
                           f"{quoted(is_)}{flag}")
        return out


def _module_differences(was: dict[str, str], now: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(set(was) | set(now)):
        if name not in now:
            out.append(f"the record covers module {quoted(name)}, which the model no "
                       "longer uses")
        elif name not in was:
            out.append(f"the model now uses module {name}, which the record does not cover")
        elif was[name] != now[name]:
            out.append(f"module {name} ({_module_file(name)}) changed since the record was "
                       "taken")
    return out


def fingerprint(model: Model, memory_model: str, settings: Settings) -> Fingerprint | None:
    """The fingerprint of a run of ``model`` under these; None if the model was not
    loaded from a file (a KVM design built by the library): its records cannot be
    replayed."""
    path = Path(model.path).resolve()
    if not path.is_file():
        return None
    return Fingerprint(smpcheck_version(), memory_model,
                       {k: getattr(settings, k) for k in EXPLORATION_SETTINGS},
                       str(path), _sha256(path),
                       {name: _sha256(Path(f)) for name, f in user_modules(model).items()}
                       | model.fingerprint_inputs)  # (a model file's -D)


def _sha256(path: Path) -> str:
    import hashlib  # (OpenSSL's: a few milliseconds to import, for records only)

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise UsageError(f"cannot read {path} to fingerprint the model: {exc.strerror}",
                         str(path)) from None


def _module_file(name: str) -> str:
    return str(getattr(sys.modules.get(name), "__file__", None) or name)


def user_modules(model: Model) -> dict[str, str]:
    """The user's own modules the model uses, by name, with their source files: the
    modules of the CPU functions and every module their namespaces (and, in turn,
    those modules') name, other than the model file, smpcheck and installed packages."""
    model_file = Path(model.path).resolve()
    found: dict[str, str] = {}
    todo: list[Any] = []
    for fn in model.cpus:
        fn = getattr(fn, "func", fn)  # functools.partial
        fn = getattr(fn, "__func__", fn)  # bound methods
        todo += [fn, *getattr(fn, "__globals__", {}).values()]
    while todo:
        module = sys.modules.get(_module_name(todo.pop()) or "")
        file = _user_file(module)
        if module is None or file is None or file == model_file or module.__name__ in found:
            continue
        found[module.__name__] = str(file)
        todo += list(vars(module).values())
    return dict(sorted(found.items()))


def _module_name(value: Any) -> str | None:
    """The module ``value`` is, or defines it if it is a function or class."""
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, type | types.FunctionType):
        name = getattr(value, "__module__", None)
        return name if isinstance(name, str) else None
    return None


def _user_file(module: types.ModuleType | None) -> Path | None:
    """The module's source file if it is the user's: not smpcheck, not installed."""
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        return None
    path = Path(file).resolve()
    return None if any(path.is_relative_to(p) for p in _not_users()) else path


@functools.cache
def _not_users() -> tuple[Path, ...]:
    import sysconfig

    paths = sysconfig.get_paths()
    roots = [Path(paths[k]).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")
             if k in paths]
    return (Path(__file__).resolve().parents[1], *roots)  # (smpcheck itself)


# -- reading a record back ----------------------------------------------------------------
@dataclass(frozen=True)
class Record:
    """One violation's replay record, checked to be well formed."""

    path: str  # the replay file
    fingerprint: Fingerprint
    violation: tuple[str, str, int | None, int | None]  # kind, message, cpu, line
    events: dict[EventId, tuple[str, str | None]]  # (kind, location)
    rf: dict[str, str]  # read -> write, as event_name spells them
    co: dict[str, list[str]]  # location -> its writes in coherence order

    def check(self, now: Fingerprint) -> None:
        """Refuse a replay under anything else than what the record was taken from."""
        diff = self.fingerprint.differences(now)
        if diff:
            raise UsageError("the replay record does not fit this run: " + "; ".join(diff)
                             + "; take the record again with --json", self.path)


def load_record(path: str) -> Record:
    """The first violation's replay record of the ``--json`` report in ``path``."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the replay file: {exc.strerror}", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not a replay record: not UTF-8 (byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start})", path) from None
    import json  # (here: smpcheck-herd's runs never read a record)

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not a replay record: not JSON: {exc.msg}", path, exc.lineno,
                         exc.colno) from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"not a replay record: not JSON: {exc}", path) from None
    return _Parser(path).record(data)


class _Parser:
    """Checks a report's replay record field by field; errors name the field."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> UsageError:
        return UsageError(f"not a replay record: {where}: {what}", self.path)

    def field(self, obj: dict[str, Any], key: str, want: type | tuple[type, ...],
              where: str) -> Any:
        if key not in obj:
            raise self.fail(where, f"no {key!r}")
        value = obj[key]
        if not isinstance(value, want) or (isinstance(value, bool) and want is not bool):
            raise self.fail(f"{where}.{key}", f"{quoted(value)} is not {_type_name(want)}")
        return value

    def record(self, data: Any) -> Record:
        if not isinstance(data, dict):
            raise self.fail("the file", "not a JSON object (a --json report)")
        violations = self.field(data, "violations", list, "the report")
        chosen = None
        for i, v in enumerate(violations):
            if not isinstance(v, dict):
                raise self.fail(f"violations[{i}]", f"{quoted(v)} is not an object")
            if chosen is None and v.get("replay") is not None:
                chosen = i
        if chosen is None:
            raise UsageError("the report holds no violation to replay", self.path)
        where = f"violations[{chosen}]"
        v = violations[chosen]
        violation = (self.field(v, "kind", str, where), self.field(v, "message", str, where),
                     self.optional_int(v, "cpu", where), self.optional_int(v, "line", where))
        token = self.field(v, "replay", dict, where)
        where += ".replay"
        if token.get("fingerprint", {}) is None:
            raise self.fail(where, "it has no fingerprint: only the records of "
                            "`smpcheck check MODEL.py --json` can be replayed")
        fp = self.fingerprint(self.field(token, "fingerprint", dict, where),
                              where + ".fingerprint")
        if fp.memory_model not in model_names():
            raise self.fail(where + ".fingerprint.memory_model", f"{quoted(fp.memory_model)} "
                            f"is none of smpcheck's memory models ({', '.join(model_names())})")
        mm = data.get("memory_model", fp.memory_model)
        if mm != fp.memory_model:
            raise self.fail("the report", f"its memory_model {quoted(mm)} is not the one its "
                            f"replay record was taken under, {quoted(fp.memory_model)}")
        events = self.events(self.field(token, "events", list, where), where + ".events")
        rf = self.rf(self.field(token, "rf", dict, where), events, where + ".rf")
        co = self.co(self.field(token, "co", dict, where), events, where + ".co")
        return Record(self.path, fp, violation, events, rf, co)

    def optional_int(self, obj: dict[str, Any], key: str, where: str) -> int | None:
        value = self.field(obj, key, (int, type(None)), where)
        return value if value is None else int(value)

    def fingerprint(self, fp: dict[str, Any], where: str) -> Fingerprint:
        settings = self.field(fp, "settings", dict, where)
        modules = self.field(fp, "modules", dict, where)
        for key, value in settings.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(f"{where}.settings.{quoted(key)}",
                                f"{quoted(value)} is not an integer")
        for key, value in modules.items():
            if not isinstance(value, str):
                raise self.fail(f"{where}.modules.{quoted(key)}",
                                f"{quoted(value)} is not a string")
        return Fingerprint(self.field(fp, "smpcheck", str, where),
                           self.field(fp, "memory_model", str, where), settings,
                           self.field(fp, "model_file", str, where),
                           self.field(fp, "model_sha256", str, where), modules)

    def events(self, raw: list[Any], where: str) -> dict[EventId, tuple[str, str | None]]:
        events: dict[EventId, tuple[str, str | None]] = {}
        for i, ev in enumerate(raw):
            at = f"{where}[{i}]"
            if not (isinstance(ev, list) and len(ev) == 4):
                raise self.fail(at, f"{quoted(ev)} is not [cpu, position, kind, location]")
            tid, idx, kind, loc = ev
            if not all(_is_index(x) for x in (tid, idx)):
                raise self.fail(at, f"CPU and position {quoted(tid)}, {quoted(idx)} are "
                                "not both integers >= 0")
            if not isinstance(kind, str) or kind not in EVENT_KINDS:
                raise self.fail(at, f"kind {quoted(kind)} is none of "
                                f"{', '.join(sorted(EVENT_KINDS))}")
            if not (isinstance(loc, str) or (loc is None and kind not in "RW")):
                raise self.fail(at, f"location {quoted(loc)} is not a location name")
            if (tid, idx) in events:
                raise self.fail(at, f"event {tid}:{idx} is recorded twice")
            events[(tid, idx)] = (kind, loc)
        counts = Counter(t for t, _ in events)
        for tid, n in sorted(counts.items()):
            missing = next((i for i in range(n) if (tid, i) not in events), None)
            if missing is not None:
                raise self.fail(where, f"CPU {tid}'s event {tid}:{missing} is missing (a CPU's "
                                "events are numbered from 0 in program order)")
        return events

    def event(self, name: Any, events: dict[EventId, tuple[str, str | None]], kind: str,
              at: str) -> str | None:
        """The location of the recorded ``kind`` event called ``name``; None for ``init``."""
        m = _ID.fullmatch(name) if isinstance(name, str) else None
        if m is None:
            if isinstance(name, str) and name.startswith("init:") and kind == "W":
                return None
            raise self.fail(at, f"{quoted(name)} is not an event (CPU:POSITION)")
        rec = events.get((int(m[1]), int(m[2])))
        if rec is None or rec[0] != kind:
            raise self.fail(at, f"{name} is not a recorded {'read' if kind == 'R' else 'write'}"
                            " event")
        return rec[1]

    def rf(self, raw: dict[str, Any], events: dict[EventId, tuple[str, str | None]],
           where: str) -> dict[str, str]:
        for read, write in raw.items():
            at = f"{where}[{quoted(read)}]"
            loc = self.event(read, events, "R", at)
            src_loc = self.event(write, events, "W", at)
            if (src_loc if src_loc is not None else write[len("init:"):]) != loc:
                raise self.fail(at, f"the read of {quoted(loc)} reads from {quoted(write)}, "
                                "a write of another location")
        for (tid, idx), (kind, _) in events.items():
            if kind == "R" and f"{tid}:{idx}" not in raw:
                raise self.fail(where, f"the read {tid}:{idx} reads from nothing")
        return dict(raw)

    def co(self, raw: dict[str, Any], events: dict[EventId, tuple[str, str | None]],
           where: str) -> dict[str, list[str]]:
        placed: set[str] = set()
        for loc, ws in raw.items():
            at = f"{where}[{quoted(loc)}]"
            if not isinstance(ws, list):
                raise self.fail(at, f"{quoted(ws)} is not a list of writes")
            for w in ws:
                if self.event(w, events, "W", at) != loc:
                    raise self.fail(at, f"{quoted(w)} is not a recorded write of {quoted(loc)}")
                if w in placed:
                    raise self.fail(at, f"{w} is in coherence order twice")
                placed.add(w)
        for (tid, idx), (kind, wloc) in events.items():
            if kind == "W" and f"{tid}:{idx}" not in placed:
                raise self.fail(where, f"the write {tid}:{idx} of {quoted(wloc)} is in no "
                                "coherence order")
        return {loc: list(ws) for loc, ws in raw.items()}


def _is_index(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 1 << 31


def _type_name(want: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer",
             type(None): "null", bool: "true or false"}
    kinds = want if isinstance(want, tuple) else (want,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def quoted(value: Any, limit: int = 60) -> str:
    """A value from the record as a message quotes it: JSON, ASCII, cut short."""
    import json

    text = json.dumps(value) if not isinstance(value, str) else json.dumps(value)[1:-1]
    return text if len(text) <= limit else text[:limit - 3] + "..."
