"""The probes of smpcheck/models/cat_probes.py: executions smpcheck's explorer never
builds, which a cat model must forbid for smpcheck-herd to judge C tests by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck.cat import CatModel, load_model, pin_to_execution
from smpcheck.models.cat_probes import (
    LOCK_READS,
    SPLIT_RMW,
    WHERE_USED,
    allowed,
    execution,
    probes,
)
from tests.conftest import need_lkmm
from tests.support.herd import herd

NAMES = [p[0] for p in probes()]


def _kernel(model: str = "linux-kernel.cat", where: Path | None = None) -> CatModel:
    return load_model(model, [str(where or need_lkmm())], "linux-kernel.bell", {"lkmmv2"})


@pytest.mark.parametrize("model", ["linux-kernel.cat", "sc.cat", "x86tso.cat"])
def test_the_models_smpcheck_judges_forbid_every_probe(model: str) -> None:
    cat = _kernel() if model == "linux-kernel.cat" else load_model(model)
    for probe in probes():
        exe = execution(probe)
        result = cat.check(exe, pin_to_execution(exe))
        assert not result.consistent, (model, probe[0])


@pytest.mark.parametrize(("body", "caught"), [
    ("", "CoWW"),
    ("let com = rf | co | fr\nacyclic po-loc | com as coherence\n",
     "an RMW split by another CPU's write"),
    ("let com = rf | co | fr\nacyclic po-loc | com as coherence\n"
     "empty rmw & (fre ; coe) as atomic\n", "load buffering through smp_mb and smp_mb"),
    ("let com = rf | co | fr\nacyclic po-loc | com as coherence\n"
     "empty rmw & (fre ; coe) as atomic\nacyclic po | rf as order\n",
     "message passing through smp_mb and smp_mb"),
    ("let com = rf | co | fr\nacyclic po | com as sc\nempty rmw & (fre ; coe) as atomic\n",
     None),
])
def test_weaker_models_are_caught(body: str, caught: str | None, tmp_path: Path) -> None:
    """Each weaker model by the first probe it allows (the last is SC: none)."""
    cat = tmp_path / "weak.cat"
    cat.write_text(f'"weak"\ninclude "cos.cat"\n{body}')
    shapes = allowed(load_model(cat))
    if caught in WHERE_USED:
        assert shapes[0] == caught
    else:
        assert ([s for s in shapes if s not in WHERE_USED] or [None])[0] == caught


@pytest.mark.parametrize(("old", "new", "caught"), [
    ("acyclic hb as happens-before", "", "load buffering through acquire and acquire"),
    ("let acq-po = [Acquire] ; po ; [M]", "let acq-po = 0",
     "load buffering through smp_mb and acquire"),
    ("let rwdep = (dep | ctrl) ; [W]", "let rwdep = dep ; [W]",
     "load buffering through smp_mb and ctrl"),
    ("let rmb = [R4rmb] ; fencerel(Rmb) ; [R4rmb]", "let rmb = 0",
     "message passing through smp_mb and smp_rmb"),
])
def test_kernel_model_edits_are_caught(old: str, new: str, caught: str,
                                       tmp_path: Path) -> None:
    lkmm = need_lkmm()
    for name in ("linux-kernel.cat", "linux-kernel.bell", "lock.cat"):
        text = (lkmm / name).read_text()
        if name == "linux-kernel.cat":
            assert old in text
            text = text.replace(old, new)
        (tmp_path / name).write_text(text)
    assert allowed(_kernel(where=tmp_path))[0] == caught


def test_smpcheck_herd_refuses_a_model_its_explorer_cannot_judge(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The refusal names the model file and what it allows; exit status 2."""
    lkmm = need_lkmm()
    cat = tmp_path / "coherence.cat"
    cat.write_text('"coherence"\ninclude "cos.cat"\nlet com = rf | co | fr\n'
                   "acyclic po-loc | com as coherence\nempty rmw & (fre ; coe) as atomic\n")
    out = herd(capsys, "-macros", lkmm / "linux-kernel.def", "-model", cat,
               lkmm / "litmus-tests" / "SB+poonceonces.litmus")
    assert out.status == 2 and out.out == ""
    assert out.err.startswith(f"smpcheck-herd: error: {cat}: not supported: the model "
                              "allows load buffering through smp_mb and smp_mb"), out.err


def test_a_model_splitting_rmws_is_refused_on_tests_with_rmws_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SC without its atomicity axiom judges SB (no RMW) as herd7's sc.cat does, and
    refuses a test whose RMW writes."""
    lkmm = need_lkmm()
    cat = tmp_path / "sc.cat"
    cat.write_text('"sc"\ninclude "cos.cat"\nlet com = rf | co | fr\nacyclic po | com as sc\n')
    assert allowed(load_model(cat)) == [SPLIT_RMW, LOCK_READS]  # (no lock.cat: no locks)
    sb = herd(capsys, "-macros", lkmm / "linux-kernel.def", "-model", cat,
              lkmm / "litmus-tests" / "SB+poonceonces.litmus")
    assert sb.status == 0 and "Observation SB+poonceonces Never 0 3" in sb.out, sb.err
    rmw = tmp_path / "rmw.litmus"
    rmw.write_text("C rmw\n{}\nP0(atomic_t *v) { int r0 = atomic_fetch_add(1, v); }\n"
                   "P1(atomic_t *v) { int r1 = atomic_fetch_add(1, v); }\n"
                   "exists (0:r0=0 /\\ 1:r1=0)\n")
    out = herd(capsys, "-macros", lkmm / "linux-kernel.def", "-model", cat, rmw)
    assert out.status == 2 and out.out == ""
    assert "not supported: the model allows an RMW split by another CPU's write (this " \
        "test's executions may have one)" in out.err, out.err


def test_probe_names_are_distinct() -> None:
    assert len(set(NAMES)) == len(NAMES)
