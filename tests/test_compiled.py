"""The optional compiled core (smpcheck/_compiled.py): used only when built from the
sources there are now, all of its modules or none, and the same answers either way.

The tests about a build run only where ``make install`` built one (``make test`` does,
where a C compiler is); the others hold with or without it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import smpcheck
from smpcheck import _compiled

PACKAGE = Path(smpcheck.__file__).parent

# each compiled module's file, the core's state, and a check's executions and outcomes
PROBE = """
import importlib, json
from smpcheck import _compiled
from smpcheck import READ_ONCE, WRITE_ONCE, smp_mb, Model, Var, verify

files = {m: importlib.import_module(m).__file__ for m in _compiled.MODULES}
x, y = Var(0), Var(0)

def p0():
    WRITE_ONCE(x, 1)
    smp_mb()
    return READ_ONCE(y)

def p1():
    for _ in range(2):
        WRITE_ONCE(y, READ_ONCE(y) + 1)
    return READ_ONCE(x)

runs = {}
for mm in ("sc", "tso", "lkmm"):
    r = verify(Model("sb-inc", [p0, p1]), None, mm)
    runs[mm] = [r.executions, sorted(map(repr, r.outcomes.items()))]
print(json.dumps({"core": _compiled.CORE, "files": files, "runs": runs}))
"""


def _probe(pythonpath: Path | None = None, **env: str) -> tuple[dict[str, object], str]:
    """PROBE in a fresh process: its report, and what it wrote on stderr."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("SMPCHECK_PURE", "SMPCHECK_CORE_NOTED")}
    if pythonpath is not None:
        environ["PYTHONPATH"] = str(pythonpath)
    environ.update(env)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=environ, cwd=pythonpath or PACKAGE.parent, check=True)
    return json.loads(done.stdout), done.stderr


def _from_source(report: dict[str, object]) -> bool:
    """Whether every compiled module came from its .py (False: every one from the build);
    a mix is an error."""
    files = report["files"]
    assert isinstance(files, dict) and set(files) == set(_compiled.MODULES)
    kinds = {f.endswith(".py") for f in files.values()}
    assert len(kinds) == 1, f"a mix of compiled and source modules: {files}"
    return kinds.pop()


def test_smpcheck_pure_runs_the_source_with_the_same_answers() -> None:
    """SMPCHECK_PURE=1: every compiled module from its source, the same executions and
    outcomes as this process's core (compiled or not), under each memory model."""
    pure, err = _probe(SMPCHECK_PURE="1")
    assert pure["core"] == "pure" and _from_source(pure) and err == ""
    mine, _ = _probe()
    assert mine["core"] == _compiled.CORE
    assert _from_source(mine) == (_compiled.CORE != "compiled")
    assert mine["runs"] == pure["runs"]


need_build = pytest.mark.skipif(_compiled.CORE != "compiled",
                                reason="no compiled core here (make install builds it)")


def _copy(tmp_path: Path) -> Path:
    """This checkout's package, build and manifest included, times kept, under tmp_path."""
    shutil.copytree(PACKAGE, tmp_path / "smpcheck",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@need_build
def test_a_stale_build_is_not_used(tmp_path: Path) -> None:
    """A source changed since the build: every compiled module from source (none from the
    build), one line on stderr saying so, the same answers; a source only touched (the
    same content, a new time) leaves the build in use."""
    root = _copy(tmp_path)
    built, err = _probe(root)
    assert built["core"] == "compiled" and not _from_source(built) and err == ""
    relation = root / "smpcheck" / "graph" / "relation.py"
    os.utime(relation)  # (a new time, the same content: git checkout, touch)
    touched, err = _probe(root)
    assert touched["core"] == "compiled" and not _from_source(touched) and err == ""
    with relation.open("a") as f:
        f.write("# edited after the build\n")
    stale, err = _probe(root)
    assert stale["core"] == "stale" and _from_source(stale)
    assert err.splitlines() == [
        "smpcheck: the compiled core was built from another smpcheck/graph/relation.py: "
        "running the pure Python core (`make install` rebuilds it)"]
    assert stale["runs"] == built["runs"]


def test_smpcheck_pure_build_removes_the_build(tmp_path: Path) -> None:
    """``SMPCHECK_PURE=1 make install``: any build and its manifest removed, one line
    said, and the package then runs from source."""
    root = _copy(tmp_path)
    env = {**os.environ, "SMPCHECK_PURE": "1"}
    done = subprocess.run([sys.executable, str(root / "smpcheck" / "_compiled.py"), "build"],
                          capture_output=True, text=True, env=env, check=True)
    assert done.stdout.count("\n") == 1 and "pure Python" in done.stdout
    left = [p.name for p in (root / "smpcheck").rglob("*") if p.suffix == ".so"
            or p.name == "_core.manifest"]
    assert left == []
    report, err = _probe(root)
    assert report["core"] == "pure" and _from_source(report) and err == ""


def test_version_says_which_core() -> None:
    """``smpcheck --version`` names the core this process would run."""
    from tests.support.cli import smpcheck as run

    out = run("--version").out
    said = {"compiled": "(compiled core)", "pure": "(pure Python)",
            "stale": "(pure Python: the compiled core is stale)"}[_compiled.CORE]
    assert out.rstrip().endswith(said)
