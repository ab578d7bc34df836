"""The founding case through the CLI: the 2013 out-of-lock rmap unmapping.

Independently derived (store buffering): under SC the being_unmapped_rmap
handshake holds; under x86-TSO each side's store can pass its own later load,
so the zapper frees the shadow page the unmapper is about to clear, unless a
full barrier sits on both sides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from smpcheck.cli.main import main

MODEL = "unmap-nolock-2013"
BOTH = ["--set", "fence_after_publish=smp_mb", "--set", "fence_before_check=smp_mb"]


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["kvm", "check", MODEL, "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_core_is_safe_under_sc(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(capsys, "--scenario", "core", "--mm", "sc")
    assert (code, report["verdict"]) == (0, "safe")
    assert report["executions"] > 1


@pytest.mark.parametrize("fences", [[], ["--set", "fence_after_publish=smp_mb"],
                                    ["--set", "fence_before_check=smp_mb"]],
                         ids=["no-fence", "publish-fence-only", "check-fence-only"])
def test_core_frees_the_page_under_the_unmapper_on_tso(capsys: pytest.CaptureFixture[str],
                                                       fences: list[str]) -> None:
    code, report = check(capsys, "--scenario", "core", "--mm", "tso", *fences)
    assert (code, report["verdict"]) == (1, "violation")
    v = report["violations"][0]
    assert v["kind"] == "use-after-free"
    assert "kfree(sp)" in v["message"]
    freeing = [s for s in v["trace"] if s["failing"] and s["cpu"] == 1]
    assert freeing and freeing[0]["text"].startswith("kfree(sp)")
    assert v["cpu"] == 0 and v["file"].endswith("mmu_39.py")


def test_core_with_both_fences_is_safe_on_tso(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(capsys, "--scenario", "core", "--mm", "tso", *BOTH)
    assert (code, report["verdict"]) == (0, "safe")


def test_the_table_shows_the_buffered_store_and_the_free(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    code = main(["kvm", "check", MODEL, "--scenario", "core", "--mm", "tso"])
    out = capsys.readouterr().out
    assert code == 1
    assert "CPU 0 (unmapper)" in out and "CPU 1 (zapper)" in out
    assert "reaches" in out and "memory)" in out      # the store buffer drains in a row
    marked = [line for line in out.splitlines() if line.startswith("=>")]
    assert any("kfree(sp)" in line for line in marked)
    assert all(len(line) <= 80 for line in out.splitlines() if line.startswith(("=>", "   ")))


def test_plain_spte_clear_reports_accessed_and_dirty_twice(capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    """3.9's plain clear of an spte with no volatile bits: both sides read it present."""
    code, report = check(capsys, "--scenario", "core", "--mm", "sc", *BOTH,
                         "--set", "spte_clear=as-3.9")
    assert code == 1
    assert report["violations"][0]["kind"] == "condition"


def test_compacting_remove_on_the_invalid_slot_hits_bug(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code, report = check(capsys, "--scenario", "core", "--mm", "sc", *BOTH,
                         "--set", "locked_remove=pte_list_remove")
    assert code == 1
    v = report["violations"][0]
    assert v["kind"] == "assertion" and "pte_list_remove" in v["message"]


def test_bad_switch_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvm", "check", MODEL, "--set", "fence_after_publish=wmb"]) == 2
    assert "fence_after_publish takes none | smp_mb" in capsys.readouterr().err
    assert main(["kvm", "check", MODEL, "--scenario", "nope"]) == 2
    assert main(["kvm", "check", "no-such-model"]) == 2


def test_list_names_every_scenario_and_switch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvm", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("core", "desc-chain", "two-rmaps", "notifier", "fence_after_publish",
                 "fence_before_check", "spte_clear", "sentinel", "locked_remove"):
        assert name in out


def test_null_sentinel_ends_the_walk_and_loses_sptes(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    code, report = check(capsys, "--scenario", "desc-chain", "--mm", "sc", *BOTH,
                         "--set", "sentinel=null")
    assert code == 1
    v = report["violations"][0]
    assert v["kind"] in ("assertion", "condition")
    assert "spte lost" in v["message"] or "no present spte" in v["message"]


@pytest.mark.parametrize("scenario", ["two-rmaps", "notifier"])
def test_other_scenarios_hold_under_sc_and_with_fences_on_tso(
        capsys: pytest.CaptureFixture[str], scenario: str) -> None:
    assert check(capsys, "--scenario", scenario, "--mm", "sc")[1]["verdict"] == "safe"
    assert check(capsys, "--scenario", scenario, "--mm", "tso", *BOTH)[1]["verdict"] == "safe"
