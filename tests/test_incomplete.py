"""A verdict only for a complete run, through every command and output.

A run that a bound cut short (``--max-executions``, ``--timeout``, the loop bound,
the bound on one CPU's events) prints no verdict -- no "safe", no herd
Observation, Ok or No -- says what cut it and how to lift it, and exits 3; its
JSON has ``complete`` false and a null verdict.  A violation found before the cut
is real: exit 1.  The inputs are generated models and the shared litmus tests;
how many executions a complete run visits comes from a complete run.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from smpcheck._rt.loader import load_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.results.result import Limit
from tests.conftest import with_lkmm
from tests.litmus.conftest import kernel_litmus_files, lkmm_dir, x86_rows
from tests.support.cli import herd, line_of, smpcheck

VERDICT_LINE = re.compile(r"^(Observation .*|Ok|No|Positive: .*|Hash=.*|States \d+)$", re.M)
HERD_VERDICTS = ("Never", "Sometimes", "Always")
SLOW = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------ inputs


@st.composite
def model_sources(draw: Any) -> str:
    """A model file: 2-3 CPUs of marked reads, writes and smp_mb() over 1-2 variables,
    with a condition on some registers (so that some models have violations)."""
    nlocs = draw(st.integers(1, 2))
    loc = st.integers(0, nlocs - 1)
    op = st.one_of(st.tuples(st.just("w"), loc, st.integers(1, 2)),
                   st.tuples(st.just("r"), loc), st.just(("mb",)))
    lines = ["from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var, smp_mb", ""]
    lines += [f"v{i} = Var(0)" for i in range(nlocs)]
    props, cpus = [], []
    for c in range(draw(st.integers(2, 3))):
        lines += ["", "", f"def P{c}():"]
        nreg = 0
        for o in draw(st.lists(op, min_size=1, max_size=3)):
            if o[0] == "w":
                lines.append(f"    WRITE_ONCE(v{o[1]}, {o[2]})")
            elif o[0] == "r":
                lines.append(f"    r{nreg} = READ_ONCE(v{o[1]})")
                nreg += 1
            else:
                lines.append("    smp_mb()")
        lines.append("    return {" + ", ".join(f'"r{k}": r{k}' for k in range(nreg)) + "}")
        if nreg:
            props.append(f"{c}:r0={draw(st.integers(0, 2))}")
        cpus.append(f"P{c}")
    quantifier = draw(st.sampled_from(["exists", "not_exists", "forall"]))
    prop = " /\\\\ ".join(props) or "v0=0"
    lines += ["", "", f'MODEL = Model("gen", [{", ".join(cpus)}], {quantifier}="{prop}")', ""]
    return "\n".join(lines)


def litmus_files() -> list[Path]:
    """The shared kernel C tests and x86 tests (empty without the shared data)."""
    return [*kernel_litmus_files(), *(lkmm_dir() / "x86" / r["file"] for r in x86_rows())]


@functools.cache
def full_litmus(path: Path, mm: str | None = None) -> dict[str, Any]:
    """The JSON of a complete run of ``smpcheck litmus PATH``."""
    res = smpcheck("litmus", path, "--json", *(("--mm", mm) if mm else ()))
    assert res.code == 0, res.err
    (run,) = res.json()["runs"]
    assert run["complete"] and run["verdict"] in HERD_VERDICTS
    return run


def visited(run: dict[str, Any]) -> int:
    """What --max-executions counts: executions and blocked ones."""
    return int(run["executions"]) + int(run["blocked"])


def assert_no_verdict_text(out: str) -> None:
    assert not VERDICT_LINE.search(out), out
    assert "safe" not in out and "every execution of this bounded" not in out


def assert_cut(cut: dict[str, Any], limit: Limit, value: float, option: str) -> None:
    """A JSON reason: the limit, its value, and advice naming the command's option."""
    assert (cut["limit"], cut["value"], cut["option"]) == (limit.value, value, option)
    assert option in cut["message"]


# ------------------------------------------------------------------ smpcheck check


@SLOW
@given(source=model_sources(), mm=st.sampled_from(["sc", "tso", "lkmm"]),
       every=st.booleans(), data=st.data())
def test_check_cut_short_never_says_safe(tmp_path: Path, source: str, mm: str, every: bool,
                                         data: st.DataObject) -> None:
    path = tmp_path / "gen.py"
    path.write_text(source)
    extra = ["--all"] if every else []
    full = smpcheck("check", path, "--mm", mm, "--json", *extra).json()
    assert full["complete"] and full["verdict"] in ("safe", "violation")
    total = full["executions"] + full["blocked"]
    assume(total > 1)
    n = data.draw(st.integers(1, total - 1), label="max_executions")
    res = smpcheck("check", path, "--mm", mm, "--json", "--max-executions", str(n), *extra)
    got = res.json()
    assert res.code == got["exit"] and "Traceback" not in res.err
    if got["verdict"] == "violation":  # found before the bound: real, exit 1
        assert full["verdict"] == "violation" and res.code == 1
        assert got["complete"] == (got["stopped_early"] and not every)
    else:
        assert got["verdict"] is None and res.code == 3 and not got["complete"]
        [cut] = got["incomplete"]
        assert_cut(cut, Limit.MAX_EXECUTIONS, n, "--max-executions")
    if every:  # nothing stops an --all run before the bound
        assert not got["complete"] and got["incomplete"]
    text = smpcheck("check", path, "--mm", mm, "--max-executions", str(n), *extra)
    assert text.code == res.code
    first = text.out.splitlines()[0]
    assert first.endswith(": violation" if res.code == 1 else ": incomplete, no verdict")
    assert "every execution of this bounded configuration" not in text.out
    if not got["complete"]:
        assert f"raise --max-executions (it is {n})" in " ".join(text.out.split())


@pytest.mark.parametrize("limit", [n for n in range(1, 7)])
def test_event_bound(tmp_path: Path, limit: int) -> None:
    """A CPU of 4 writes is cut by --max-events below 4, with the model line."""
    path = tmp_path / "events.py"
    path.write_text("from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\n\nx = Var(0)\n\n\n"
                    "def P0():\n" + "".join(f"    WRITE_ONCE(x, {i})\n" for i in range(1, 5))
                    + "\n\ndef P1():\n    return {'r0': READ_ONCE(x)}\n\n\n"
                    'MODEL = Model("events", [P0, P1], exists="1:r0=4")\n')
    res = smpcheck("check", path, "--json", "--max-events", str(limit))
    data = res.json()
    if limit >= 4:
        assert (res.code, data["verdict"], data["complete"]) == (0, "safe", True)
        return
    assert (res.code, data["verdict"], data["complete"]) == (3, None, False)
    [cut] = data["incomplete"]
    assert_cut(cut, Limit.MAX_EVENTS, limit, "--max-events")
    # the line of the first write past the bound
    assert (cut["file"], cut["line"], cut["cpu"]) == (str(path), 7 + limit, 0)
    assert "does a loop lack cpu_relax()?" in cut["message"]


def test_timeout_cuts_a_run(tmp_path: Path) -> None:
    """A model whose CPU sleeps 50 ms: a 10 ms --timeout stops it before it has explored
    all (after one execution, or none on a loaded machine, where starting the run can
    take the 10 ms)."""
    path = tmp_path / "sleepy.py"
    path.write_text("import time\n\nfrom smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\n\n"
                    "x = Var(0)\n\n\ndef P0():\n    WRITE_ONCE(x, 1)\n\n\ndef P1():\n"
                    "    r0 = READ_ONCE(x)\n    time.sleep(0.05)\n    return {'r0': r0}\n\n\n"
                    'MODEL = Model("sleepy", [P0, P1], exists="1:r0=1")\n')
    full = smpcheck("check", path, "--json")
    assert full.code == 0 and full.json()["executions"] == 2  # (P1 reads 0 or 1)
    res = smpcheck("check", path, "--timeout", "0.01", "--json")
    data = res.json()
    assert (res.code, data["verdict"]) == (3, None) and data["executions"] <= 1
    assert_cut(data["incomplete"][0], Limit.TIMEOUT, 0.01, "--timeout")
    text = smpcheck("check", path, "--timeout", "0.01").out
    assert "incomplete, no verdict" in text and "raise --timeout (it is 0.01)" in text
    # no "exists ... no execution satisfies" finding from a partial run either
    assert "no execution satisfies" not in text


# ------------------------------------------------------------------ smpcheck litmus


@pytest.fixture(scope="module")
def litmus() -> list[Path]:
    files = litmus_files()
    if not files:
        pytest.skip(f"no shared litmus tests at {lkmm_dir()}")
    return files


@SLOW
@given(data=st.data())
def test_litmus_cut_short_prints_no_verdict(litmus: list[Path], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(litmus), label="file")
    full = full_litmus(path)
    assume(visited(full) > 1)
    n = data.draw(st.integers(1, visited(full) - 1), label="max_executions")
    res = smpcheck("litmus", path, "--max-executions", str(n))
    assert res.code == 3 and "Traceback" not in res.err
    assert_no_verdict_text(res.out)
    assert f"Incomplete {full['test']}: no verdict" in res.out
    assert f"raise --max-executions (it is {n})" in res.out
    doc = smpcheck("litmus", path, "--max-executions", str(n), "--json").json()
    assert (doc["complete"], doc["exit"]) == (False, 3)
    [run] = doc["runs"]
    assert (run["verdict"], run["ok"], run["complete"]) == (None, None, False)
    [cut] = run["incomplete"]
    assert_cut(cut, Limit.MAX_EXECUTIONS, n, "--max-executions")
    table = smpcheck("litmus", path, "--max-executions", str(n), "--table")
    assert table.code == 3 and "No execution under" not in table.out


@SLOW
@given(data=st.data())
def test_litmus_compare_cut_short(litmus: list[Path], data: st.DataObject) -> None:
    """--compare: a model cut short has no verdict, and a state it did not reach is
    neither shown as forbidden (-) nor named as "not allowed by" it."""
    path = data.draw(st.sampled_from(litmus), label="file")
    mms = ["sc", "tso"] if "x86" in path.parts else ["sc", "lkmm"]
    totals = {mm: visited(full_litmus(path, mm)) for mm in mms}
    assume(max(totals.values()) > 1)
    n = data.draw(st.integers(1, max(totals.values()) - 1), label="max_executions")
    res = smpcheck("litmus", path, "--compare", ",".join(mms), "--max-executions", str(n))
    assert res.code == 3 and "Traceback" not in res.err
    lines = res.out.splitlines()
    header = next(line for line in lines if line.startswith("  final state"))
    columns = header.split()[2:]
    assert columns == mms
    [verdicts] = [line.split()[1:] for line in lines if line.startswith("  verdict")]
    rows = [line for line in lines if re.match(r"^[* ] \S+=", line)]
    for k, mm in enumerate(mms):
        if n < totals[mm]:
            assert verdicts[k] == "incomplete"
            assert all(row.split()[-len(mms) + k] != "-" for row in rows)
            assert not any(re.search(rf", not by .*\b{mm}\b", line) for line in lines)
            assert f"{mm}: incomplete, no verdict" in lines
        else:
            assert verdicts[k] in (*HERD_VERDICTS, "incomplete")


def test_bad_file_among_good_ones_with_json(tmp_path: Path, litmus: list[Path]) -> None:
    bad = tmp_path / "bad.litmus"
    bad.write_text("C bad\n{}\nP0(int *x) { WRITE_TWICE(*x, 1); }\nexists (x=1)\n")
    good = litmus[0]
    res = smpcheck("litmus", good, bad, "--json")
    doc = res.json()
    assert res.code == doc["exit"] == 2 and doc["complete"] is True
    [run] = doc["runs"]
    assert run["file"] == str(good) and run["verdict"] == full_litmus(good)["verdict"]
    [err] = doc["errors"]
    assert (err["file"], err["line"]) == (str(bad), 3) and "WRITE_TWICE" in err["message"]


# ------------------------------------------------------------------ loop bound, herd


def loop_litmus(tmp_path: Path, k: int) -> Path:
    """P0 writes 0..k-1 to x in a loop of k iterations; P1 reads x once."""
    path = tmp_path / f"loop{k}.litmus"
    path.write_text(f"C loop{k}\n{{}}\nP0(int *x) {{ int i; i = 0; while (i < {k}) "
                    "{ WRITE_ONCE(*x, i); i = i + 1; } }\n"
                    "P1(int *x) { int r0; r0 = READ_ONCE(*x); }\nexists (1:r0=3)\n")
    return path


def loop_observation(k: int) -> tuple[str, int, int]:
    """By hand: P1 reads the initial 0 or one of the k writes; r0=3 in one of those
    k + 1 executions when k > 3."""
    positive = 1 if k > 3 else 0
    return ("Sometimes" if positive else "Never", positive, k + 1 - positive)


@with_lkmm
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 12), bound=st.integers(1, 14), herd_mode=st.booleans())
def test_loop_bound(tmp_path: Path, k: int, bound: int, herd_mode: bool) -> None:
    """A loop of k iterations needs a bound above k (its head runs k + 1 times); below,
    no verdict and the advice names the command's own option."""
    path = loop_litmus(tmp_path, k)
    if herd_mode:
        res = herd("-conf", lkmm_dir() / "linux-kernel.cfg", "-unroll", str(bound), path)
        option = "-unroll"
    else:
        res = smpcheck("litmus", path, "--loop-bound", str(bound))
        option = "--loop-bound"
    assert "Traceback" not in res.err
    if bound > k:
        verdict, pos, neg = loop_observation(k)
        assert res.code == 0
        assert f"Observation loop{k} {verdict} {pos} {neg}" in res.out
        return
    assert res.code == 3
    assert_no_verdict_text(res.out)
    said = res.err if herd_mode else res.out
    assert f"{path}:3: a loop ran {bound} iteration{'s' if bound > 1 else ''}" in said
    assert f"raise {option} (it is {bound})" in said


@with_lkmm
def test_herd_loop_bound_without_timeout(tmp_path: Path) -> None:
    """smpcheck-herd at its default loop bound (8), no -timeout given: exit 3, no block."""
    res = herd("-conf", lkmm_dir() / "linux-kernel.cfg", loop_litmus(tmp_path, 9))
    assert (res.code, res.out) == (3, "")
    assert "raise -unroll (it is 8)" in res.err and "Traceback" not in res.err


def test_herd_timeout(tmp_path: Path, litmus: list[Path]) -> None:
    """-timeout with a clock that moves a second per reading: no block, exit 3, the
    advice names -timeout; the other tests are still printed."""
    cfg = lkmm_dir() / "linux-kernel.cfg"
    ok = herd("-conf", cfg, litmus[0])
    with mock.patch("smpcheck.explore.explorer.monotonic", FakeClock().monotonic):
        res = herd("-conf", cfg, "-timeout", "0.5", litmus[0])
    assert (res.code, res.out) == (3, "")
    assert "stopped after 0.5 s: raise -timeout (it is 0.5)" in res.err
    assert ok.code == 0 and "Observation" in ok.out


@SLOW
@given(data=st.data())
def test_herd_max_executions_counts_executions_found(litmus: list[Path],
                                                     data: st.DataObject) -> None:
    """SMPCHECK_MAX_EXECUTIONS below a test's executions cuts smpcheck-herd's run, which
    judges them in batches larger than the bound: exit 3, no block, the advice names the
    variable."""
    path = data.draw(st.sampled_from(kernel_litmus_files()), label="file")
    cfg = lkmm_dir() / "linux-kernel.cfg"
    full = herd("-conf", cfg, path)
    [(pos, neg)] = re.findall(r"^Positive: (\d+) Negative: (\d+)$", full.out, re.M)
    total = int(pos) + int(neg)
    assume(total > 1)
    n = data.draw(st.integers(1, total - 1), label="max_executions")
    with mock.patch.dict("os.environ", {"SMPCHECK_MAX_EXECUTIONS": str(n)}):
        res = herd("-conf", cfg, path)
    assert (res.code, res.out) == (3, ""), res.err
    assert f"raise SMPCHECK_MAX_EXECUTIONS (it is {n})" in res.err


class FakeClock:
    """The explorer's clock: each reading is a second after the last."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


# ------------------------------------------------------------------ kvm


def test_kvm_matrix_cell_cut_short() -> None:
    args = ["kvm", "matrix", "--model", "unmap-nolock-2013", "--scenario", "core", "--mm",
            "sc", "--variant", "fence_after_publish=smp_mb,fence_before_check=smp_mb"]
    full = smpcheck(*args, "--json")
    assert full.code == 0
    cells = full.json()["cells"]
    assert cells and all(c["complete"] and c["verdict"] in ("safe", "violation") for c in cells)
    res = smpcheck(*args, "--max-events", "3")
    assert res.code == 3 and "safe" not in res.out and "violation" not in res.out
    assert len(re.findall(r"^  core +sc +incomplete ", res.out, re.M)) == len(cells)
    assert "raise --max-events (it is 3)" in res.out
    doc = smpcheck(*args, "--max-events", "3", "--json").json()
    assert (doc["complete"], doc["exit"]) == (False, 3)
    assert len(doc["cells"]) == len(cells)
    for cell in doc["cells"]:
        assert (cell["verdict"], cell["complete"]) == (None, False)
        assert_cut(cell["incomplete"][0], Limit.MAX_EVENTS, 3, "--max-events")


def test_kvm_check_cut_short() -> None:
    args = ["kvm", "check", "unmap-nolock-2013", "--scenario", "core", "--mm", "sc"]
    full = smpcheck(*args, "--json").json()
    assert full["verdict"] == "safe"
    n = full["executions"] + full["blocked"] - 1
    res = smpcheck(*args, "--max-executions", str(n))
    assert res.code == 3 and ": safe" not in res.out
    assert "incomplete, no verdict" in res.out


# ------------------------------------------------------------------ the engine


LOOP_MODEL = """from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)


def P0():
    i = 0
    while i < 3:
        WRITE_ONCE(x, i)
        i += 1


def P1():
    return {"r0": READ_ONCE(x)}


MODEL = Model("loop", [P0, P1])
"""


@pytest.mark.parametrize("options", [Settings(max_executions=1), Settings(loop_bound=1),
                                     Settings(max_events=1)], ids=["executions", "loop",
                                                                   "events"])
def test_engine_names_no_option(tmp_path: Path, options: Settings) -> None:
    """The explorer records which bound, its value and, for a bound the model hits,
    where; never an option's name (each command has its own)."""
    path = tmp_path / "loop.py"
    path.write_text(LOOP_MODEL)
    model, names = load_model(str(path))
    assert verify(model, names, "sc", Settings()).verdict is not None
    result = verify(model, names, "sc", options)
    assert not result.complete and result.verdict is None
    [cut] = result.incomplete
    assert cut.value == {Limit.MAX_EXECUTIONS: options.max_executions,
                         Limit.LOOP_BOUND: options.loop_bound,
                         Limit.MAX_EVENTS: options.max_events}[cut.limit]
    if cut.limit != Limit.MAX_EXECUTIONS:
        assert cut.src is not None and cut.src.path == str(path)
        where = "while" if cut.limit == Limit.LOOP_BOUND else "WRITE_ONCE(x, i)"
        assert cut.src.line == line_of(path, where)
    assert "-" not in str(cut).replace(str(cut.src), "")


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--timeout", "0.5", "stopped after 0.5 s: raise --timeout (it is 0.5)"),
    ("--max-events", "1", "issued 1 event, the bound on one CPU's events: raise "
                          "--max-events (it is 1)")])
def test_litmus_other_bounds(tmp_path: Path, option: str, value: str, said: str) -> None:
    """SB's CPUs have two accesses each: one event per CPU cuts every execution; the
    timeout runs with a clock that moves a second per reading."""
    path = tmp_path / "SB.litmus"
    path.write_text("C SB\n{}\nP0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); "
                    "r0 = READ_ONCE(*y); }\nP1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); "
                    "r0 = READ_ONCE(*x); }\nexists (0:r0=0 /\\ 1:r0=0)\n")
    assert smpcheck("litmus", path).code == 0
    with mock.patch("smpcheck.explore.explorer.monotonic", FakeClock().monotonic):
        res = smpcheck("litmus", path, option, value)
        doc = smpcheck("litmus", path, option, value, "--json").json()
    assert res.code == 3
    assert_no_verdict_text(res.out)
    assert said in res.out
    assert (doc["exit"], doc["runs"][0]["verdict"], doc["runs"][0]["ok"]) == (3, None, None)
