"""smpcheck's imports point one way: down the layers below, never in a circle.

Every module of the package is parsed (its ast: imports inside functions count,
since they run too) and each import checked against the layer order, bottom
first.  A module belongs to the layer of the longest prefix naming it.  The
order is ../shared/DESIGN.md's but for what README.md's architecture section
explains (the litmus syntax below model/, the kernel API above the runtime).

Cycles are looked for between files; an import under ``if TYPE_CHECKING:``
never runs, so it counts for the layers but not for cycles.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import smpcheck

PACKAGE = Path(smpcheck.__file__).parent

#: Bottom first: a module may import its own layer and the layers before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("compiled core", ("smpcheck._compiled",)),  # which core runs: imports nothing of ours
    ("version", ("smpcheck.version",)),
    ("errors", ("smpcheck.errors",)),
    ("records", ("smpcheck.records",)),  # frozen record classes: imports nothing of ours
    ("settings", ("smpcheck.settings",)),
    ("text", ("smpcheck.text",)),
    ("collector", ("smpcheck.collector",)),  # the garbage collector's thresholds: the same
    # a model's conditions are herd propositions: the litmus syntax is below model/
    ("litmus syntax", ("smpcheck.litmus.syntax", "smpcheck.litmus.lexer",
                       "smpcheck.litmus.header", "smpcheck.litmus.parse_common",
                       "smpcheck.litmus.parse_c", "smpcheck.litmus.parse_x86")),
    ("model", ("smpcheck.model",)),
    ("graph", ("smpcheck.graph",)),
    ("cat", ("smpcheck.cat",)),
    ("results", ("smpcheck.results",)),
    ("runtime", ("smpcheck._rt",)),
    ("kernel API", ("smpcheck.kernel",)),
    ("memory models", ("smpcheck.models",)),
    ("explore", ("smpcheck.explore",)),
    ("litmus", ("smpcheck.litmus",)),
    ("C", ("smpcheck.c",)),  # kernel-style C in, to the runtime as Python models are
    ("herd", ("smpcheck.herd",)),
    ("kvm", ("smpcheck.kvm",)),
    ("analyses", ("smpcheck.analyses",)),  # what runs the explorer many times
    ("report", ("smpcheck.report",)),
    ("cli", ("smpcheck.cli",)),
    ("public API", ("smpcheck",)),  # smpcheck/__init__.py: the names users import
]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__.py)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = modules()


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of the longest prefix naming ``module``."""
    best, index = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, index = len(p), i
    if module == "smpcheck":
        return len(LAYERS) - 1
    return index


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(module imported, line, whether it runs) for each smpcheck import in ``path``."""
    def visit(node: ast.AST, runs: bool) -> Iterator[tuple[str, int, bool]]:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.body:
                yield from visit(child, False)
            for child in node.orelse:
                yield from visit(child, runs)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "smpcheck":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield (sub if sub in MODULES else node.module), node.lineno, runs
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "smpcheck":
                    yield alias.name, node.lineno, runs
        for child in ast.iter_child_nodes(node):
            yield from visit(child, runs)

    yield from visit(ast.parse(path.read_text(), str(path)), True)


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if layer_of(m) < 0] == []


#: Deliberate upward imports, each with its reason (lazy, inside one function).
EXCEPTIONS = {
    # a sweep's worker process renders its findings where their graphs are and ships
    # text and JSON to the parent, not graphs
    ("smpcheck.analyses.sweep", "smpcheck.report"),
}


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for module, path in sorted(MODULES.items()):
        mine = layer_of(module)
        for target, line, _ in imports(path):
            theirs = layer_of(target)
            allowed = any(module == m and (target == t or target.startswith(t + "."))
                          for m, t in EXCEPTIONS)
            if theirs > mine and not allowed:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} "
                             f"({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})")
    assert wrong == [], "imports up the layers:\n" + "\n".join(wrong)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def import_graph() -> dict[str, set[str]]:
    """Which module imports which (at run time) between the package's files."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        graph[module] |= {t for t, _, runs in imports(path) if runs and t in MODULES
                          and t != module}
    return graph


def test_no_import_cycle_between_files() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    """The oracle is right on graphs with known components (self-check)."""
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert sorted(cycles(g)) == [["a", "b", "c"], ["d", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
