"""C models against their Python twins: the same executions, the same verdicts.

Each pair is one design written twice (examples/c/*.c and examples/*.py), with
the same shared objects, the same accesses in the same order.  The C front end
must give the explorer the same event stream, so every run agrees on the
executions explored, the executions blocked, the exit status and the kinds
of finding, under sc, tso and lkmm, exploring everything (--all).  The
founding handshake's verdicts are also checked against what the memory models
say (see examples/c/handshake.c): safe under SC; under x86-TSO and the LKMM
the store-buffering window frees the shadow page before the unmapper's
xchg() unless both sides have smp_mb().
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smpcheck._rt.loader import load_model
from smpcheck.c import load_c_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from smpcheck.results.findings import Kind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODELS = ("sc", "tso", "lkmm")

PAIRS = [
    ("sb.c", (), "sb.py"),
    ("sb.c", ("MB",), "sb-mb.py"),
    ("mp.c", (), "mp.py"),
    ("mp.c", ("WMB_RMB",), "mp-wmb-rmb.py"),
    ("mp.c", ("RELEASE_ACQUIRE",), "mp-release-acquire.py"),
    ("counter.c", (), "counter-spinlock.py"),
    ("counter.c", ("NOLOCK",), "counter-nolock.py"),
    ("peterson.c", (), "peterson.py"),
    ("peterson.c", ("MB",), "peterson-mb.py"),
    ("abba.c", (), "abba.py"),
    ("endless-wait.c", (), "endless-wait.py"),
    ("uaf.c", (), "uaf.py"),
    ("uaf.c", ("RCU",), "uaf-rcu.py"),
]


def summary(model: object, names: object, mm: str) -> tuple[int, int, int, list[str]]:
    r = verify(model, names, mm, Settings(all_violations=True))  # type: ignore[arg-type]
    return r.executions, r.blocked, r.exit_status, sorted(v.kind.value for v in r.violations)


@pytest.mark.parametrize(("c_file", "defines", "py_file"), PAIRS,
                         ids=[f"{c}{''.join('-' + d for d in ds)}" for c, ds, _ in PAIRS])
def test_c_model_runs_as_its_python_twin(c_file: str, defines: tuple[str, ...],
                                         py_file: str) -> None:
    c_model, c_names = load_c_model(str(EXAMPLES / "c" / c_file), dict.fromkeys(defines, "1"))
    py_model, py_names = load_model(str(EXAMPLES / py_file))
    for mm in MODELS:
        assert summary(c_model, c_names, mm) == summary(py_model, py_names, mm), mm


def _python_handshake(tmp_path: Path, after: bool, before: bool) -> Path:
    text = (EXAMPLES / "handshake.py").read_text()
    text = text.replace("FENCE_AFTER_PUBLISH = False", f"FENCE_AFTER_PUBLISH = {after}")
    text = text.replace("FENCE_BEFORE_CHECK = False", f"FENCE_BEFORE_CHECK = {before}")
    path = tmp_path / f"handshake_{int(after)}{int(before)}.py"
    path.write_text(text)
    return path


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("before", [False, True])
def test_founding_handshake_in_c(tmp_path: Path, after: bool, before: bool) -> None:
    defines = {k: "1" for k, on in (("FENCE_AFTER_PUBLISH", after),
                                    ("FENCE_BEFORE_CHECK", before)) if on}
    c_model, c_names = load_c_model(str(EXAMPLES / "c" / "handshake.c"), defines)
    py_model, py_names = load_model(str(_python_handshake(tmp_path, after, before)))
    for mm in MODELS:
        got = summary(c_model, c_names, mm)
        assert got == summary(py_model, py_names, mm), mm
        fenced = after and before
        if mm == "sc" or fenced:
            assert got[2] == 0 and got[3] == [], (mm, got)
        else:
            assert got[2] == 1 and Kind.USE_AFTER_FREE.value in got[3], (mm, got)
