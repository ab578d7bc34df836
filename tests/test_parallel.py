"""-j: one exploration split into work units gives what one process gives.

The oracle is the run in one process: the same executions (counts, final states
and how many executions reach each, in the same order), the same verdict, the
same findings with the same counterexample executions, the same bounds hit.
Small programs are split finely (``split_depth``) so that every merge path runs:
most cases through the in-process runner (each task and result pickled as to
another process, the model built again from its recipe), a few through real
worker processes.
"""

from __future__ import annotations

import glob
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck._rt.loader import load_model
from smpcheck.errors import UsageError
from smpcheck.explore.explorer import Settings
from smpcheck.explore.parallel import split_tree, verify_parallel
from smpcheck.explore.replay_record import token_of
from smpcheck.explore.units import Task
from smpcheck.explore.verify import verify
from smpcheck.litmus.parse_common import parse_litmus
from smpcheck.litmus.run import run_litmus
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc
from smpcheck.models import get_model
from smpcheck.records import replace
from smpcheck.results.result import Cut, Limit, Result
from tests.conftest import LKMM, with_lkmm
from tests.support.cli import herd, smpcheck
from tests.support.diff_gen import litmus_tests
from tests.support.inc_model import inc_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(glob.glob(str(ROOT / "examples" / "*.py")))


def summary(r: Result) -> dict[str, Any]:
    """Everything a report shows of a result but the time, executions by token."""
    def found(vs: list[Any]) -> list[Any]:
        return [(v.key(), v.message, v.cpu, v.events,
                 token_of(v.graph) if v.graph is not None else None) for v in vs]

    return {"status": r.status, "executions": r.executions, "blocked": r.blocked,
            "outcomes": [(k, n) for k, n in r.outcomes.items()],
            "positive": r.positive, "negative": r.negative, "flags": r.flags,
            "incomplete": r.incomplete, "stopped_early": r.stopped_early,
            "violations": found(r.violations), "warnings": found(r.warnings),
            "witnesses": {k: token_of(g) for k, g in r.witnesses.items()},
            "condition": r.condition}


def split_result(model: Any, names: Any, mm: str, s: Settings) -> Result:
    """The run split at ``s.split_depth``; in one process where the split declines (reads
    that speculate need a pass over every unit's values; units that meet the same
    execution under the LKMM): what the caller then does."""
    r = verify_parallel(model, names, get_model(mm), s)
    if r is None:
        r = verify(model, names, mm, replace(s, split_depth=None, jobs=1))
    return r


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: Path(p).stem)
@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_examples_split_finely_match_one_process(path: str, mm: str) -> None:
    model, names = load_model(path)
    for all_violations in (False, True):
        one = summary(verify(model, names, mm, Settings(all_violations=all_violations)))
        for depth in (1, 3) if mm != "lkmm" else (2,):  # (lkmm: slower, fewer)
            s = Settings(all_violations=all_violations, split_depth=depth)
            assert summary(split_result(model, names, mm, s)) == one, (depth, all_violations)


def _litmus(text: str, mm: str, s: Settings) -> Any:
    test = parse_litmus(text, "gen.litmus")
    run = run_litmus(test, mm, s, text)
    return run, summary(run.result)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]),
       st.integers(1, 5))
def test_generated_litmus_split_matches_one_process(text: str, mm: str, depth: int) -> None:
    _split_matches_one_process(text, mm, depth)


def _split_matches_one_process(text: str, mm: str, depth: int) -> None:
    one_run, one = _litmus(text, mm, Settings())
    split_run, split = _litmus(text, mm, Settings(split_depth=depth))
    if split_run.result.elapsed_s == 0.0 and not one_run.result.complete:
        pytest.skip("cut short")
    assert split == one
    assert split_run.states == one_run.states and split_run.verdict == one_run.verdict


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=4, theme="lone"), st.sampled_from(["sc", "lkmm"]),
       st.integers(1, 5))
def test_lone_unlocks_split_match_one_process(text: str, mm: str, depth: int) -> None:
    """Unlocks that match no lock, spin_is_locked() and locks alone (a lone unlock
    revisits as a write does: a branch point where -j splits)."""
    _split_matches_one_process(text, mm, depth)


def _probe_stops_after(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs split in this process (as -j 1's fine split does) after a probe that stops
    after ``n`` executions (its own bound, as its time is): what it explored counts.
    (The probe is the way where workers cannot be forked: :class:`workers.Sharing`.)"""
    from smpcheck.explore import parallel, workers
    from smpcheck.explore.workers import run_here

    monkeypatch.setattr(parallel, "PROBE_EXECUTIONS", n)
    monkeypatch.setattr(parallel, "run_processes", lambda jobs: run_here)
    monkeypatch.setattr(workers, "_fork_safe", lambda: False)  # (the probe: no fork)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]),
       st.integers(1, 12))
def test_what_the_probe_explored_counts(text: str, mm: str, n: int) -> None:
    """The probe's executions and the units of the nodes it left: the same states,
    witnesses, findings and verdict as one process, wherever the probe stops."""
    with pytest.MonkeyPatch.context() as mp:
        _probe_stops_after(n, mp)
        split_run, split = _litmus(text, mm, Settings(jobs=2))
    one_run, one = _litmus(text, mm, Settings())
    assert split == one
    assert split_run.states == one_run.states and split_run.verdict == one_run.verdict


@pytest.mark.parametrize("n", [1, 2, 7, 40])
@pytest.mark.parametrize("path", EXAMPLES[:4], ids=lambda p: Path(p).stem)
def test_what_the_probe_explored_counts_in_models(path: str, n: int) -> None:
    from smpcheck.explore import parallel, units

    model, names = load_model(path)
    for mm, all_violations in (("tso", True), ("sc", False)):
        one = summary(verify(model, names, mm, Settings(all_violations=all_violations)))
        probed: list[Any] = []
        with pytest.MonkeyPatch.context() as mp:
            _probe_stops_after(n, mp)
            mp.setattr(parallel, "beyond", lambda u, left, seen=probed: (
                seen.append(left), units.beyond(u, left))[1])
            split = verify(model, names, mm, Settings(all_violations=all_violations, jobs=2))
        assert summary(split) == one
        if one["executions"] + one["blocked"] > n and (all_violations or not one["violations"]):
            assert probed  # (the probe's part was used, not thrown away)


@pytest.mark.parametrize("variant", [{"fence_before_check": "smp_mb"},
                                     {"fence_after_publish": "smp_mb"}],
                         ids=["check-fence", "publish-fence"])
def test_a_finding_made_again_is_of_the_first_pass(variant: dict[str, str]) -> None:
    """A finding of another process is made again by walking its node alone, to the
    end of that node's subtree: a walk that sees few executions, whose values may
    ask for a speculating pass the whole run never makes (it stops at the violation).
    The node's path names the first pass's tree: the walk must end with it (it went
    on into a second pass, with other children, and the path "left the tree": an
    internal error in KVM matrix runs, where the probe's time decided the split)."""
    from smpcheck.kvm.registry import get

    model, names = get("unmap-nolock-2013").build("core", variant)
    one = summary(verify(model, names, "lkmm", Settings()))
    assert one["violations"]
    for depth in (1, 4):
        assert summary(split_result(model, names, "lkmm", Settings(split_depth=depth))) == one


def test_what_the_probe_explored_counts_wherever_it_stops_in_kvm() -> None:
    """The KVM matrix cell whose -j run failed in 3 runs of 6: the probe stopped by
    its time, at any execution; here at each one in turn."""
    from smpcheck.kvm.registry import get

    model, names = get("unmap-nolock-2013").build("core", {"fence_before_check": "smp_mb"})
    one = summary(verify(model, names, "lkmm", Settings()))
    for n in range(1, one["executions"] + one["blocked"] + 1):
        with pytest.MonkeyPatch.context() as mp:
            _probe_stops_after(n, mp)
            assert summary(verify(model, names, "lkmm", Settings(jobs=2))) == one, n


@pytest.mark.parametrize("sizes", [(1, 2), (3, 1, 5), (100,)], ids=str)
@pytest.mark.parametrize("path", EXAMPLES[:4], ids=lambda p: Path(p).stem)
def test_units_walked_together_match_one_process(path: str, sizes: tuple[int, ...]) -> None:
    """Runs of consecutive units explored in one walk each (as the worker processes
    take them): the same as one process, wherever the runs begin and end."""
    model, names = load_model(path)

    def grouped(tasks: list[Task], stop: Any, local: Any) -> Any:
        i = 0
        for k in itertools.cycle(sizes):
            if i >= len(tasks):
                return
            run = tasks[i:i + k]
            u = local(replace(run[0], more=tuple(t.path for t in run[1:])))
            yield u
            if stop(i, u):
                return
            i += k

    for mm, all_violations in (("tso", True), ("sc", False), ("lkmm", True)):
        one = summary(verify(model, names, mm, Settings(all_violations=all_violations)))
        s = Settings(all_violations=all_violations, split_depth=3)
        split = verify_parallel(model, names, get_model(mm), s, runner=grouped)
        if split is None:  # (in one process: see split_result)
            continue
        assert summary(split) == one, mm


def test_units_partition_the_executions() -> None:
    """Each unit alone explores its own executions: together, each execution once."""
    model, names = load_model(str(ROOT / "examples" / "peterson.py"))
    mm = get_model("tso")
    units = split_tree(model, names, mm, Settings(), 3)
    assert len(units) > 4 and units == sorted(units)
    assert all(a != b[:len(a)] for a, b in zip(units, units[1:], strict=False))
    whole = verify(model, names, mm, Settings(all_violations=True))
    r = split_result(model, names, "tso", Settings(all_violations=True, split_depth=3))
    assert (r.executions, r.blocked) == (whole.executions, whole.blocked)


def _raising_model(tmp_path: Path) -> tuple[Model, dict[str, Loc]]:
    """A model that raises in the executions where P1 reads both of P0's writes."""
    f = tmp_path / "raises.py"
    f.write_text("from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\n"
                 "x = Var(0)\ny = Var(0)\n"
                 "def P0():\n    WRITE_ONCE(x, 1)\n    WRITE_ONCE(y, 1)\n"
                 "def P1():\n    a = READ_ONCE(y)\n    b = READ_ONCE(x)\n"
                 "    if a == 1 and b == 1:\n        raise ValueError('boom')\n"
                 "MODEL = Model('raises', [P0, P1])\n")
    model, names = load_model(str(f))
    return model, names


def test_error_in_the_model_is_the_same(tmp_path: Path) -> None:
    """A model that raises in some executions: the same usage error as one process."""
    model, names = _raising_model(tmp_path)
    with pytest.raises(UsageError) as one:
        verify(model, names, "sc", Settings())
    with pytest.raises(UsageError) as split:
        split_result(model, names, "sc", Settings(split_depth=2))
    assert (str(split.value), split.value.line) == (str(one.value), one.value.line)


def test_loop_bound_cut_is_incomplete_as_in_one_process(tmp_path: Path) -> None:
    f = tmp_path / "loop.py"
    f.write_text("from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\n"
                 "x = Var(0)\n"
                 "def P0():\n    WRITE_ONCE(x, 1)\n    WRITE_ONCE(x, 2)\n"
                 "def P1():\n    n = 0\n    while READ_ONCE(x) != 2:\n        n += 1\n"
                 "    return {'n': n}\n"
                 "MODEL = Model('loop', [P0, P1])\n")
    model, names = load_model(str(f))
    s = Settings(loop_bound=1, all_violations=True)
    one = verify(model, names, "sc", s)
    split = split_result(model, names, "sc", replace(s, split_depth=2))
    assert not one.complete and one.exit_status == 3
    assert summary(split) == summary(one)


@with_lkmm
@pytest.mark.parametrize("forked", [True, False], ids=["fork", "forkserver"])
def test_worker_processes_match_one_process(forked: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Real worker processes (forked from this one, or from a fork server), a model
    file and a litmus test."""
    from smpcheck.explore import workers

    monkeypatch.setattr(workers, "_fork_safe", lambda: forked)
    started: list[bool] = []
    forked_pool = workers._forked
    monkeypatch.setattr(workers, "_forked", lambda n, first: (
        started.append(True), forked_pool(n, first))[1])
    model, names = load_model(str(ROOT / "examples" / "peterson.py"))
    for mm, all_violations in (("tso", True), ("sc", False)):
        s = Settings(all_violations=all_violations)
        one = summary(verify(model, names, mm, s))
        two = verify(model, names, mm, replace(s, jobs=2, split_depth=3))
        assert summary(two) == one
    text = (LKMM / "litmus-tests" /
            "IRIW+fencembonceonces+OnceOnce.litmus").read_text()
    one_run, one = _litmus(text, "lkmm", Settings())
    two_run, two = _litmus(text, "lkmm", Settings(jobs=2, split_depth=4))
    assert two == one and two_run.states == one_run.states
    assert started  # (the pools were started: the units were not all run here)


def _no_times(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("Time "))


def test_litmus_files_split_by_file(tmp_path: Path) -> None:
    """``smpcheck litmus -j 2`` over several files (one bad): the same output, messages
    and exit status as ``-j 1``, in the files' order."""
    bad = tmp_path / "bad.litmus"
    bad.write_text("C bad\n{\n}\nP0(int *x) { WRITE_ONCE(*x, ; }\nexists (x=1)\n")
    tests = LKMM / "litmus-tests"
    files = [tests / "SB+poonceonces.litmus", bad, tests / "MP+poonceonces.litmus",
             tests / "LB+poonceonces.litmus"]
    for extra in ([], ["--json"]):
        one = smpcheck("litmus", "-j", "1", *extra, *files)
        two = smpcheck("litmus", "-j", "2", *extra, *files)
        assert (two.code, two.err) == (one.code, one.err) and one.code == 2
        if extra:
            strip = [{k: v for k, v in r.items() if k != "elapsed_s"}
                     for r in one.json()["runs"]]
            assert [{k: v for k, v in r.items() if k != "elapsed_s"}
                    for r in two.json()["runs"]] == strip
            assert two.json()["errors"] == one.json()["errors"]
        else:
            assert _no_times(two.out) == _no_times(one.out)


KERNEL_TESTS = sorted(glob.glob(str(LKMM / "litmus-tests" /
                                    "*.litmus")))


@pytest.mark.parametrize("path", KERNEL_TESTS, ids=lambda p: Path(p).stem)
def test_kernel_litmus_tests_split_match_one_process(path: str) -> None:
    """The kernel's tests under the LKMM (pointers in registers and final states, RCU,
    locks), split at two choices: the same states, witnesses and verdict."""
    text = Path(path).read_text()
    one_run, one = _litmus(text, "lkmm", Settings())
    split_run, split = _litmus(text, "lkmm", Settings(split_depth=2))
    assert split == one
    assert split_run.states == one_run.states and split_run.verdict == one_run.verdict


@with_lkmm
def test_herd_files_split_by_file() -> None:
    """``smpcheck-herd -j 2`` over several files: herd7's blocks in the files' order,
    the same messages and exit status as ``-j 1``."""
    lkmm = LKMM
    files = [lkmm / "litmus-tests" / f"{name}.litmus" for name in
             ("SB+poonceonces", "MP+pooncerelease+poacquireonce", "LB+poonceonces")]
    common = ["-conf", lkmm / "linux-kernel.cfg", "-I", lkmm]
    one = herd("-j", "1", *common, *files)
    two = herd("-j", "2", *common, *files)
    assert (two.code, two.err, _no_times(two.out)) == (one.code, one.err, _no_times(one.out))
    assert one.code == 0 and one.out.count("\nObservation ") == 3


def test_timeout_makes_the_split_run_incomplete(tmp_path: Path) -> None:
    """A unit cut by --timeout makes the whole run incomplete (exit 3), the timeout
    named with its own value, as in one process."""
    f = tmp_path / "inc.py"
    f.write_text("from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\nc = Var(0)\n"
                 "def cpu():\n    for _ in range(3):\n        WRITE_ONCE(c, READ_ONCE(c) + 1)\n"
                 "MODEL = Model('inc', [cpu, cpu, cpu])\n")
    model, names = load_model(str(f))
    r = verify(model, names, "sc", Settings(jobs=2, split_depth=2, timeout=0.3))
    assert not r.complete and r.exit_status == 3 and r.verdict is None
    assert Cut(Limit.TIMEOUT, 0.3) in r.incomplete


def test_a_changed_model_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "sb.py"
    f.write_text((ROOT / "examples" / "sb.py").read_text())
    model, names = load_model(str(f))
    f.write_text(f.read_text() + "\n# changed\n")
    with pytest.raises(UsageError, match="changed while it was being checked"):
        split_result(model, names, "sc", Settings(split_depth=1))


@pytest.mark.skipif((os.cpu_count() or 1) < 1, reason="needs processes")
def test_c_models_and_switches_split_in_worker_processes(tmp_path: Path) -> None:
    """A C model (its -D macros) and a Python model's switches travel in the recipe: the
    workers build the same design, so -j 2 reports what one process reports."""
    from smpcheck.c import FileDesign

    for path, setting in ((ROOT / "examples" / "c" / "peterson.c", {}),
                        (ROOT / "examples" / "c" / "lost-wakeup.c", {"FIXED": "1"}),
                        (ROOT / "examples" / "mp-switch.py", {"WRITER": "smp_wmb"})):
        model, names = FileDesign(str(path)).build(None, setting)
        assert model.recipe.build("sc")[0].name == model.name  # (the same design again)
        for mm in ("sc", "tso"):
            s = Settings(all_violations=True)
            one = summary(verify(model, names, mm, s))
            two = verify(model, names, mm, replace(s, jobs=2, split_depth=3))
            assert summary(two) == one, (path.name, mm)


# -- many files: split by file (map_ordered) -----------------------------------------------
def test_quick_items_stay_in_this_process() -> None:
    """Items done before this process has worked ``start_after`` CPU seconds start no
    worker (a worker's start-up would cost more than it saves), in order."""
    from smpcheck.explore.by_file import map_ordered
    from tests.support.work import where

    out = list(map_ordered(where, [(n, 0.0) for n in range(20)], 2, start_after=30.0))
    assert out == [(n, os.getpid()) for n in range(20)]


def test_given_jobs_split_from_the_first_item() -> None:
    """``start_after=0`` (``-j N`` given): every item runs in a worker, results in order."""
    from smpcheck.explore.by_file import map_ordered
    from tests.support.work import where

    out = list(map_ordered(where, [(n, 0.0) for n in range(6)], 2, start_after=0.0))
    assert [n for n, _ in out] == list(range(6))
    assert all(pid != os.getpid() for _, pid in out)


def test_a_long_item_sends_the_rest_to_workers() -> None:
    """Once this process has worked ``start_after`` CPU seconds, during an item, the
    items not begun go to the workers; the results come in order."""
    from smpcheck.explore.by_file import map_ordered
    from tests.support.work import where

    items = [(0, 0.0), (1, 0.6), *((n, 0.0) for n in range(2, 8))]
    out = list(map_ordered(where, items, 2, start_after=0.2))
    assert [n for n, _ in out] == list(range(8))
    assert [pid == os.getpid() for _, pid in out] == [True, True] + [False] * 6


_STOP_A_POOL = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
from smpcheck.explore import workers
if __name__ == "__main__":
    if sys.argv[1] == "quiet":
        workers._quiet_manager_threads()
    pool = ProcessPoolExecutor(max_workers=1)
    pool.submit(int, 1).result()
    futures = [pool.submit(time.sleep, 5) for _ in range(5)]
    time.sleep(0.5)
    assert all(f.cancel() for f in futures[3:])
    manager = pool._executor_manager_thread
    for proc in list(pool._processes.values()):
        proc.terminate()
    pool.shutdown(wait=False)
    manager.join(10)
"""


def test_stopped_workers_print_no_traceback(tmp_path: Path) -> None:
    """What -j does when a run ends: units this process took back (cancelled futures)
    are still queued when the workers are stopped.  On Python 3.11 the pool's manager
    thread then raised InvalidStateError on each, and its traceback reached the
    terminal (`smpcheck kvm matrix` printed up to three after its table)."""
    import subprocess
    import sys

    script = tmp_path / "stop_a_pool.py"
    script.write_text(_STOP_A_POOL)

    def err(mode: str) -> str:
        return subprocess.run([sys.executable, str(script), mode], capture_output=True,
                              text=True, timeout=60, cwd=Path(__file__).parents[1]).stderr

    if "InvalidStateError" not in err("bare"):
        pytest.skip("this Python's pool does not raise on a cancelled future")
    assert err("quiet") == ""


def _cached(step: Any) -> int:
    """How many ops a CPU's op cache holds from ``step`` down."""
    return 0 if step is None else 1 + sum(_cached(s) for s in step.next.values())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: Path(p).stem)
def test_units_of_one_process_share_its_op_caches(path: str) -> None:
    """The units a process explores go on with the op caches (and heap) its earlier
    ones filled (session.Carried): together they cache the histories of one process's
    exploration, each once, the same ops, and count the same executions."""
    from smpcheck.explore.session import Carried, explore
    from smpcheck.explore.units import explore_unit

    model, names = load_model(path)
    for mm in ("sc", "tso", "lkmm"):
        m = get_model(mm)
        s = replace(Settings(all_violations=True), max_passes=1, batch=1)
        r, explorer, _ = explore(model, names, m, s)
        for depth in (1, 3):
            parts = Carried([set() for _ in model.cpus])
            units = [explore_unit(model, names, m, Task(model.recipe, mm, s, u), parts)
                     for u in split_tree(model, names, m, s, depth)]
            assert [_cached(root) for root in parts.ops.roots] == \
                [_cached(root) for root in explorer.run.roots], (mm, depth)
            assert sum(u.executions + u.blocked for u in units) == r.executions + r.blocked


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_values_re_run_in_one_process_are_not_re_run_in_another(
        mm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit's result holds the values its CPUs were re-run on (units.fresh_rechecks);
    another process that learns those of some units (units.learn) re-runs no CPU on
    them, and still re-runs each CPU once on each of the values it was not told of."""
    from smpcheck.explore import session
    from smpcheck.explore.session import Carried
    from smpcheck.explore.units import explore_unit, learn

    path = tmp_path / "inc.py"
    path.write_text(inc_source([2, 2, 1]))
    model, names = load_model(str(path))
    m = get_model(mm)
    s = replace(Settings(), max_passes=1, batch=1)
    units = split_tree(model, names, m, s, 2)
    reruns: list[int] = []  # CPUs re-run, each time
    rerun = session.rerun

    def counted(cpus: Any, g: Any, *args: Any) -> None:
        reruns.extend(args[2])
        rerun(cpus, g, *args)

    monkeypatch.setattr(session, "rerun", counted)
    one = Carried([set() for _ in model.cpus])
    first = [explore_unit(model, names, m, Task(model.recipe, mm, s, u), one) for u in units]
    assert reruns and sorted(tid for u in first for tid, _ in u.rechecked) == sorted(reruns)
    other = Carried([set() for _ in model.cpus])
    for u in first[::2]:  # (every other unit's)
        learn(other, u.rechecked)
    unlearnt = {k for u in first for k in u.rechecked} - {k for u in first[::2]
                                                          for k in u.rechecked}
    assert unlearnt
    del reruns[:]
    again = [explore_unit(model, names, m, Task(model.recipe, mm, s, u), other) for u in units]
    assert sorted(k for u in again for k in u.rechecked) == sorted(unlearnt)
    assert len(reruns) == len(unlearnt)
    assert [u.executions for u in again] == [u.executions for u in first]


def _both_ends(takes: dict[int, int], stolen: list[tuple[int, ...]] | None = None) -> Any:
    """A runner doing what the worker processes' does, here, with no thread: this process
    walks the tasks from the first one on, and a worker takes runs of them from the
    last one backwards when this walk pops its ``n``-th node (``takes``: n -> share),
    and nodes of the walk's stack once it has entered every unit left (Frontier._steal:
    their paths appended to ``stolen``); the runs taken are explored after the walk,
    in order."""
    from smpcheck.explore.split import Frontier
    from smpcheck.explore.workers import _in_order

    def runner(tasks: list[Task], stop: Any, local: Any) -> Any:
        taken: list[list[tuple[int, ...]]] = []
        pops = itertools.count()

        class Taking(Frontier):
            def enter(self, path: tuple[int, ...]) -> bool:
                share = takes.get(next(pops))
                if share is not None and (run := self.take(share)) is not None:
                    taken.append(run)
                return super().enter(path)

        frontier = Taking([t.path for t in tasks])
        mine = local(replace(tasks[0], more=tuple(t.path for t in tasks[1:]), frontier=frontier))
        frontier.close()
        units = {t.path for t in tasks}
        if stolen is not None:
            stolen.extend(p for run in taken for p in run if p not in units)
        runs = [local(replace(tasks[0], path=run[0], more=tuple(run[1:])))
                for run in sorted(taken)]
        assert len({p for run in taken for p in run}) == sum(len(run) for run in taken)
        yield from _in_order([mine, *runs], stop)
    return runner


def _walk_against_a_taker(n: int) -> tuple[list[tuple[int, ...]], list[list[tuple[int, ...]]]]:
    """A walk entering ``n`` units and the nodes below each (split.Frontier.enter) while
    a thread takes runs from the end, threads switched every microsecond: the nodes
    entered and the runs taken."""
    import sys
    import threading

    from smpcheck.explore.split import Frontier

    units = [(i,) for i in range(n)]
    frontier = Frontier(units)
    taken: list[list[tuple[int, ...]]] = []

    def taker() -> None:
        while (run := frontier.take(3)) is not None:
            taken.append(run)

    thread = threading.Thread(target=taker)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        thread.start()
        entered = [p for u in units for p in (u, (*u, 0), (*u, 1)) if frontier.enter(p)]
        frontier.close()
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    return entered, taken


def test_the_walk_enters_no_node_of_a_run_taken_while_it_walks() -> None:
    """The walk reads the limit a take sets without the lock unless a take is under way
    (split.Frontier): every node it enters is before the first unit taken, and it
    enters every unit before that (a walk that read the limit before the taker read
    where it was, and entered past it, failed here within a few hundred tries)."""
    for _ in range(200):
        entered, taken = _walk_against_a_taker(1000)
        first = min((run[0][0] for run in taken), default=1000)
        assert all(p < (first,) for p in entered)
        assert [p for p in entered if len(p) == 1] == [(i,) for i in range(first)]
        assert sorted(p[0] for run in taken for p in run) == list(range(first, 1000))


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]),
       st.integers(1, 5), st.dictionaries(st.integers(0, 60), st.integers(1, 8), max_size=8))
def test_runs_taken_from_the_end_during_the_walk_match_one_process(
        text: str, mm: str, depth: int, takes: dict[int, int]) -> None:
    """This process walks the units from the first while workers take runs of them from
    the last (split.Frontier), wherever the walk is when they take one: the same
    executions, states, findings and verdict as one process."""
    from smpcheck.explore import parallel

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parallel, "run_here", _both_ends(takes))
        split_run, split = _litmus(text, mm, Settings(split_depth=depth))
    one_run, one = _litmus(text, mm, Settings())
    if split_run.result.elapsed_s == 0.0 and not one_run.result.complete:
        pytest.skip("cut short")
    assert split == one
    assert split_run.states == one_run.states and split_run.verdict == one_run.verdict


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: Path(p).stem)
def test_runs_taken_from_the_end_match_one_process_in_models(path: str) -> None:
    from smpcheck.explore import parallel

    model, names = load_model(path)
    for mm, all_violations in (("tso", True), ("sc", False), ("lkmm", False)):
        one = summary(verify(model, names, mm, Settings(all_violations=all_violations)))
        for takes in ({0: 2}, {3: 1, 4: 1, 9: 3}, {n: 4 for n in range(0, 200, 7)}):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(parallel, "run_here", _both_ends(takes))
                s = Settings(all_violations=all_violations, split_depth=3)
                assert summary(split_result(model, names, mm, s)) == one, (mm, takes)




@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_nodes_taken_from_the_walks_stack_match_one_process(mm: str, tmp_path: Path) -> None:
    """A worker that takes every unit left, then, at each later node of the walk, the
    lowest node of the walk's stack below the unit it is in (split.Frontier._steal):
    the same executions, states and verdict as one process, wherever the walk is when
    it takes one (a take that left the node on the walk's stack, explored twice, or
    one of every other node, left one out, fails here)."""
    from smpcheck.explore import parallel

    stolen: list[tuple[int, ...]] = []
    f = tmp_path / "inc.py"
    f.write_text(inc_source((2, 2, 1), "inc"))
    model, names = load_model(str(f))
    one = summary(verify(model, names, mm, Settings(all_violations=True)))
    for first, every in ((20, 1), (40, 3), (100, 7)):
        takes = {first: 1, **{n: 1 for n in range(first + 1, 10**4, every)}}
        stolen.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(parallel, "run_here", _both_ends(takes, stolen))
            s = Settings(all_violations=True, split_depth=2)
            assert summary(split_result(model, names, mm, s)) == one, (first, every)
        assert len(stolen) >= 2, (first, every)


def test_a_take_after_every_unit_is_entered_is_a_node_below_the_walks_unit() -> None:
    """Once the walk has entered every unit left, a take is the lowest node of its
    stack below the unit it is in, then the next: never a node above units taken
    (its subtree holds them), nor one taken before (still on the stack, past the
    limit), nor the node the walk entered last."""
    from smpcheck.explore.split import Frontier

    frontier = Frontier([(0, 0), (0, 1), (1, 0), (1, 1)])
    frontier.last = (0, 0, 2)
    assert frontier.take(2) == [(1, 1)] and frontier.take(2) == [(1, 0)]
    # the walk in unit (0, 1), its stack (lowest first): above (1, 0), then below (0, 1)
    frontier.stack = [(1,), (0, 1, 2), (0, 1, 1), (0, 1, 0, 1), (0, 1, 0)]
    frontier.last = (0, 1, 0)
    assert frontier.take(2) == [(0, 1, 2)] and frontier.limit == (0, 1, 2)
    assert frontier.take(2) == [(0, 1, 1)]
    assert frontier.take(2) == [(0, 1, 0, 1)]
    assert frontier.take(2) is None
    frontier.close()
    assert frontier.take(2) is None


def test_the_walk_here_shows_progress() -> None:
    """Progress during this process's walk (with runs taken from the end): the counts
    merged so far and the walk's, never more than the run's, ending at them."""
    from smpcheck.explore import parallel

    model, names = load_model(str(ROOT / "examples" / "peterson.py"))
    shown: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parallel, "WALK_PROGRESS_S", 0.0)
        r = verify_parallel(model, names, get_model("tso"),
                            Settings(split_depth=3, all_violations=True),
                            lambda r: shown.append((r.executions, r.blocked)),
                            runner=_both_ends({5: 2, 9: 2}))
    assert r is not None and shown[-1] == (r.executions, r.blocked)
    walk = shown[:-1]
    assert len(walk) > 10 and walk == sorted(walk)
    assert all(e <= r.executions and b <= r.blocked for e, b in walk)


@pytest.mark.parametrize("forked", [True, False], ids=["fork", "forkserver"])
def test_runs_a_worker_process_takes_match_one_process(
        forked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's walk waits, at its first node, for a worker to take a run from
    the end: a worker forked from this process (with its model and caches,
    units.adopt) or started from a fork server (the model built again) explores it."""
    import time

    from smpcheck.explore import split, workers

    taken: list[int] = []

    class Waiting(split.Frontier):
        def enter(self, path: tuple[int, ...]) -> bool:
            began = time.monotonic()
            while self.end == len(self.units) and time.monotonic() - began < 30:
                time.sleep(0.005)
            taken.append(len(self.units) - self.end)
            return super().enter(path)

    monkeypatch.setattr(workers, "_fork_safe", lambda: forked)
    monkeypatch.setattr(workers, "Frontier", Waiting)
    model, names = load_model(str(ROOT / "examples" / "seqcount.py"))
    for mm, all_violations in (("tso", True), ("lkmm", False)):
        s = Settings(all_violations=all_violations)
        one = summary(verify(model, names, mm, s))
        taken.clear()
        assert summary(verify(model, names, mm, replace(s, jobs=2, split_depth=3))) == one
        assert taken and taken[0] > 0, mm  # (the worker took a run before the walk began)


def test_a_forked_worker_sends_errors_back_and_stops(tmp_path: Path) -> None:
    """A forked worker (forks.Fork) sends back what a task raised, raised here in
    its turn; one killed while a task runs is an internal error here, not a wait
    for ever; stopped, it leaves no process behind."""
    from smpcheck.errors import InternalError
    from smpcheck.explore.forks import Fork

    model, _ = load_model(str(ROOT / "examples" / "sb.py"))
    worker = Fork()
    try:
        worker.send(Task(None, "sc", Settings(), ()))  # (no recipe: building it raises)
        worker.send(Task(model.recipe, "sc", Settings(), ()))
        with pytest.raises(AttributeError):
            worker.receive()
        assert worker.receive().executions == verify(*load_model(
            str(ROOT / "examples" / "sb.py")), "sc", Settings()).executions
        pid = worker.pid
        slow = tmp_path / "slow.py"  # (minutes: killed while it runs)
        slow.write_text("from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var\n"
                        "c = Var(0)\n"
                        "def cpu():\n"
                        "    for _ in range(4):\n"
                        "        WRITE_ONCE(c, READ_ONCE(c) + 1)\n"
                        "MODEL = Model('slow', [cpu, cpu, cpu])\n")
        worker.send(Task(load_model(str(slow))[0].recipe, "sc", Settings(), ()))
        worker.stop()
        with pytest.raises(InternalError):
            worker.receive()
        assert pid is not None and not os.path.exists(f"/proc/{pid}")
    finally:
        worker.stop()
        worker.done()


def test_a_fork_that_fails_keeps_no_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose fork fails (EAGAIN, ENOMEM) raises, and the pipes made for it
    are closed: each attempt kept four descriptors before."""
    from smpcheck.explore.forks import Fork

    def refused() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(OSError):
            Fork()
    assert len(os.listdir("/proc/self/fd")) == before


# -- the shared walk: one walk of the whole tree, workers forked from inside it -------------
def _sharing_after(pops: int, monkeypatch: pytest.MonkeyPatch, lent: list[int],
                   forked: list[int] | None = None) -> None:
    """-j runs whose walk forks its workers at its ``pops``-th node (workers.Sharing),
    then, at its next node, waits until the worker has planned the units and taken a
    run from the end (or found none left to take): the merge of the walk's part and
    the worker's runs is what runs, wherever the walk forks.  ``lent``: how many
    runs each forking walk saw taken; ``forked``: the workers' process ids."""
    import time

    forked = [] if forked is None else forked

    from smpcheck.explore import parallel, workers

    class Waiting(workers.Sharing):
        waited = False

        def enter(self, path: tuple[int, ...]) -> bool:
            both = self.both
            if both is not None and not self.waited:
                self.waited = True
                began = time.monotonic()
                while not (both.known.is_set() and (self.end < len(self.units)
                                                    or both.feeding == 0)) \
                        and time.monotonic() - began < 30:
                    time.sleep(0.002)
                lent.append(len(both.taken))
                forked.extend(c.pid for c in both.workers.channels)
            return super().enter(path)

    monkeypatch.setattr(workers, "_fork_safe", lambda: True)  # (pytest-xdist has threads)
    monkeypatch.setattr(parallel, "PROBE_POPS", pops)
    monkeypatch.setattr(parallel, "Sharing", Waiting)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]),
       st.integers(0, 12), st.sampled_from([2, 3]))
def test_a_walk_shared_with_a_forked_worker_matches_one_process(
        text: str, mm: str, pops: int, jobs: int) -> None:
    """Generated litmus tests, the workers (one or two) forked at any node of the walk:
    the same executions, states, witnesses, findings and verdict as one process."""
    lent: list[int] = []
    with pytest.MonkeyPatch.context() as mp:
        _sharing_after(pops, mp, lent)
        split_run, split = _litmus(text, mm, Settings(jobs=jobs))
    one_run, one = _litmus(text, mm, Settings())
    assert split == one
    assert split_run.states == one_run.states and split_run.verdict == one_run.verdict


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: Path(p).stem)
def test_a_walk_shared_with_a_forked_worker_matches_one_process_in_models(path: str) -> None:
    """The example models, the worker forked early or late in the walk, every finding or
    the first: what one process gives; and the worker did take runs."""
    model, names = load_model(path)
    lent: list[int] = []
    for mm, all_violations in (("tso", True), ("sc", False), ("lkmm", True)):
        one = summary(verify(model, names, mm, Settings(all_violations=all_violations)))
        for pops in (0, 5, 40):
            with pytest.MonkeyPatch.context() as mp:
                _sharing_after(pops, mp, lent)
                two = verify(model, names, mm, Settings(all_violations=all_violations, jobs=2))
            assert summary(two) == one, (mm, pops)
    assert any(lent), lent  # (a worker took runs: the merge was tested)


def test_a_model_error_after_the_fork_is_the_same(tmp_path: Path) -> None:
    """A model that raises in some executions, the worker forked at the first node: the
    same usage error as one process, and no worker left."""
    model, names = _raising_model(tmp_path)
    with pytest.raises(UsageError) as one:
        verify(model, names, "sc", Settings())
    lent: list[int] = []
    forked: list[int] = []
    with pytest.MonkeyPatch.context() as mp:
        _sharing_after(0, mp, lent, forked)
        with pytest.raises(UsageError) as split:
            verify(model, names, "sc", Settings(jobs=2))
    assert (str(split.value), split.value.line) == (str(one.value), one.value.line)
    assert forked and not any(os.path.exists(f"/proc/{pid}") for pid in forked)  # (reaped)


SPECULATES = """C speculates

{
}

P0(int *x, spinlock_t *l, int *a)
{
	int r0;
	int r1;
	int r2;
	r0 = spin_trylock(l);
	if (r0) {
		r1 = atomic_add_return(1, a);
		spin_unlock(l);
	}
	*x = 2;
	r2 = spin_is_locked(l);
}

P1(int *x, spinlock_t *l, int *a)
{
	int r0;
	int r1;
	int r2;
	r0 = spin_trylock(l);
	if (r0) {
		r1 = *x;
		spin_unlock(l);
	}
	r2 = *x;
}

exists (x=0)
"""


def test_threads_feeding_forked_workers_leave_alarms_to_the_main_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The threads feeding forked workers block SIGALRM: the watchdog's tick reaches
    the main thread alone, which stops the timer before restoring the handler (a
    tick one of them took after that would end the process)."""
    import signal
    import threading

    from smpcheck.explore import forks

    masks: list[set[int]] = []
    receive = forks.Fork.receive

    def receiving(self: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        return receive(self)

    monkeypatch.setattr(forks.Fork, "receive", receiving)
    _sharing_after(5, monkeypatch, [])
    model, names = load_model(str(ROOT / "examples" / "seqcount.py"))
    one = summary(verify(model, names, "tso", Settings()))
    assert summary(verify(model, names, "tso", Settings(jobs=2))) == one
    assert masks and all(signal.SIGALRM in m for m in masks)


def test_a_second_pass_after_the_fork_is_one_process_run() -> None:
    """Under the LKMM, a walk whose reads must speculate (a second pass, over values
    the whole tree saw) after it forked its worker: the run is made in one process,
    as a unit asking for a second pass sends it (a generated litmus test, its store to
    x made plain: a cycle through a bounded plain read alone speculates no more)."""
    from smpcheck.explore import workers

    spoiled: list[bool] = []
    close = workers.Sharing.close

    def closing(self: Any) -> None:
        spoiled.append(self.spoiled)
        close(self)

    one_run, one = _litmus(SPECULATES, "lkmm", Settings())
    with pytest.MonkeyPatch.context() as mp:
        _sharing_after(1, mp, [])
        mp.setattr(workers.Sharing, "close", closing)
        two_run, two = _litmus(SPECULATES, "lkmm", Settings(jobs=2))
    assert spoiled == [True]
    assert two == one and two_run.states == one_run.states


def test_a_second_pass_before_any_fork_is_one_process_run() -> None:
    """The same test, its walk never forking: its second pass is not walked by
    positions (which explores again the graphs a speculating pass reaches twice,
    and counts them against its budget) but made by one process."""
    from smpcheck.explore import workers

    seen: list[tuple[bool, bool]] = []
    close = workers.Sharing.close

    def closing(self: Any) -> None:
        seen.append((self.spoiled, self.workers is None))
        close(self)

    one_run, one = _litmus(SPECULATES, "lkmm", Settings())
    with pytest.MonkeyPatch.context() as mp:
        _sharing_after(10**9, mp, [])
        mp.setattr(workers.Sharing, "close", closing)
        two_run, two = _litmus(SPECULATES, "lkmm", Settings(jobs=2))
    assert seen == [(True, True)]
    assert two == one and two_run.states == one_run.states
