"""Loading cat models: files, includes, bell files and herd ``.cfg`` files.

A name in ``include "f.cat"`` is looked up in the including file's directory,
then in each directory of the search path, then in smpcheck's own models
(``smpcheck/cat/models``), then in smpcheck's library (``stdlib.cat``,
``cross.cat``, ``cos.cat``, ``cos-opt.cat``, ``x86fences.cat``).  Each file is
included at most once per model.  Parsed files are cached by path and
modification time, loaded models by their arguments.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from smpcheck.cat import syntax as S
from smpcheck.cat.evaluate import CatResult, Execution, Resolver, evaluate
from smpcheck.cat.parser import parse
from smpcheck.cat.program import Program, compile_program
from smpcheck.cat.stdlib import BASE_NAMES, LIBRARY
from smpcheck.errors import UsageError
from smpcheck.records import field, mutable_record, record
from smpcheck.text import read_text

#: smpcheck's own models (sc.cat, x86tso.cat...): a str, as every path here (no pathlib:
#: about 3 ms to import)
MODELS_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "models")

_PARSED: dict[str, tuple[tuple[int, int], S.CatFile]] = {}
_LIBRARY_PARSED: dict[str, S.CatFile] = {}
_MODELS: dict[tuple[Any, ...], CatModel] = {}


def parse_path(path: str | os.PathLike[str]) -> S.CatFile:
    """Parse a cat/bell file, reusing the result while the file is unchanged."""
    key = os.path.abspath(path)
    try:
        st = os.stat(key)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}", str(path)) from None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    text = read_text(key, what="model file")
    try:
        cat = parse(text, str(path))
    except RecursionError:
        raise UsageError("the model is nested too deeply to read", str(path)) from None
    _PARSED[key] = (stamp, cat)
    return cat


def _library_file(name: str) -> S.CatFile:
    cat = _LIBRARY_PARSED.get(name)
    if cat is None:
        cat = _LIBRARY_PARSED[name] = parse(LIBRARY[name], f"<smpcheck library>/{name}")
    return cat


def _find(name: str, dirs: Iterable[str]) -> str | None:
    if os.path.isabs(name):
        return name if os.path.isfile(name) else None
    for d in dirs:
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate):
            return candidate
    return None


class _Loader:
    """Resolves includes for one model; remembers what it has included."""

    def __init__(self, search_path: list[str]) -> None:
        self.search_path = search_path
        self.seen: set[str] = set()
        self.files: list[tuple[str, tuple[int, int]]] = []

    def dirs(self, includer: str | None) -> list[str]:
        first = [os.path.dirname(includer)] if includer and os.path.isfile(includer) else []
        return first + self.search_path + [MODELS_DIR]

    def load(self, name: str, includer: str | None) -> S.CatFile | None:
        path = _find(name, self.dirs(includer))
        if path is not None:
            key = os.path.abspath(path)
            if key in self.seen:
                return None
            self.seen.add(key)
            st = os.stat(key)
            self.files.append((key, (st.st_mtime_ns, st.st_size)))
            return parse_path(path)
        if name in LIBRARY:
            key = "<library>/" + name
            if key in self.seen:
                return None
            self.seen.add(key)
            return _library_file(name)
        return None

    def __call__(self, name: str, includer: str, line: int, col: int) -> S.CatFile | None:
        cat = self.load(name, includer)
        if cat is None and not self._already(name, includer):
            searched = ", ".join(self.dirs(includer)) or "(empty)"
            raise UsageError(f'cannot find include file "{name}"; searched: {searched} '
                             "and smpcheck's library", includer, line, col)
        return cat

    def _already(self, name: str, includer: str) -> bool:
        path = _find(name, self.dirs(includer))
        if path is not None:
            return os.path.abspath(path) in self.seen
        return "<library>/" + name in self.seen


@mutable_record
class CatModel:
    """A loaded, compiled cat model; :meth:`check` judges one execution."""

    path: str
    title: str | None
    bell: str | None
    variants: frozenset[str]
    program: Program = field(repr=False)
    files: list[tuple[str, tuple[int, int]]] = field(repr=False)

    def check(self, execution: Mapping[str, Any] | Execution,
              resolver: Resolver | None = None, stop_on_failure: bool = False) -> CatResult:
        """Run the model on one execution (see :mod:`smpcheck.cat` for its keys).

        ``resolver(name, alternatives)`` may pin each ``with name from ...``
        to one alternative (or return ``REJECT``); without one, every
        alternative is tried and the model passes if any passes.  With
        ``stop_on_failure`` the run stops at the first failed check."""
        return evaluate(self.program, execution, resolver, stop_on_failure)

    @property
    def base_names(self) -> list[str]:
        """The execution names this model reads (after its own definitions)."""
        return sorted(self.program.base_slots)

    @property
    def checks(self) -> list[tuple[str, str]]:
        """(mode, name) of every check: mode is check, flag or requires."""
        return list(self.program.check_names)

    @property
    def enums(self) -> dict[str, tuple[str, ...]]:
        """The enum declarations: name -> tags."""
        return dict(self.program.enums)

    @property
    def instruction_classes(self) -> dict[str, list[str]]:
        """``instructions R[Accesses]`` declarations: event class -> enum names."""
        return dict(self.program.instruction_classes)

    def is_fresh(self) -> bool:
        """Whether none of the model's files changed since it was loaded."""
        for path, stamp in self.files:
            try:
                st = os.stat(path)
            except OSError:
                return False
            if (st.st_mtime_ns, st.st_size) != stamp:
                return False
        return True


def _locate_model(cat_path: str | os.PathLike[str], search_path: list[str]) -> str:
    path = os.fspath(cat_path)
    if os.path.isfile(path):
        return path
    found = _find(path, search_path + [MODELS_DIR])
    if found is None:
        searched = ", ".join(search_path + [MODELS_DIR])
        raise UsageError(f"cannot find model {path!r}; searched: {searched}")
    return found


def load_model(cat_path: str | os.PathLike[str], search_path: Iterable[str] = (),
               bell: str | os.PathLike[str] | None = None,
               variants: Iterable[str] = frozenset(),
               base_names: Iterable[str] = ()) -> CatModel:
    """Load and compile a cat model (with an optional bell file run before it).

    ``cat_path`` may also name a model of the search path or one of
    smpcheck's own (``"sc.cat"``, ``"x86tso.cat"``).  ``variants`` are the
    herd variants set (``if "v" then ...``).  ``base_names`` adds names the
    execution will supply beyond :data:`smpcheck.cat.stdlib.BASE_NAMES`."""
    dirs = [os.fspath(d) for d in search_path]
    variant_set = frozenset(variants)
    main = _locate_model(cat_path, dirs)
    bell_path = _locate_model(bell, dirs) if bell is not None else None
    names = BASE_NAMES | frozenset(base_names)
    key = (os.path.abspath(main), bell_path and os.path.abspath(bell_path), tuple(dirs),
           variant_set, names)
    hit = _MODELS.get(key)
    if hit is not None and hit.is_fresh():
        return hit
    loader = _Loader(dirs)
    stdlib = loader.load("stdlib.cat", None)
    files = [stdlib] if stdlib is not None else []
    for path in (bell_path, main):
        if path is not None:
            cat = loader.load(os.path.abspath(path), None)
            if cat is not None:
                files.append(cat)
    try:
        program = compile_program(files, loader, variant_set, names)
    except RecursionError:
        raise UsageError("the model is nested too deeply to compile", main) from None
    model = CatModel(main, files[-1].title if files else None, bell_path, variant_set,
                     program, loader.files)
    _MODELS[key] = model
    return model


# -- herd configuration files -------------------------------------------------------

#: cfg keys smpcheck reads; the display keys after them are accepted and ignored.
CFG_KEYS = frozenset({"macros", "bell", "model", "variant", "cat"})
CFG_IGNORED = frozenset({
    "graph", "squished", "showevents", "movelabel", "fontsize", "xscale", "yscale",
    "arrowsize", "showinitrf", "showfinalrf", "showinitwrites", "splines", "pad",
    "edgeattr", "doshow", "unshow", "show", "showthread", "showlegend", "showkind",
    "shownames", "showobs", "showpo", "initwrites", "dotmode",
    "dotcom", "mode", "nshow", "through", "skipchecks", "strictskip", "speedcheck",
    "optace", "archcheck", "unroll", "extrachars", "symetric", "oneinit", "penwidth",
    "scale", "ranksep", "nodesep", "labelinit", "showfr", "showcutoff", "condensed",
    "badexecs", "badflag", "kinds", "conds", "names", "excl", "hexa", "verbose",
    "dumpes", "suffix", "o", "gv", "evince", "fixedsize", "cfgdotcom",
    "showtoken", "showpos", "showraw", "maxphantom", "debug", "outcomereads",
})


@record
class CatConfig:
    """A herd ``.cfg`` file: the model, bell and macro files and the variants."""

    path: str
    model: str | None
    bell: str | None
    macros: str | None
    variants: frozenset[str]
    options: dict[str, str]


def read_config(path: str | os.PathLike[str]) -> CatConfig:
    """Read a herd cfg file: lines ``key value``; ``#`` starts a comment line.

    The files it names are kept as written: herd looks them up in the current
    directory, then in the -I directories (smpcheck then in the cfg's own)."""
    path = os.fspath(path)
    lines = read_text(path, what="configuration file").splitlines()
    found: dict[str, str] = {}
    options: dict[str, str] = {}
    variants: set[str] = set()
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        if not key.replace("-", "").replace("_", "").isalnum() or not key[0].isalpha():
            raise UsageError(f"bad cfg line {line!r}: expected 'key value'", path, lineno, 1)
        if key not in CFG_KEYS and key not in CFG_IGNORED:
            raise UsageError(f"unknown cfg key {key!r}", path, lineno, 1)
        if not value:
            raise UsageError(f"cfg key {key!r} needs a value", path, lineno, len(key) + 1)
        if key == "variant":
            variants.update(v.strip() for v in value.split(",") if v.strip())
        elif key in CFG_KEYS:
            found["model" if key == "cat" else key] = value
        else:
            options[key] = value

    return CatConfig(path, found.get("model"), found.get("bell"), found.get("macros"),
                     frozenset(variants), options)


def load_config_model(cfg_path: str | os.PathLike[str], search_path: Iterable[str] = (),
                      variants: Iterable[str] | None = None) -> CatModel:
    """Load the model a herd cfg file names (its bell, model and variants).

    ``variants`` replaces the cfg's variants when given."""
    cfg = read_config(cfg_path)
    if cfg.model is None:
        raise UsageError("the cfg file names no model (key 'model')", cfg.path)
    dirs = [os.path.dirname(os.path.abspath(cfg.path))] + [os.fspath(d) for d in search_path]
    chosen = cfg.variants if variants is None else frozenset(variants)
    return load_model(cfg.model, dirs, cfg.bell, chosen)
