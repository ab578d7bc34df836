"""The JSON report, --replay, --all, exit statuses and the CPU-column table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from smpcheck.report.cform import c_form, module_globals
from smpcheck.report.table import code_of
from tests.support.cli import EXAMPLES, check_json, line_of, smpcheck

SB = EXAMPLES / "sb.py"
TWO_CPU_VIOLATIONS = [("sb", "tso"), ("sb", "lkmm"), ("mp", "lkmm"), ("peterson", "tso"),
                      ("peterson", "lkmm"), ("counter-nolock", "sc"), ("uaf", "sc"),
                      ("uaf", "tso"), ("uaf", "lkmm"), ("abba", "sc"), ("endless-wait", "tso")]


def test_json_fields() -> None:
    data = check_json(SB, "tso")
    assert data["verdict"] == "violation" and data["memory_model"] == "tso"
    assert isinstance(data["executions"], int) and data["executions"] >= 1
    assert isinstance(data["blocked"], int) and data["blocked"] == 0
    assert isinstance(data["elapsed_s"], float) and data["elapsed_s"] >= 0
    [v] = data["violations"]
    assert set(v) >= {"kind", "message", "cpu", "line", "trace"}
    assert v["kind"] == "condition" and "0:r0=0" in v["message"]
    rows = v["trace"]
    assert {r["cpu"] for r in rows} == {0, 1}
    reads = [(r["cpu"], r["line"], r["loc"], r["value"]) for r in rows if r["kind"] == "R"]
    assert sorted(reads) == [(0, line_of(SB, "r0 = READ_ONCE(y)"), "y", 0),
                             (1, line_of(SB, "r0 = READ_ONCE(x)"), "x", 0)]
    assert {r["line"] for r in rows if r["failing"]} == {line_of(SB, "READ_ONCE(y)"),
                                                          line_of(SB, "READ_ONCE(x)")}


@pytest.mark.parametrize(("name", "mm", "verdict", "code"), [
    ("sb", "sc", "safe", 0), ("sb", "tso", "violation", 1), ("uaf", "sc", "violation", 1)])
def test_exit_status_matches_verdict(name: str, mm: str, verdict: str, code: int) -> None:
    res = smpcheck("check", EXAMPLES / f"{name}.py", "--mm", mm)
    assert res.code == code and f"under {mm}: {verdict}" in res.out.splitlines()[0]
    assert check_json(EXAMPLES / f"{name}.py", mm)["verdict"] == verdict


def test_incomplete_at_max_executions_is_exit_3() -> None:
    res = smpcheck("check", EXAMPLES / "sb-mb.py", "--max-executions", "1", "--json")
    data = res.json()
    assert res.code == 3 and data["verdict"] is None and data["complete"] is False
    assert data["exit"] == 3 and "--max-executions" in data["incomplete"][0]["message"]
    text = smpcheck("check", EXAMPLES / "sb-mb.py", "--max-executions", "1").out
    assert "incomplete" in text and "every execution" not in text


def test_safe_says_the_bound_was_covered() -> None:
    res = smpcheck("check", EXAMPLES / "sb-mb.py", "--mm", "tso")
    assert res.code == 0
    assert "every execution of this bounded configuration was checked" in res.out
    assert re.search(r"^3 executions explored, 0 blocked", res.out, re.M)


def violations_of(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(v["kind"], v["line"], v["cpu"], v["message"]) for v in data["violations"]]


@pytest.mark.parametrize(("name", "mm"), [("sb", "tso"), ("uaf", "lkmm"), ("peterson", "tso"),
                                          ("abba", "sc"), ("endless-wait", "lkmm"),
                                          ("counter-nolock", "sc")])
def test_replay_reproduces_the_violation(tmp_path: Path, name: str, mm: str) -> None:
    path = EXAMPLES / f"{name}.py"
    recorded = check_json(path, mm)
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(recorded))
    for _ in range(2):  # deterministic: the same every time
        replayed = check_json(path, mm, "--replay", str(rec))
        assert violations_of(replayed) == violations_of(recorded)
        assert replayed["violations"][0]["trace"] == recorded["violations"][0]["trace"]
    # without --mm the recorded memory model is used
    res = smpcheck("check", path, "--replay", rec, "--json")
    assert res.json()["memory_model"] == mm
    assert violations_of(res.json()) == violations_of(recorded)


def test_all_lists_every_distinct_violation() -> None:
    path = EXAMPLES / "peterson.py"
    first = check_json(path, "lkmm")
    every = check_json(path, "lkmm", "--all")
    assert len(first["violations"]) == 1
    kinds = [v["kind"] for v in every["violations"]]
    assert sorted(kinds) == ["condition", "data-race"]
    assert len({(v["kind"], v["line"]) for v in every["violations"]}) == len(kinds)
    assert every["executions"] > first["executions"]
    text = smpcheck("check", path, "--mm", "lkmm", "--all").out
    assert "data-race:" in text and "condition:" in text


def cells_of(table: list[str]) -> list[tuple[bool, int, str]]:
    """Each table row as (marked, column, cell text), continuation lines joined,
    function headers (``f():``) left out."""
    out: list[tuple[bool, int, str]] = []
    for line in table:
        col = 0 if line[3:40].strip() else 1
        raw = line[3 + 39 * col:]
        if re.fullmatch(r"\w+\(\):", raw.strip()):
            continue
        if raw.startswith("       ") and out and out[-1][1] == col:
            out[-1] = (out[-1][0], col, out[-1][2] + " " + raw.strip())
        else:
            out.append((line.startswith("=> "), col, raw.strip()))
    return out


def table_of(text: str) -> list[str]:
    """The table lines of the first violation of a text report."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("   CPU 0"))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return lines[start:end]


@pytest.mark.parametrize(("name", "mm"), TWO_CPU_VIOLATIONS)
def test_two_cpus_fit_in_80_columns(name: str, mm: str) -> None:
    res = smpcheck("check", EXAMPLES / f"{name}.py", "--mm", mm)
    table = table_of(res.out)
    assert max(len(line) for line in table) <= 80
    assert "CPU 1" in table[0]
    assert max(len(line) for line in res.out.splitlines()[:6]) <= 80  # the header wraps too


@pytest.mark.parametrize(("name", "mm"), TWO_CPU_VIOLATIONS)
def test_cells_are_the_source_lines_with_values(name: str, mm: str) -> None:
    path = EXAMPLES / f"{name}.py"
    res = smpcheck("check", path, "--mm", mm)
    [v] = check_json(path, mm)["violations"]
    table = cells_of(table_of(res.out)[2:])
    code_rows = [r for r in v["trace"] if r["line"]]
    assert len(table) == len(v["trace"])
    source = path.read_text().splitlines()
    for (marked, col, cell), row in zip(table, v["trace"], strict=True):
        assert marked == row["failing"]
        if not row["line"]:
            continue
        assert col == row["cpu"], cell
        assert cell.startswith(f"{row['line']}: ")
        shown = " ".join(cell.split(": ", 1)[1].split())
        c_code = c_form(code_of(source[row["line"] - 1]), module_globals(row["file"]))
        code = " ".join(c_code.split())
        assert shown.startswith(code) or row["kind"] == "B", (shown, code)
        if row["kind"] == "R":
            assert re.sub(r"\s+\(no .*\)$", "", cell).endswith(f"-> {row['value']}")
    assert code_rows and any(r["failing"] for r in v["trace"])


def test_rows_follow_program_order() -> None:
    for name, mm in TWO_CPU_VIOLATIONS:
        [v] = check_json(EXAMPLES / f"{name}.py", mm)["violations"]
        for cpu in (0, 1):
            lines = [r["line"] for r in v["trace"] if r["cpu"] == cpu and r["line"]
                     and r["kind"] in "RWAD"]
            assert lines == sorted(lines), (name, mm, cpu)


def replay_machine(trace: list[dict[str, Any]], tso: bool) -> None:
    """Run the table's rows on an SC or x86-TSO machine: every read must return the
    value it shows, and every buffered store must reach memory in FIFO order."""
    memory: dict[str, Any] = {}
    buffers: dict[int, list[tuple[str, Any]]] = {0: [], 1: []}
    for r in trace:
        cpu, loc = r["cpu"], r["loc"]
        if r["kind"] == "R":
            own = [v for (lc, v) in buffers[cpu] if lc == loc]
            assert r["value"] == (own[-1] if own else memory.get(loc, 0)), r
        elif r["kind"] == "W" and r["note"] == "buffered":
            assert tso, r
            buffers[cpu].append((loc, r["value"]))
        elif r["kind"] == "W":
            assert not buffers[cpu], f"store passed an earlier buffered store: {r}"
            memory[loc] = r["value"]
        elif r["kind"] == "visible":
            assert tso and buffers[cpu] and buffers[cpu][0] == (loc, r["value"]), r
            memory[loc] = buffers[cpu].pop(0)[1]
    assert buffers == {0: [], 1: []}, "a store never reached memory"


@pytest.mark.parametrize(("name", "mm"), [("sb", "tso"), ("peterson", "tso"),
                                          ("counter-nolock", "sc"), ("counter-nolock", "tso"),
                                          ("uaf", "sc"), ("uaf", "tso")])
def test_rows_are_an_execution_of_the_machine(name: str, mm: str) -> None:
    data = check_json(EXAMPLES / f"{name}.py", mm, "--all")
    graphs = [v for v in data["violations"] if v["trace"]]
    assert graphs
    for v in graphs:
        replay_machine(v["trace"], mm == "tso")


def test_tso_table_shows_the_drain() -> None:
    out = smpcheck("check", SB, "--mm", "tso").out
    table = table_of(out)
    store = next(i for i, line in enumerate(table) if "WRITE_ONCE(x, 1)" in line)
    drain = next(i for i, line in enumerate(table) if "(x = 1 reaches memory)" in line)
    load = next(i for i, line in enumerate(table) if "READ_ONCE(x)" in line)
    assert "(buffered)" in table[store]
    assert store < load < drain  # CPU 1 reads x while the store is still buffered
    assert table[load].endswith("-> 0")


def test_warning_is_shown_in_the_text_report(tmp_path: Path) -> None:
    path = tmp_path / "w.py"
    path.write_text("from smpcheck import *\n\nx = Var(0)\n\n\ndef P0():\n"
                    "    WARN_ON(READ_ONCE(x) == 0)\n\n\nMODEL = Model('w', [P0])\n")
    res = smpcheck("check", path)
    assert res.code == 0 and f"WARN_ON() triggered at {path}:7" in res.out


@pytest.mark.parametrize(("name", "barrier", "first", "then"),
                         [("sb", "smp_mb()", "WRITE_ONCE(x, 1)", "READ_ONCE(y)"),
                          ("mp", "smp_rmb()", "READ_ONCE(flag)", "READ_ONCE(data)")])
def test_lkmm_rows_name_the_missing_order(name: str, barrier: str, first: str,
                                          then: str) -> None:
    """Under the LKMM a marked access says what would have ordered it after the access
    before it on its CPU; the fixed examples have no such row (they are safe)."""
    path = EXAMPLES / f"{name}.py"
    cells = [c for m, _, c in cells_of(table_of(smpcheck("check", path, "--mm", "lkmm").out))
             if m]
    want = f"(no {barrier}"
    note = next(c for c in cells if then in c)
    assert want in note and f"at line {line_of(path, first)} and this load" in note
    assert smpcheck("check", path, "--mm", "tso").out.count("(no ") == 0
