"""The analyses on the command line: exit statuses, JSON shapes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import EXAMPLES, smpcheck

KEYS = {"file", "line", "primitive", "weakened_to", "mm", "load_bearing", "finding"}


def test_barriers_json_lists_sites_per_model() -> None:
    res = smpcheck("barriers", EXAMPLES / "sb-mb.py", "--mm", "sc", "--mm", "tso", "--json")
    assert res.code == 0, res.err
    rows = json.loads(res.out)
    assert rows and all(set(r) >= KEYS for r in rows)
    assert {r["mm"] for r in rows} == {"sc", "tso"}
    fences = [r for r in rows if r["primitive"] == "smp_mb"]
    assert [r["load_bearing"] for r in fences if r["mm"] == "tso"] == [True, True]
    assert all(r["weakened_to"] == "(removed)" for r in fences)


def test_barriers_cut_short_is_unknown_and_exit_3() -> None:
    res = smpcheck("barriers", EXAMPLES / "sb-mb.py", "--mm", "tso", "--json",
                   "--max-executions", "1")
    assert res.code == 3
    assert all(r["load_bearing"] is None for r in json.loads(res.out))
    text = smpcheck("barriers", EXAMPLES / "sb-mb.py", "--mm", "tso", "--max-executions", "1")
    assert "every site is unknown there" in text.out and "raise --max-executions" in text.out
    assert " no " not in text.out.split("(yes:")[0]


def test_fix_exit_statuses() -> None:
    fixed = smpcheck("barriers", EXAMPLES / "sb.py", "--fix", "--mm", "tso", "--json")
    assert fixed.code == 0
    doc = json.loads(fixed.out)
    assert doc["fixed"] and [c["change"] for c in doc["changes"]] == ["smp_mb", "smp_mb"]
    hopeless = smpcheck("barriers", EXAMPLES / "counter-nolock.py", "--fix", "--mm", "sc",
                        "--max-changes", "1")
    assert hopeless.code == 1 and "no fix found" in hopeless.out
    holds = smpcheck("barriers", EXAMPLES / "sb-mb.py", "--fix", "--mm", "tso")
    assert holds.code == 0 and "nothing to fix" in holds.out


def test_barriers_bad_input(tmp_path: Path) -> None:
    for args in (["barriers", tmp_path / "missing.py"], ["barriers", "kvm:no-such-design"],
                 ["barriers", EXAMPLES / "sb.py", "--scenario", "core"],
                 ["barriers", EXAMPLES / "sb.py", "--mm", "pso"]):
        res = smpcheck(*args)
        assert res.code == 2 and "Traceback" not in res.err and "error" in res.err, args


def test_check_compare() -> None:
    res = smpcheck("check", EXAMPLES / "sb.py", "--compare", "sc,tso,lkmm")
    assert res.code == 1
    assert res.out.startswith("SB: sc safe, tso violation, lkmm violation")
    assert res.out.count("CPU 0 (P0)") == 2  # a witness per failing model
    doc = json.loads(smpcheck("check", EXAMPLES / "sb-mb.py", "--compare", "sc,tso",
                              "--json").out)
    assert doc["exit"] == 0 and [m["verdict"] for m in doc["models"]] == ["safe", "safe"]
    cut = smpcheck("check", EXAMPLES / "sb-mb.py", "--compare", "sc,tso",
                   "--max-executions", "1")
    assert cut.code == 3 and "incomplete, no verdict" in cut.out
    for bad in (["--compare", "sc,pso"], ["--compare", ","], ["--compare", "sc", "--mm", "tso"]):
        assert smpcheck("check", EXAMPLES / "sb.py", *bad).code == 2, bad


def test_bare_check_says_which_model_its_safe_verdict_covers() -> None:
    bare = smpcheck("check", EXAMPLES / "sb-mb.py")
    assert bare.code == 0 and "safe under sc (the default) only" in bare.out
    named = smpcheck("check", EXAMPLES / "sb-mb.py", "--mm", "sc")
    assert "the default" not in named.out
    failing = smpcheck("check", EXAMPLES / "uaf.py")
    assert failing.code == 1 and "the default" not in failing.out


def test_shortest_says_what_it_chose() -> None:
    res = smpcheck("check", EXAMPLES / "peterson.py", "--mm", "tso", "--shortest")
    assert res.code == 1 and "(--shortest: of every violating execution" in res.out
    assert "stopped at the first violation" not in res.out


def test_shortest_cut_short_claims_no_more_than_it_saw() -> None:
    """A bound that cuts --shortest's run short: the note says it chose among the
    executions explored, never "of every violating execution", and does not say there
    is none to choose from when the run never saw them all."""
    found = smpcheck("check", EXAMPLES / "peterson.py", "--mm", "tso", "--shortest",
                     "--max-executions", "2")
    assert found.code == 1 and "of every violating execution" not in found.out
    assert "(--shortest: of the violating executions found before the bound" in found.out
    none = smpcheck("check", EXAMPLES / "mp.py", "--mm", "lkmm", "--shortest",
                    "--max-executions", "2")
    assert none.code == 3 and "no violating execution to choose from" not in none.out
    assert "(--shortest: no violating execution found before the bound)" in none.out
