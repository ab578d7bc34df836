"""herd7's command line and ``.cfg`` files: which model, macros and variants to use.

The options the kernel's tools/memory-model scripts pass to herd7, spelled as
herd spells them (one dash; ``--opt`` is accepted too)::

    -conf FILE.cfg      a configuration file, looked up as herd does in the
                        current directory, then in the -I directories: lines
                        ``key value``, keys being option names (model, bell,
                        macros, variant, ...); display keys (graph, squished,
                        showevents...) are accepted and ignored
    -model FILE.cat     the cat model (also -cat); searched in the current
                        directory, the -I directories, the cfg file's directory
                        and smpcheck's own models (sc.cat, x86tso.cat); so are
                        the bell and macro files
    -bell FILE.bell     a bell file run before the model
    -macros FILE.def    the C macros (linux-kernel.def)
    -I DIR              a directory to search for model and include files
    -variant V,...      variants the model tests (``if "lkmmv2" then ...``)
    -speedcheck MODE    false (default), true or fast: stop a test as soon as
                        its condition is settled
    -timeout S          stop a test after S seconds
    -unroll N           iterations a loop that is not a spin wait may run
                        (default 8; herd7 drops the executions past its bound,
                        smpcheck stops there: the test is incomplete, exit 3)
    -o DIR              write the DOT graphs of -show into DIR/TEST.dot
    -show WHAT          executions to draw: none, all, prop, neg, cond (= wit)
    -gv                 draw them: rendered by Graphviz's dot and opened in a
                        viewer ($SMPCHECK_VIEWER, gv, xdg-open...); printed as
                        DOT when either is missing
    -j N                processes checking the files, one file each (smpcheck's own;
                        default: the number of cores, once this process has
                        worked half a CPU-second: a few small tests stay in one)
    -version, -help

Command-line options win over the cfg file's.  Other arguments are litmus
files, or directories whose ``*.litmus`` files are all run.
"""

from __future__ import annotations

import math
import os

from smpcheck.cat import read_config
from smpcheck.cat.model import CatConfig
from smpcheck.errors import UsageError
from smpcheck.records import field, mutable_record
from smpcheck.text import read_text

#: Options that take a value, by herd's name -> the attribute of :class:`HerdOptions`.
VALUED = {"conf": "conf", "model": "model", "cat": "model", "bell": "bell",
          "macros": "macros", "I": "includes", "variant": "variants",
          "speedcheck": "speedcheck", "timeout": "timeout", "unroll": "unroll", "o": "outdir",
          "show": "show", "j": "jobs"}
SWITCHES = frozenset({"gv", "version", "help"})
SPEEDCHECK = ("false", "true", "fast")
SHOW = ("none", "all", "prop", "neg", "cond", "wit")


@mutable_record
class HerdOptions:
    """herd7's options after the command line and the cfg file."""

    conf: str | None = None
    model: str | None = None
    bell: str | None = None
    macros: str | None = None
    includes: list[str] = field(default_factory=list)
    variants: set[str] = field(default_factory=set)
    speedcheck: str = "false"
    timeout: float | None = None
    unroll: int | None = None  # the loop bound (None: smpcheck's default)
    outdir: str | None = None
    show: str = "none"
    jobs: int | None = None  # -j (None: the number of cores)
    gv: bool = False
    version: bool = False
    help: bool = False
    files: list[str] = field(default_factory=list)
    cfg: CatConfig | None = None
    from_cfg: set[str] = field(default_factory=set)  # attributes the cfg file set

    def origin(self, attr: str) -> tuple[str | None, int | None]:
        """Where an option's value comes from: the cfg file and line, or the command line."""
        if attr not in self.from_cfg or self.conf is None:
            return None, None
        keys = {"model": ("model", "cat")}.get(attr, (attr,))
        return self.conf, cfg_line(self.conf, keys)

    @property
    def search_path(self) -> list[str]:
        """-I directories, then the cfg file's directory."""
        dirs = list(self.includes)
        if self.conf is not None:
            dirs.append(os.path.dirname(os.path.abspath(self.conf)))
        return dirs


def parse_options(argv: list[str]) -> HerdOptions:
    """herd7's arguments as :class:`HerdOptions` (a bad option raises UsageError)."""
    opts = HerdOptions()
    given: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            opts.files.append(arg)
            continue
        name = arg.lstrip("-")
        if name in SWITCHES:
            setattr(opts, name, True)
            continue
        if name not in VALUED:
            raise UsageError(f"unknown option {arg!r} (smpcheck-herd knows: "
                             + ", ".join("-" + k for k in [*VALUED, *sorted(SWITCHES)]) + ")")
        if i >= len(argv):
            raise UsageError(f"option {arg} needs a value")
        value = argv[i]
        i += 1
        if name == "I":
            opts.includes.append(value)
        elif name == "variant":
            opts.variants.update(_split(value))
        else:
            given[VALUED[name]] = value
    if "conf" in given:
        opts.conf = find_file(given["conf"], opts.includes, "configuration file")
        opts.cfg = read_config(opts.conf)
        _apply_cfg(opts, opts.cfg)
    for key, value in given.items():
        _set(opts, key, value, None)
        opts.from_cfg.discard(key)
    return opts


def find_file(name: str, dirs: list[str], what: str) -> str:
    """Where herd finds a file it is given: as written (from the current directory),
    else in each -I directory in order; a UsageError saying where it looked."""
    if os.path.isfile(name) or os.path.isabs(name):
        return name
    for d in dirs:
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate):
            return candidate
    searched = ", ".join([".", *dirs])
    raise UsageError(f"cannot find {what} {name!r}; searched: {searched} (add -I DIR)")


def cfg_line(path: str, keys: tuple[str, ...]) -> int | None:
    """The line of a cfg file that sets one of ``keys`` (the last one), if any."""
    found = None
    try:
        text = read_text(path)
    except UsageError:
        return None
    for lineno, raw in enumerate(text.splitlines(), 1):
        if raw.strip().partition(" ")[0] in keys:
            found = lineno
    return found


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _apply_cfg(opts: HerdOptions, cfg: CatConfig) -> None:
    """The cfg file's settings, before the command line's."""
    opts.model, opts.bell, opts.macros = cfg.model, cfg.bell, cfg.macros
    opts.from_cfg = {k for k in ("model", "bell", "macros") if getattr(opts, k) is not None}
    opts.variants.update(cfg.variants)
    for key in ("speedcheck", "timeout", "unroll", "show"):
        if key in cfg.options:
            _set(opts, key, cfg.options[key], cfg.path)
    if "o" in cfg.options:
        _set(opts, "outdir", cfg.options["o"], cfg.path)


def _set(opts: HerdOptions, key: str, value: str,  # noqa: C901 - one case per option
         where: str | None) -> None:
    if key == "timeout":
        try:
            opts.timeout = float(value)
        except ValueError:
            raise UsageError(f"-timeout takes seconds, found {value!r}", where) from None
        if not math.isfinite(opts.timeout) or opts.timeout <= 0:
            raise UsageError(f"-timeout takes a finite number of seconds above 0, found "
                             f"{value!r}", where)
    elif key == "unroll":
        try:
            opts.unroll = int(value)
        except ValueError:
            raise UsageError(f"-unroll takes a whole number, found {value!r}", where) from None
        if opts.unroll < 1:
            raise UsageError(f"-unroll takes a number of at least 1, found {value!r}", where)
    elif key == "jobs":
        if not value.isdigit() or int(value) < 1:
            raise UsageError(f"-j takes a number of at least 1, found {value!r}", where)
        opts.jobs = int(value)
    elif key == "speedcheck":
        if value not in SPEEDCHECK:
            raise UsageError(f"-speedcheck takes {', '.join(SPEEDCHECK)}, found {value!r}",
                             where)
        opts.speedcheck = value
    elif key == "show":
        if value not in SHOW:
            raise UsageError(f"-show takes {', '.join(SHOW)}, found {value!r}", where)
        opts.show = value
    elif key != "conf":
        setattr(opts, key, value)


def litmus_files(args: list[str]) -> list[str]:
    """The litmus files named by the arguments: files, and directories' ``*.litmus``;
    each named as ``str(Path(arg))`` names it (as the messages name the file)."""
    out: list[str] = []
    for arg in args:
        if _normal(arg) and not os.path.isdir(arg):
            out.append(arg)  # (no pathlib: about 3 ms to import, a fiftieth of 35 tests)
            continue
        from pathlib import Path

        if os.path.isdir(arg):  # (not p.is_dir(): it raises on a name too long)
            found = sorted(Path(arg).rglob("*.litmus"))
            if not found:
                raise UsageError(f"directory {arg} holds no .litmus file")
            out.extend(map(str, found))
        else:
            out.append(str(Path(arg)))
    return out


def _normal(path: str) -> bool:
    """Whether ``str(Path(path))`` is ``path`` itself (no empty nor ``.`` part)."""
    parts = path.split("/")
    return bool(path) and parts[0] != "." and all(p not in ("", ".") for p in parts[1:])
