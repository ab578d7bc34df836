"""The optional compiled core: smpcheck's hot modules built with mypyc, used only when fresh.

``make install`` runs ``python smpcheck/_compiled.py build``: with a C compiler and
Python's headers it compiles :data:`MODULES` with mypyc (part of mypy) into one shared
library, ``smpcheck/_core__mypyc*.so``, and one small extension beside each module's
``.py`` (which Python then imports instead of the source); without them, when the build
fails, or with ``SMPCHECK_PURE=1``, it removes any earlier build and says so in one line:
smpcheck then runs as pure Python, the same code.

Staleness.  The build writes a manifest (:data:`MANIFEST`): for each source mypyc read
(the compiled modules and every smpcheck module they import, which mypyc may have
inlined from), its modification time, size and SHA-256, taken before the build; and
each extension's time and size.  Importing smpcheck (this module, first) compares:
a source with the recorded time and size is unchanged (one ``stat`` each, as Python's
own ``.pyc`` check); one whose time or size differs is hashed, and only different
content makes the core stale.  A stale core, a missing manifest or ``SMPCHECK_PURE``
set: every compiled module is then imported from its source, all of them, never a mix
(one mypyc group shares native classes), with one line on stderr when stale.
"""

from __future__ import annotations

import os
import sys
from typing import Any

MODULES = (
    "smpcheck._rt.ops",
    "smpcheck._rt.runtime",
    "smpcheck.cat.batch",
    "smpcheck.cat.batch_eval",
    "smpcheck.cat.batched",
    "smpcheck.cat.compiler",
    "smpcheck.cat.defs",
    "smpcheck.cat.evaluate",
    "smpcheck.cat.kinds",
    "smpcheck.cat.lexer",
    "smpcheck.cat.parser",
    "smpcheck.cat.program",
    "smpcheck.cat.stdlib",
    "smpcheck.cat.values",
    "smpcheck.explore.checks",
    "smpcheck.explore.explorer",
    "smpcheck.explore.speculation",
    "smpcheck.explore.split",
    "smpcheck.graph.dense",
    "smpcheck.graph.events",
    "smpcheck.graph.final",
    "smpcheck.graph.graph",
    "smpcheck.graph.relation",
    "smpcheck.herd.defmacros",
    "smpcheck.litmus.header",
    "smpcheck.litmus.lexer",
    "smpcheck.litmus.parse_c",
    "smpcheck.litmus.parse_common",
    "smpcheck.models.cat",
    "smpcheck.models.cycles",
)
GROUP = "smpcheck._core"  # the shared library: smpcheck/_core__mypyc<suffix>
PACKAGE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(PACKAGE)
MANIFEST = os.path.join(PACKAGE, "_core.manifest")
FAILED = os.path.join(PACKAGE, "_core.failed")  # the sources a failed build was tried on
BUILD = os.path.join(ROOT, "build", "mypyc")
HEADER = f"smpcheck compiled core 1 {sys.implementation.cache_tag}"
_NOTED = "SMPCHECK_CORE_NOTED"  # set once the stale notice is printed (child processes)


def _path(module: str) -> str:
    return os.path.join(ROOT, *module.split(".")) + ".py"


def _extension(module: str) -> str:
    import sysconfig

    return os.path.join(ROOT, *module.split(".")) + str(sysconfig.get_config_var("EXT_SUFFIX"))


def _sha(path: str) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _changed(manifest: str) -> str | None:
    """The first file the manifest's build differs from (or the manifest itself), or None."""
    lines = manifest.splitlines()
    if not lines or lines[0] != HEADER:
        return MANIFEST
    for line in lines[1:]:
        rel, mtime, size, sha = line.rsplit(" ", 3)
        path = os.path.join(ROOT, rel)
        try:
            st = os.stat(path)
        except OSError:
            return rel
        if (st.st_mtime_ns, st.st_size) == (int(mtime), int(size)):
            continue
        if sha == "-" or st.st_size != int(size) or _sha(path) != sha:
            return rel
    return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _status() -> tuple[str, str | None]:
    """("compiled" | "pure" | "stale", the changed file when stale)."""
    if os.environ.get("SMPCHECK_PURE"):
        return "pure", None
    try:
        manifest = _read(MANIFEST)
    except OSError:
        return "pure", None
    changed = _changed(manifest)
    return ("compiled", None) if changed is None else ("stale", changed)


class _FromSource:
    """A finder ahead of Python's: the compiled modules from their ``.py`` files."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> Any:
        if name not in MODULES:
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(name, _path(name))


def _guard() -> str:
    """Decide, before any compiled module loads, whether the compiled core may."""
    status, changed = _status()
    if status != "compiled":
        sys.meta_path.insert(0, _FromSource())
    if status == "stale" and not os.environ.get(_NOTED):
        os.environ[_NOTED] = "1"
        print(f"smpcheck: the compiled core was built from another {changed}: running the pure "
              "Python core (`make install` rebuilds it)", file=sys.stderr)
    return status


CORE = _guard() if __name__ != "__main__" else "pure"
"""How this process runs smpcheck's core: "compiled", "pure" (none built, or
SMPCHECK_PURE set) or "stale" (pure: the build is older than its sources)."""


# -- the build (``python smpcheck/_compiled.py build | clean``) ---------------------


def _source(name: str) -> str | None:
    """The file of smpcheck module or package ``name``, or None (a name in a module)."""
    base = os.path.join(ROOT, *name.split("."))
    for path in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(path):
            return path
    return None


def _watched() -> list[str]:
    """The sources mypyc reads: the compiled modules, the smpcheck modules they import
    (at any depth, under TYPE_CHECKING too) and the packages holding them."""
    import ast

    seen: set[str] = set()
    todo = list(MODULES)
    while todo:
        name = todo.pop()
        path = _source(name)
        if path is None or path in seen:
            continue
        seen.add(path)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("smpcheck")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("smpcheck"):
                todo += [str(node.module), *(f"{node.module}.{a.name}" for a in node.names)]
    return sorted(os.path.relpath(p, ROOT) for p in seen)


def _built_files() -> list[str]:
    return [_extension(m) for m in MODULES] + [_extension(GROUP + "__mypyc")]


def _clean() -> None:
    """Remove the manifest and every extension in the package (a module since taken off
    MODULES too: smpcheck has no other)."""
    import glob
    import sysconfig

    suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
    for path in [MANIFEST, *glob.glob(os.path.join(PACKAGE, "**", "*" + suffix), recursive=True)]:
        if os.path.exists(path):
            os.remove(path)


def _entry(rel: str, sha: bool) -> str:
    path = os.path.join(ROOT, rel)
    st = os.stat(path)
    return f"{rel} {st.st_mtime_ns} {st.st_size} {_sha(path) if sha else '-'}"


def _no_compiler() -> str | None:
    """Why no C extension can be built here, or None."""
    import shutil
    import sysconfig

    cc = str(sysconfig.get_config_var("CC") or "cc").split()
    if not cc or shutil.which(cc[0]) is None:
        return f"no C compiler ({cc[0] if cc else 'CC unset'})"
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        return f"no Python headers ({include}/Python.h)"
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "no mypyc (pip install mypy)"
    return None


def _compile(log: str) -> bool:
    """Compile MODULES in a child process, its output to ``log``; whether it succeeded."""
    import subprocess

    jobs = str(max(1, min(len(os.sched_getaffinity(0)), 4)))
    with open(log, "w") as out:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "compile", jobs],
                              cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    return done.returncode == 0


def _compile_here(jobs: str) -> None:
    """(In the child) mypyc, then the C compiler on its output, the results in place."""
    from mypyc.build import mypycify
    from setuptools import setup

    paths = [os.path.relpath(_path(m), ROOT) for m in MODULES]
    opt = os.environ.get("MYPYC_OPT_LEVEL", "3")
    extensions = mypycify(paths, opt_level=opt, group_name=GROUP,
                          target_dir=os.path.join(BUILD, "c"))
    setup(name="smpcheck-core", ext_modules=extensions, script_args=[
        "build_ext", "--inplace", "--parallel", jobs,
        "--build-temp", os.path.join(BUILD, "temp"), "--build-lib", os.path.join(BUILD, "lib")])


def build() -> int:
    """``make install``'s step: build the compiled core if it is missing or stale."""
    if os.environ.get("SMPCHECK_PURE"):
        _clean()
        print("smpcheck: SMPCHECK_PURE is set: the core runs as pure Python (nothing compiled)")
        return 0
    if _status()[0] == "compiled":
        return 0
    _clean()
    why = _no_compiler()
    if why is not None:
        print(f"smpcheck: {why}: the core runs as pure Python (nothing compiled)")
        return 0
    entries = [_entry(rel, True) for rel in _watched()]  # (before: an edit during the build)
    key = "\n".join([_sha(__file__), *(e.rsplit(" ", 1)[1] for e in entries)])
    if os.path.exists(FAILED) and _read(FAILED) == key:
        print(f"smpcheck: mypyc failed on these sources before ({BUILD}/build.log): "
              "the core runs as pure Python")
        return 0
    os.makedirs(BUILD, exist_ok=True)
    log = os.path.join(BUILD, "build.log")
    if not _compile(log):
        _clean()
        with open(FAILED, "w", encoding="utf-8") as f:
            f.write(key)
        print(f"smpcheck: mypyc could not build the compiled core ({log}): "
              "the core runs as pure Python")
        return 0
    entries += [_entry(os.path.relpath(p, ROOT), False) for p in _built_files()]
    with open(MANIFEST, "w", encoding="utf-8") as f:
        f.write("\n".join([HEADER, *entries]) + "\n")
    if os.path.exists(FAILED):
        os.remove(FAILED)
    print(f"smpcheck: compiled core built ({len(MODULES)} modules, mypyc)")
    return 0


if __name__ == "__main__":
    # (run as a script: its directory, smpcheck/, must not hide modules named like its own)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != PACKAGE]
    if sys.argv[1:2] == ["compile"]:
        _compile_here(sys.argv[2])
    elif sys.argv[1:] == ["clean"]:
        _clean()
    else:
        sys.exit(build())
