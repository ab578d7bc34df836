"""--replay: a record reproduces its violation (exit 1) or is refused (exit 2), never a verdict.

Records are taken with the real CLI from the examples; the fuzz test mutates them
and checks that a replay never claims anything but the violation a record still
describes.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.cli import EXAMPLES, Outcome, check_json, smpcheck, write_model

MMS = ("sc", "tso", "lkmm")
# The examples that violate, each under the memory models where it does (their
# docstrings say why); test_round_trip checks the recording is a violation.
VIOLATING = [("sb", "tso"), ("sb", "lkmm"), ("mp", "lkmm"), ("peterson", "tso"),
             ("peterson", "lkmm"), ("uaf", "sc"), ("uaf", "tso"), ("uaf", "lkmm"),
             ("abba", "sc"), ("abba", "tso"), ("abba", "lkmm"), ("endless-wait", "sc"),
             ("endless-wait", "tso"), ("endless-wait", "lkmm"), ("counter-nolock", "sc"),
             ("counter-nolock", "tso"), ("counter-nolock", "lkmm")]
CLAIMS = ("safe", "every execution", "Never", "Always")


def replay(model: Path, record: dict[str, Any] | bytes | str, tmp: Path, *extra: str) -> Outcome:
    """``smpcheck check MODEL --replay FILE EXTRA...`` with FILE holding ``record``."""
    path = tmp / "record.json"
    if isinstance(record, bytes):
        path.write_bytes(record)
    else:
        path.write_text(record if isinstance(record, str) else json.dumps(record))
    res = smpcheck("check", model, "--replay", path, *extra)
    assert "Traceback" not in res.err, res.err
    assert not any(claim in _claimed(res.out) for claim in CLAIMS), res.out
    return res


def _claimed(out: str) -> str:
    """What ``out`` says of the model: a --json error's message left out, which may
    quote the record (a fuzzed record's text can hold "safe" or "Never")."""
    try:
        doc = json.loads(out)
    except ValueError:
        return out
    if isinstance(doc, dict) and "error" in doc:
        doc = {k: v for k, v in doc.items() if k != "error"}
    return json.dumps(doc)


def refused(res: Outcome, *words: str) -> str:
    """The error of a replay that must fail: exit 2, one message naming the record."""
    assert res.code == 2, res
    assert res.out == "" and res.err.startswith("smpcheck: error: "), res
    assert "record.json" in res.err, res.err
    for w in words:
        assert w in res.err, res.err
    return res.err


def single(report: dict[str, Any], i: int) -> dict[str, Any]:
    """The report with only its ``i``-th violation (a replay takes the first)."""
    return dict(report, violations=[report["violations"][i]])


def same_execution(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two replay records name the same execution (CPU markers aside)."""
    def events(t: dict[str, Any]) -> list[Any]:
        return sorted(tuple(e) for e in t["events"] if e[2] not in "EB")

    return events(a) == events(b) and a["rf"] == b["rf"] and a["co"] == b["co"]


# -- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "mm"), VIOLATING)
def test_round_trip(tmp_path: Path, name: str, mm: str) -> None:
    """Every violation recorded under each memory model replays to itself, exit 1, with
    and without --mm, as JSON and as text."""
    path = EXAMPLES / f"{name}.py"
    report = check_json(path, mm, "--all")
    assert report["verdict"] == "violation"
    for i, v in enumerate(report["violations"]):
        fingerprint = v["replay"]["fingerprint"]
        assert fingerprint["memory_model"] == mm and fingerprint["modules"] == {}  # smpcheck's
        assert fingerprint["model_file"] == str(path.resolve())
        for extra in (("--json",), ("--json", "--mm", mm)):
            res = replay(path, single(report, i), tmp_path, *extra)
            assert res.code == 1, res
            got = res.json()
            assert got["replay"] is True and got["verdict"] == "violation"
            assert got["memory_model"] == mm
            [w] = got["violations"]
            assert (w["kind"], w["message"], w["cpu"], w["line"], w["trace"]) == (
                v["kind"], v["message"], v["cpu"], v["line"], v["trace"])
            assert same_execution(w["replay"], v["replay"])
        text = replay(path, single(report, i), tmp_path)
        assert text.code == 1 and "replay of the counterexample" in text.out
        assert f"{v['kind']}: " in text.out and "=> " in text.out


def test_a_replays_report_replays_again(tmp_path: Path) -> None:
    path = EXAMPLES / "uaf.py"
    first = replay(path, check_json(path, "tso"), tmp_path, "--json")
    again = replay(path, first.json(), tmp_path, "--json")
    assert again.code == 1 and again.json()["violations"] == first.json()["violations"]


def test_assertion_stops_mid_execution(tmp_path: Path) -> None:
    """A BUG_ON's execution stops at the failing CPU while another has events left: the
    record of that prefix replays; one that lets CPU 1 go on before the BUG_ON still
    shows it; one where CPU 0 reads the initial y shows no BUG_ON."""
    model = write_model(tmp_path, '''from smpcheck import BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)


def P0():
    r = READ_ONCE(y)
    BUG_ON(r == 1)
    WRITE_ONCE(x, 1)


def P1():
    WRITE_ONCE(y, 1)
    WRITE_ONCE(y, 2)
    return READ_ONCE(x)


MODEL = Model("bug", [P0, P1])
''')
    report = check_json(model, "sc")
    [v] = report["violations"]
    assert v["kind"] == "assertion" and v["replay"]["events"] == [[0, 0, "R", "y"],
                                                                  [1, 0, "W", "y"]]
    assert replay(model, report, tmp_path).code == 1
    longer = copy.deepcopy(report)
    _token(longer)["events"].append([1, 1, "W", "y"])
    _token(longer)["co"]["y"].append("1:1")
    res = replay(model, longer, tmp_path, "--json")
    assert res.code == 1 and same_execution(res.json()["violations"][0]["replay"],
                                            _token(longer))
    _token(longer)["rf"]["0:0"] = "1:1"  # r == 2: no BUG_ON
    refused(replay(model, longer, tmp_path), "does not reproduce")
    shorter = copy.deepcopy(report)
    _token(shorter)["events"].pop()
    _token(shorter)["rf"]["0:0"] = "init:y"
    del _token(shorter)["co"]["y"]
    refused(replay(model, shorter, tmp_path), "does not reproduce", "CPU 0 goes on past "
            "the record's end with event 0:1, W x")


# -- the record does not fit the run -----------------------------------------------------
@pytest.fixture(name="sb_tso")
def _sb_tso() -> dict[str, Any]:
    return check_json(EXAMPLES / "sb.py", "tso")


def test_other_memory_model(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    for mm in ("sc", "lkmm"):
        refused(replay(EXAMPLES / "sb.py", sb_tso, tmp_path, "--mm", mm),
                f"recorded under tso, replayed under {mm}")
    assert replay(EXAMPLES / "sb.py", sb_tso, tmp_path).code == 1  # the recorded one


def test_other_model_file(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    for other in ("mp.py", "sb-mb.py"):
        refused(replay(EXAMPLES / other, sb_tso, tmp_path, "--mm", "tso"),
                "the record was taken from the model file", str(EXAMPLES / "sb.py"), other)


def test_a_copy_of_the_model_file_replays(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    copied = tmp_path / "elsewhere.py"
    shutil.copy(EXAMPLES / "sb.py", copied)
    assert replay(copied, sb_tso, tmp_path).code == 1


def test_edited_model_file(tmp_path: Path) -> None:
    model = tmp_path / "uaf.py"
    shutil.copy(EXAMPLES / "uaf.py", model)
    report = check_json(model, "sc")
    source = model.read_text()
    fixed = source.replace("    kfree(p)\n", "    synchronize_rcu()\n    kfree(p)\n").replace(
        "import NULL,", "import NULL, synchronize_rcu,")
    assert fixed != source
    model.write_text(fixed)
    refused(replay(model, report, tmp_path),
            f"the model file {model.resolve()} changed since the record was taken")
    model.write_text(source + "\n# a comment\n")
    refused(replay(model, report, tmp_path), "changed since the record was taken")
    model.write_text(source)
    assert replay(model, report, tmp_path).code == 1


def test_edited_user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module of the user's that the model imports is part of its source."""
    name = f"replay_helper_{tmp_path.name.replace('-', '_')}"
    helper = tmp_path / f"{name}.py"
    helper.write_text("from smpcheck import READ_ONCE, WRITE_ONCE\n\n\n"
                      "def publish(x, y):\n    WRITE_ONCE(x, 1)\n    return READ_ONCE(y)\n")
    model = write_model(tmp_path, f'''from {name} import publish
from smpcheck import Model, Var

x = Var(0)
y = Var(0)


def P0():
    return {{"r0": publish(x, y)}}


def P1():
    return {{"r0": publish(y, x)}}


MODEL = Model("SB via a helper", [P0, P1], not_exists="0:r0=0 /\\\\ 1:r0=0")
''')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)  # (and again when done)
    report = check_json(model, "tso")
    assert list(report["violations"][0]["replay"]["fingerprint"]["modules"]) == [name]
    assert replay(model, report, tmp_path).code == 1
    helper.write_text(helper.read_text().replace("    return", "    smp_mb()\n    return")
                      .replace("import READ", "import smp_mb, READ"))
    refused(replay(model, report, tmp_path), f"module {name}", "changed since the record")


def test_other_bound_or_version(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    refused(replay(EXAMPLES / "sb.py", sb_tso, tmp_path, "--loop-bound", "3"),
            "recorded with loop_bound 8, replayed with 3", "--loop-bound 8")
    old = copy.deepcopy(sb_tso)
    old["violations"][0]["replay"]["fingerprint"]["smpcheck"] = "0.0.1"
    refused(replay(EXAMPLES / "sb.py", old, tmp_path), "recorded by smpcheck 0.0.1")
    bare = copy.deepcopy(sb_tso)
    del bare["violations"][0]["replay"]["fingerprint"]
    refused(replay(EXAMPLES / "sb.py", bare, tmp_path), "no 'fingerprint'")


def test_record_of_a_kvm_design(tmp_path: Path) -> None:
    """A KVM design is built by the library, not loaded from a file: its JSON report
    has replay records without a fingerprint, which --replay refuses."""
    res = smpcheck("kvm", "check", "unmap-nolock-2013", "--scenario", "core", "--mm", "tso",
                   "--json")
    assert res.code == 1 and res.json()["violations"][0]["replay"]["fingerprint"] is None
    refused(replay(EXAMPLES / "sb.py", res.json(), tmp_path), "it has no fingerprint")


# -- an edited record does not reproduce ----------------------------------------------------
def _token(report: dict[str, Any]) -> dict[str, Any]:
    token: dict[str, Any] = report["violations"][0]["replay"]
    return token


def _swap_co(r: dict[str, Any]) -> None:
    _token(r)["co"]["g.gp"].reverse()


def _kind(r: dict[str, Any]) -> None:
    _token(r)["events"][5][2] = "F"  # kfree(p) as a fence (after its POISON store)


def _location(r: dict[str, Any]) -> None:
    _token(r)["events"][1][3] = "g.gp"


def _rf_key(r: dict[str, Any]) -> None:
    _token(r)["rf"]["1:0"] = "0:3"  # the reader reads NULL: it dereferences nothing


def _rf_renamed(r: dict[str, Any]) -> None:
    rf = _token(r)["rf"]
    rf["1:2"] = rf.pop("1:1")  # the reader's second load, renamed to its end


def _rf_init(r: dict[str, Any]) -> None:
    _token(r)["rf"]["1:0"] = "init:g.gp"


def _memory_model(r: dict[str, Any]) -> None:
    r["memory_model"] = "lkmm"  # the report's, not the record's


@pytest.mark.parametrize("edit", [_swap_co, _kind, _location, _rf_key, _rf_renamed,
                                  _rf_init, _memory_model])
def test_edited_record(tmp_path: Path, edit: Any) -> None:
    """uaf under sc: each edit names another execution, one the model does not have or
    one without the violation, or contradicts the rest of the record."""
    report = check_json(EXAMPLES / "uaf.py", "sc")
    edited = copy.deepcopy(report)
    edit(edited)
    assert edited != report
    err = refused(replay(EXAMPLES / "uaf.py", edited, tmp_path))
    assert "does not reproduce" in err or "not a replay record" in err


def test_record_moved_to_another_memory_model(tmp_path: Path,
                                              sb_tso: dict[str, Any]) -> None:
    """SB's record says tso everywhere it can; moved to sc, its execution is forbidden."""
    edited = copy.deepcopy(sb_tso)
    edited["memory_model"] = "sc"
    _token(edited)["fingerprint"]["memory_model"] = "sc"
    refused(replay(EXAMPLES / "sb.py", edited, tmp_path), "does not reproduce",
            "under sc")


def test_uaf_record_is_what_the_edits_assume() -> None:
    token = _token(check_json(EXAMPLES / "uaf.py", "sc"))
    assert token["co"]["g.gp"] == ["0:2", "0:3"]
    assert token["events"][1][:3] == [0, 1, "W"] and token["events"][5][:3] == [0, 5, "D"]
    assert token["rf"]["1:0"] == "0:2"


def test_violation_that_does_not_recur(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    edited = copy.deepcopy(sb_tso)
    edited["violations"][0]["message"] = "something else"
    refused(replay(EXAMPLES / "sb.py", edited, tmp_path), "does not reproduce",
            "not the recorded condition: something else")


def test_execution_without_the_violation(tmp_path: Path, sb_tso: dict[str, Any]) -> None:
    """CPU 1 reading x = 1 is an execution of SB, one that satisfies the condition."""
    edited = copy.deepcopy(sb_tso)
    _token(edited)["rf"]["1:1"] = "0:0"
    refused(replay(EXAMPLES / "sb.py", edited, tmp_path), "does not reproduce",
            "happens without the recorded violation")


def test_model_that_reads_the_environment(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The source is unchanged but the model now does something else: the recorded
    execution is not among its executions, and the replay asks about determinism."""
    model = write_model(tmp_path, '''import os
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)
y = Var(0)


def P0():
    WRITE_ONCE(y if os.environ.get("SMPCHECK_TEST_SWAP") else x, 1)
    return {"r0": READ_ONCE(y)}


def P1():
    WRITE_ONCE(y, 1)
    return {"r0": READ_ONCE(x)}


MODEL = Model("SB, or not", [P0, P1], not_exists="0:r0=0 /\\\\ 1:r0=0")
''')
    monkeypatch.delenv("SMPCHECK_TEST_SWAP", raising=False)
    report = check_json(model, "tso")
    monkeypatch.setenv("SMPCHECK_TEST_SWAP", "1")
    refused(replay(model, report, tmp_path), "does not reproduce",
            "event 0:0 is W y (", "the record has W x", "does not do the same thing")


# -- malformed records ------------------------------------------------------------------
def _report_with(path: list[Any], value: Any) -> Any:
    report = check_json(EXAMPLES / "sb.py", "tso")
    if not path:
        return value
    node: Any = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return report


V = ["violations", 0]
R = [*V, "replay"]
MALFORMED: list[tuple[list[Any], Any, str]] = [
    ([*R, "rf", "0:1"], "9:9", "9:9 is not a recorded write"),
    ([*R, "rf", "0:1"], "01:0", "01:0 is not an event"),
    ([*R, "rf", "0:1"], 7, "7 is not an event"),
    ([*R, "co"], [1], "co: [1] is not an object"),
    ([*R, "co", "x"], ["0:0", "0:0"], "twice"),
    ([*R, "co", "x"], ["1:0"], "not a recorded write of x"),
    ([*R, "co", "x"], "0:0", "not a list"),
    ([*R, "events"], {}, "events: {} is not a list"),
    ([*R, "events", 0], [0, 0, "W"], "is not [cpu, position, kind, location]"),
    ([*R, "events", 0], [0, -1, "W", "x"], "not both integers >= 0"),
    ([*R, "events", 0], [True, 0, "W", "x"], "not both integers >= 0"),
    ([*R, "events", 0], [0, 0, "Q", "x"], "kind Q is none of"),
    ([*R, "events", 0], [0, 0, "W", None], "location null"),
    ([*R, "events", 0], [0, 1, "R", "y"], "recorded twice"),
    ([*R, "events", 0], [0, 7, "W", "x"], "is missing"),
    ([*R, "fingerprint", "settings"], {"loop_bound": "8"}, "is not an integer"),
    ([*R, "fingerprint", "modules"], [], "is not an object"),
    ([*R, "fingerprint", "model_sha256"], None, "is not a string"),
    ([*R, "fingerprint", "memory_model"], "arm", "arm is none of smpcheck's memory models"),
    ([*R], [], "replay: [] is not an object"),
    ([*V, "kind"], 3, "kind: 3 is not a string"),
    ([*V, "cpu"], "0", "is not an integer or null"),
    (["violations"], {"0": {}}, "is not a list"),
    (["violations"], [[]], "violations[0]: [] is not an object"),
    (["violations"], [], "no violation to replay"),
    (["violations"], [{"replay": None}], "no violation to replay"),
    (["memory_model"], ["tso"], "memory_model [\"tso\"]"),
    ([], [{"violations": []}], "not a JSON object"),
    ([], None, "not a JSON object"),
]


@pytest.mark.parametrize(("path", "value", "says"), MALFORMED)
def test_malformed_record(tmp_path: Path, path: list[Any], value: Any, says: str) -> None:
    refused(replay(EXAMPLES / "sb.py", _report_with(path, value), tmp_path), says)


@pytest.mark.parametrize(("raw", "says"), [
    (b"\xff\xfe{}", "not UTF-8 (byte 0xff at offset 0)"),
    (b'{"violations": "\xc3("}', "not UTF-8"),
    (b"", "not JSON"),
    (b"{not json", "not JSON"),
    (b"[" * 100000, "not JSON"),
    (b'{"violations": [{"kind": "x", "message": "y", "cpu": NaN, "replay": {}}]}',
     "NaN is not an integer"),
    (b'"violations"', "not a JSON object"),
    (b'{"violations": [1e999]}', "Infinity is not an object"),
    (b'{"violations": "\\ud800"}', "\\ud800 is not a list"),
])
def test_unreadable_record(tmp_path: Path, raw: bytes, says: str) -> None:
    refused(replay(EXAMPLES / "sb.py", raw, tmp_path), says)


def test_missing_record(tmp_path: Path) -> None:
    res = smpcheck("check", EXAMPLES / "sb.py", "--replay", tmp_path / "absent.json")
    assert res.code == 2 and "absent.json: cannot read the replay file" in res.err


# -- fuzzing: a mutated record never passes for a check ----------------------------------------
BASES = [("sb", "tso"), ("uaf", "sc"), ("abba", "lkmm"), ("endless-wait", "tso"),
         ("counter-nolock", "lkmm"), ("peterson", "tso")]
_RECORDS: dict[tuple[str, str], dict[str, Any]] = {}


def _record(name: str, mm: str) -> dict[str, Any]:
    if (name, mm) not in _RECORDS:
        _RECORDS[(name, mm)] = check_json(EXAMPLES / f"{name}.py", mm, "--all")
    return copy.deepcopy(_RECORDS[(name, mm)])


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 12) | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)
WORDS = st.sampled_from(["R", "W", "F", "E", "B", "A", "D", "N", "x", "y", "g.gp", "A.locked",
                         "counter", "sc", "tso", "lkmm", "init:x", "init:y", "0:0", "0:1",
                         "1:0", "1:1", "1:2", "9:9", "condition", "data-race"])


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON tree (as a path of keys and indices)."""
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _nodes(v, (*path, i))
    return out


def _mutate(data: Any, draw: Any) -> Any:
    places = [p for p in _nodes(data) if p]
    if not places:
        return draw(JSON)
    path = draw(st.sampled_from(places))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key, value = path[-1], parent[path[-1]]
    op = draw(st.sampled_from(["delete", "rename", "replace", "word", "tweak", "swap"]))
    if op == "delete":
        del parent[key]
    elif op == "rename" and isinstance(parent, dict):
        parent[draw(WORDS | st.text(max_size=4))] = parent.pop(key)
    elif op == "word":
        parent[key] = draw(WORDS)
    elif op == "tweak" and isinstance(value, int) and not isinstance(value, bool):
        parent[key] = value + draw(st.sampled_from([-1, 1, 2, 10]))
    elif op == "swap" and isinstance(value, list) and len(value) > 1:
        i, j = draw(st.sampled_from([(a, b) for a in range(len(value))
                                     for b in range(len(value)) if a < b]))
        value[i], value[j] = value[j], value[i]
    else:
        parent[key] = draw(JSON)
    return data


@st.composite
def mutated(draw: Any) -> tuple[str, Any]:
    """A record mutated blindly: keys dropped or renamed, values of other types."""
    name, mm = draw(st.sampled_from(BASES))
    report = _record(name, mm)
    report = single(report, draw(st.integers(0, len(report["violations"]) - 1)))
    # most mutations where they matter: the replay record itself
    target = draw(st.sampled_from(["record", "record", "record", "report"]))
    data = report["violations"][0]["replay"] if target == "record" else report
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    if target == "record":
        report["violations"][0]["replay"] = data
    else:
        report = data
    return name, report


def _edit(report: dict[str, Any], draw: Any) -> None:
    """One edit that keeps the record well formed: another write read from, another
    coherence order, a CPU's last events dropped, another violation or memory model."""
    token = _token(report)
    writes: dict[str, list[str]] = {}
    for tid, idx, kind, loc in token["events"]:
        if kind == "W":
            writes.setdefault(loc, []).append(f"{tid}:{idx}")
    what = draw(st.sampled_from(["rf", "co", "drop", "violation", "mm", "bound"]))
    if what == "rf" and token["rf"]:
        read = draw(st.sampled_from(sorted(token["rf"])))
        loc = next(e[3] for e in token["events"] if f"{e[0]}:{e[1]}" == read)
        token["rf"][read] = draw(st.sampled_from([f"init:{loc}", *writes.get(loc, [])]))
    elif what == "co" and token["co"]:
        loc = draw(st.sampled_from(sorted(token["co"])))
        token["co"][loc] = draw(st.permutations(token["co"][loc]))
    elif what == "drop":
        tid = draw(st.sampled_from(sorted({e[0] for e in token["events"]})))
        last = max(e[1] for e in token["events"] if e[0] == tid)
        dropped = {f"{tid}:{i}" for i in range(draw(st.integers(0, last)), last + 1)}
        token["events"] = [e for e in token["events"] if f"{e[0]}:{e[1]}" not in dropped]
        token["rf"] = {r: w for r, w in token["rf"].items()
                       if r not in dropped and w not in dropped}
        token["co"] = {loc: [w for w in ws if w not in dropped]
                       for loc, ws in token["co"].items()}
    elif what == "violation":
        other = draw(st.sampled_from(_RECORDS_FLAT))
        key = draw(st.sampled_from(["kind", "message", "cpu", "line"]))
        report["violations"][0][key] = other[key]
    elif what == "mm":
        mm = draw(st.sampled_from(MMS))
        report["memory_model"] = token["fingerprint"]["memory_model"] = mm
    else:
        token["fingerprint"]["settings"]["loop_bound"] = draw(st.integers(1, 9))


_RECORDS_FLAT = [v for name, mm in BASES for v in _record(name, mm)["violations"]]


@st.composite
def edited(draw: Any) -> tuple[str, Any]:
    """A record edited so that it stays well formed (it may name another execution)."""
    name, mm = draw(st.sampled_from(BASES))
    report = _record(name, mm)
    report = single(report, draw(st.integers(0, len(report["violations"]) - 1)))
    for _ in range(draw(st.integers(1, 2))):
        _edit(report, draw)
    return name, report


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated() | edited())
def test_fuzzed_record(case: tuple[str, Any]) -> None:
    """Exit 1 only when the mutated record still describes the violation the replay
    shows, in the execution it shows; else exit 2; never 0, 3, 4 or a traceback."""
    name, record = case
    with tempfile.TemporaryDirectory() as tmp:
        res = replay(EXAMPLES / f"{name}.py", record, Path(tmp), "--json")
    assert res.code in (1, 2), res
    event(f"exit {res.code}: " + next((w for w in ("not a replay record", "does not fit",
                                                   "does not reproduce") if w in res.err),
                                      "other"))
    if res.code == 2:  # --json: the error as a document on stdout, the message on stderr
        assert "record.json" in res.err, res
        doc = res.json()
        assert doc["exit"] == 2 and "record.json" in doc["error"]["message"] + str(
            doc["error"].get("file")), res
        return
    [shown] = res.json()["violations"]
    chosen = next(v for v in record["violations"] if v.get("replay") is not None)
    assert {k: shown[k] for k in ("kind", "message", "cpu", "line")} == {
        k: chosen[k] for k in ("kind", "message", "cpu", "line")}
    assert same_execution(shown["replay"], chosen["replay"])
    # the same source, memory model, settings and version (a path alone may differ)
    now, then = (dict(v["replay"]["fingerprint"], model_file="") for v in (shown, chosen))
    assert now == then
