"""rmap-aging-6.15: verdicts of the merged design and of its broken variants, via the CLI."""

from __future__ import annotations

import json

import pytest

from smpcheck.cli.main import main


def check(capsys: pytest.CaptureFixture[str], scenario: str, mm: str, *sets: str,
          every: bool = False) -> dict:
    args = ["kvm", "check", "rmap-aging-6.15", "--scenario", scenario, "--mm", mm, "--json"]
    for s in sets:
        args += ["--set", s]
    main(args + ["--all"] * every)
    return json.loads(capsys.readouterr().out)


def uafs(out: dict) -> list[str]:
    return [v["message"] for v in out["violations"] if v["kind"] == "use-after-free"]


@pytest.mark.parametrize("mm", ["sc", "tso"])
@pytest.mark.parametrize("scenario", ["core", "fault", "zap-page", "zap-root"])
def test_merged_design_is_safe(capsys: pytest.CaptureFixture[str], scenario: str,
                               mm: str) -> None:
    out = check(capsys, scenario, mm)
    assert out["verdict"] == "safe", out["violations"][:1]
    assert out["executions"] > 0 and not out["incomplete"]


@pytest.mark.parametrize("mm", ["sc", "tso", "lkmm"])
def test_walking_without_the_rmap_lock_is_a_use_after_free(
        capsys: pytest.CaptureFixture[str], mm: str) -> None:
    """(Under the LKMM a data race may be found first: the reads that get the freed
    desc's POISON come in other executions than the first racy one.)"""
    out = check(capsys, "core", mm, "readonly_lock=read-once", every=True)
    assert out["verdict"] == "violation"
    assert uafs(out) and all("desc0" in m for m in uafs(out))


@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_non_atomic_a_bit_clear_resurrects_a_zapped_spte(
        capsys: pytest.CaptureFixture[str], mm: str) -> None:
    out = check(capsys, "zap-root", mm, "age_clear=read-modify-write")
    assert out["verdict"] == "violation"
    assert out["violations"][0]["kind"] == "condition"


def test_relaxed_rmap_unlock_is_caught_on_lkmm_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(capsys, "zap-page", "tso", "rmap_unlock=relaxed")["verdict"] == "safe"
    out = check(capsys, "zap-page", "lkmm", "rmap_unlock=relaxed", every=True)
    assert uafs(out) and all("kfree(sp0)" in m for m in uafs(out))


def test_lkmm_reports_the_plain_spte_read_racing_with_lockless_clear_bit(
        capsys: pytest.CaptureFixture[str]) -> None:
    """mmu_page_zap_pte() reads *spte plainly, outside the rmap lock, while the ager may
    clear_bit() it: a data race by LKMM's rules (the kernel tolerates it; see the report)."""
    out = check(capsys, "zap-page", "lkmm")
    assert out["violations"][0]["kind"] == "data-race"
    assert "sp0.spt[0]" in out["violations"][0]["message"]
