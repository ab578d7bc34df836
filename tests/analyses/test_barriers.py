"""``barriers``: each site weakened by the runtime must give what the same site
weakened by hand in the source gives, judged by brute force (generated litmus
tests the test did not pick); KVM fence sites agree with the design's own switches;
a check cut short never makes a site "not load-bearing"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpcheck.analyses.barriers import analyse, compare
from smpcheck.analyses.subjects import LitmusSubject, PythonSubject, Verdict
from smpcheck.explore.explorer import Settings
from smpcheck.results.result import Cut, Limit, Result
from tests.analyses.oracle import CandidateLimit, observation, weaken_text
from tests.conftest import need_lkmm
from tests.support.diff_gen import litmus_tests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _analyse_text(tmp: Path, text: str, mms: list[str]) -> tuple[list, list]:
    path = tmp / "gen.litmus"
    path.write_text(text)
    return analyse(LitmusSubject(str(path)), mms, Settings())


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=2, max_steps=3), st.sampled_from(["sc", "tso", "lkmm"]))
def test_runtime_weakening_is_source_weakening(tmp_path_factory: pytest.TempPathFactory,
                                               text: str, mm: str) -> None:
    _check_weakening(tmp_path_factory.mktemp("gen"), text, mm)


def _check_weakening(tmp: Path, text: str, mm: str) -> None:
    """For every site: the Observation with the site weakened by the runtime is brute
    force's Observation of the source with that site weakened by hand; a changed
    Observation is reported load-bearing."""
    try:
        before = observation(text, mm)
    except CandidateLimit:
        return
    bases, answers = _analyse_text(tmp, text, [mm])
    assert bases[0].verdict.extra["run"].verdict == before, text
    for a in answers:
        assert a.verdict is not None and a.verdict.complete
        try:
            after = observation(weaken_text(text, a.site.line, a.site.primitive,
                                            a.weakened_to), mm)
        except CandidateLimit:
            continue
        got = a.verdict.extra["run"].verdict
        assert got == after, (text, a.site, a.weakened_to, got, after)
        if after != before:
            assert a.load_bearing is True, (text, a.site)


_SHAPES = {  # two accesses per CPU: (P0's, P1's, the weak outcome)
    "MP": (("W x", "W y"), ("R y", "R x"), "1:r0=1 /\\ 1:r1=0"),
    "SB": (("W x", "R y"), ("W y", "R x"), "0:r0=0 /\\ 1:r0=0"),
    "LB": (("R x", "W y"), ("R y", "W x"), "0:r0=1 /\\ 1:r0=1"),
}
# (ordered forms more often: an outcome is forbidden only when both sides are ordered)
_READS = ("READ_ONCE(*{v})", "smp_load_acquire({v})", "smp_load_acquire({v})",
          "rcu_dereference(*{v})", "*{v}")
_WRITES = ("WRITE_ONCE(*{v}, 1);", "smp_store_release({v}, 1);",
           "rcu_assign_pointer(*{v}, 1);", "r9 = xchg({v}, 1);", "r9 = xchg_release({v}, 1);",
           "smp_store_release({v}, 1);", "*{v} = 1;")
_FENCES = ("", "smp_mb();", "smp_mb();", "smp_mb();", "smp_rmb();", "smp_wmb();",
           "smp_mb__before_atomic();")


_WEAK_READS = ("READ_ONCE(*{v})", "*{v}", "rcu_dereference(*{v})", "smp_load_acquire({v})")
_WEAK_WRITES = ("WRITE_ONCE(*{v}, 1);", "*{v} = 1;", "smp_store_release({v}, 1);",
                "r9 = xchg_relaxed({v}, 1);")
_WEAK_FENCES = ("", "", "", "smp_rmb();", "smp_wmb();", "smp_mb();")


@st.composite
def shapes(draw: st.DrawFn, ordered: bool = True) -> str:
    """A message-passing, store-buffering or load-buffering test whose primitives and
    fences are drawn at random: the weak outcome depends on them.  ``ordered``: draw
    ordered forms more often (else mostly unordered ones, for designs to fix)."""
    reads, writes, fences = ((_READS, _WRITES, _FENCES) if ordered
                             else (_WEAK_READS, _WEAK_WRITES, _WEAK_FENCES))
    name = draw(st.sampled_from(sorted(_SHAPES)))
    p0, p1, weak = _SHAPES[name]
    out = ["C " + name, "", "{", "}", ""]
    for i, accesses in enumerate((p0, p1)):
        out += [f"P{i}(int *x, int *y)", "{", "\tint r0;", "\tint r1;", "\tint r9;"]
        reg = 0
        for k, acc in enumerate(accesses):
            kind, v = acc.split()
            if kind == "R":
                out.append(f"\tr{reg} = {draw(st.sampled_from(reads)).format(v=v)};")
                reg += 1
            else:
                out.append("\t" + draw(st.sampled_from(writes)).format(v=v))
            if k == 0 and (fence := draw(st.sampled_from(fences))):
                out.append("\t" + fence)
        out += ["}", ""]
    out.append(f"exists ({weak})")
    return "\n".join(out) + "\n"


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(shapes(), st.sampled_from(["tso", "lkmm"]))
def test_shapes_weakened_by_the_runtime_match_brute_force(
        tmp_path_factory: pytest.TempPathFactory, text: str, mm: str) -> None:
    """The same oracle on shapes whose outcome turns on their ordering: here weakening
    flips Observations often (the generated tests above rarely do)."""
    _check_weakening(tmp_path_factory.mktemp("shape"), text, mm)


def test_sb_fences_bear_load_under_tso_not_sc() -> None:
    subject = PythonSubject(str(EXAMPLES / "sb-mb.py"))
    _, answers = analyse(subject, ["sc", "tso"], Settings())
    fences = {(a.site.line, a.mm): a for a in answers if a.site.primitive == "smp_mb"}
    assert len(fences) == 4
    assert all(a.load_bearing is (mm == "tso") for (_, mm), a in fences.items())
    assert all("~exists" in a.finding for (_, mm), a in fences.items() if mm == "tso")
    # a ONCE access is not a site whose weakening matters without the LKMM's races
    assert not any(a.load_bearing for a in answers if a.mm == "sc")


def test_kvm_fence_sites_agree_with_the_switches() -> None:
    """The 2013 design with both barriers: the runtime dropping one smp_mb() call and
    the design's own switch set to none must give the same verdict."""
    from smpcheck.cli.barriers import kvm_subject

    subject = kvm_subject("unmap-nolock-2013", "core",
                          {"fence_after_publish": "smp_mb", "fence_before_check": "smp_mb"})
    _, answers = analyse(subject, ["tso"], Settings())
    switches = {a.site.primitive.split("=")[0]: a for a in answers if a.switch}
    calls = [a for a in answers if a.site.primitive == "smp_mb"
             and a.site.path.endswith("unmap_nolock_2013.py")]
    assert set(switches) == {"fence_after_publish", "fence_before_check"}
    assert len(calls) == 2
    assert all(a.load_bearing for a in [*calls, *switches.values()])
    for a in calls:
        assert a.verdict is not None and a.verdict.violation is not None
        assert a.verdict.violation.kind.value == "use-after-free"
    # the fences of Linux 3.9 itself (kvm_flush_remote_tlbs...) carry nothing here
    assert not any(a.load_bearing for a in answers
                   if a.site.primitive == "smp_mb" and a.site.path.endswith("mmu_39.py"))


def _verdict(holds: bool | None, keys: frozenset, cut: bool = False) -> Verdict:
    r = Result("m", "tso")
    if cut:
        r.cut(Cut(Limit.MAX_EXECUTIONS, 1))
    return Verdict("tso", r, None, holds, keys)  # type: ignore[arg-type]


def test_a_check_cut_short_is_never_not_load_bearing() -> None:
    safe = _verdict(True, frozenset())
    assert compare(safe, _verdict(None, frozenset(), cut=True))[0] is None
    assert compare(_verdict(None, frozenset(), cut=True), _verdict(True, frozenset()))[0] is None
    assert compare(safe, _verdict(True, frozenset()))[0] is False
    # a finding made before the bound is real
    assert compare(safe, _verdict(False, frozenset({"k"}), cut=True))[0] is True


def test_an_incomplete_baseline_leaves_every_site_unknown() -> None:
    subject = PythonSubject(str(EXAMPLES / "sb-mb.py"))
    _, answers = analyse(subject, ["tso"], Settings(max_executions=1))
    assert answers and all(a.load_bearing is None for a in answers)
    assert all(a.answer == "unknown (incomplete)" for a in answers)


def test_x86_sites_are_per_cpu_and_agree_with_herd7() -> None:
    """herd's x86 tests put every CPU's instruction on one line: each CPU's MFENCE is a
    site of its own.  Without either, SB+mfences is SB+mfence+po, whose herd7
    Observation (recorded in ../shared/lkmm/x86/x86-results.csv) is Sometimes."""
    lkmm = need_lkmm()
    tests = lkmm / "x86" / "herdtools7" / "catalogue" / "x86" / "tests"
    recorded = {row.split(",")[0]: row.split(",")[3] for row in
                (lkmm / "x86" / "x86-results.csv").read_text().splitlines()[1:]}
    _, answers = analyse(LitmusSubject(str(tests / "SB+mfences.litmus")), ["tso"], Settings())
    fences = [a for a in answers if a.site.primitive == "smp_mb"]
    assert sorted(a.site.cpu for a in fences) == [0, 1]
    assert recorded["SB+mfences"] == "Never" and recorded["SB+mfence+po"] == "Sometimes"
    for a in fences:
        assert a.load_bearing is True
        assert a.verdict is not None and a.verdict.extra["run"].verdict == "Sometimes"


def test_a_recheck_cut_short_is_unknown(tmp_path: Path) -> None:
    """Message passing with smp_wmb()/smp_rmb() and a condition nothing can break:
    the design's own check visits its 3 LKMM executions within the bound, the re-check
    without a fence has a fourth, cut by the same bound: that fence's answer is
    unknown, not "not load-bearing"."""
    path = tmp_path / "mp.py"
    path.write_text((EXAMPLES / "mp-wmb-rmb.py").read_text().replace(
        'not_exists="1:r0=1 /\\\\ 1:r1=0"', 'not_exists="1:r0=2"'))
    subject = PythonSubject(str(path))
    assert subject.check("lkmm", Settings()).result.executions == 3
    _, answers = analyse(subject, ["lkmm"], Settings(max_executions=3))
    fences = [a for a in answers if a.site.primitive in ("smp_wmb", "smp_rmb")]
    assert len(fences) == 2
    assert all(a.load_bearing is None and a.answer == "unknown (incomplete)" for a in fences)
    _, full = analyse(subject, ["lkmm"], Settings())
    assert all(a.load_bearing is False for a in full if a.site.primitive.startswith("smp_"))


def _every_unit_in_a_worker(jobs: int, start_after: float = 0.0) -> Any:
    """A runner that gives every unit to a worker process (the real one runs units here
    until its workers are up, which on a small model is all of them)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from smpcheck.explore.workers import run_unit

    def runner(tasks: list[Any], stop: Any, local: Any) -> Iterator[Any]:
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            yield from pool.map(run_unit, tasks)
    return runner


@pytest.mark.parametrize("name", ["sb-mb.py", "mp.py"])
def test_a_split_run_answers_as_one_process(name: str, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """-j: the weakened designs live in this process (the site table), so their checks
    stay here; split across worker processes, which build the model without the
    table, they checked the unweakened design instead (a barrier the design needs
    was called not load-bearing)."""
    from smpcheck.explore import parallel

    subject = PythonSubject(str(EXAMPLES / name))

    def answers(s: Settings) -> list[tuple[object, ...]]:
        _, found = analyse(subject, ["tso", "lkmm"], s)
        return [(a.site, a.mm, a.load_bearing, a.finding) for a in found]

    one = answers(Settings())
    monkeypatch.setattr(parallel, "run_processes", _every_unit_in_a_worker)
    assert answers(Settings(jobs=2, split_depth=2)) == one
