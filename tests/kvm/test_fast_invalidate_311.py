"""fast-invalidate-3.11 through the CLI: the merged design is safe, the broken variants
are caught with the right kind of finding."""

from __future__ import annotations

import json

import pytest

from smpcheck.cli.main import main


def check(capsys: pytest.CaptureFixture[str], scenario: str, mm: str,
          *sets: str) -> dict[str, object]:
    argv = ["kvm", "check", "fast-invalidate-3.11", "--scenario", scenario, "--mm", mm,
            "--json"]
    for s in sets:
        argv += ["--set", s]
    main(argv)
    return json.loads(capsys.readouterr().out)


def kinds(out: dict[str, object]) -> list[str]:
    return [v["kind"] for v in out["violations"]]  # type: ignore[attr-defined, index]


@pytest.mark.parametrize("scenario", ["walker", "enter-guest"])
@pytest.mark.parametrize("mm", ["sc", "tso"])
def test_merged_design_is_safe(capsys: pytest.CaptureFixture[str], scenario: str,
                               mm: str) -> None:
    out = check(capsys, scenario, mm)
    assert out["verdict"] == "safe", out


def test_walker_without_its_smp_mb_is_a_use_after_free_under_tso(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert check(capsys, "walker", "sc", "walker_fence=none")["verdict"] == "safe"
    assert kinds(check(capsys, "walker", "tso", "walker_fence=none")) == ["use-after-free"]


@pytest.mark.parametrize("setting", ["walker_irqs=enabled", "ipi_wait=nowait"])
def test_walker_unprotected_by_the_ipi_is_a_use_after_free(
        capsys: pytest.CaptureFixture[str], setting: str) -> None:
    assert kinds(check(capsys, "walker", "sc", setting)) == ["use-after-free"]


def test_guest_entry_unwaited_is_a_use_after_free(capsys: pytest.CaptureFixture[str]) -> None:
    assert kinds(check(capsys, "enter-guest", "sc", "ipi_wait=nowait")) == ["use-after-free"]


def test_guest_entry_without_its_smp_mb_is_a_use_after_free_under_tso(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Without the smp_mb() between vcpu->mode = IN_GUEST_MODE and the check of
    vcpu->requests, the mode store waits in the store buffer: the zapper's cmpxchg
    reads OUTSIDE_GUEST_MODE, sends no IPI, and frees the page the guest walks."""
    assert check(capsys, "enter-guest", "sc", "vcpu_fence=none")["verdict"] == "safe"
    assert kinds(check(capsys, "enter-guest", "tso", "vcpu_fence=none")) == ["use-after-free"]
