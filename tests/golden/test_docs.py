"""The command output shown in README.md and docs/*.md is what the commands print now.

A stale block fails here; `.venv/bin/python docs/refresh.py` rewrites them.
Only timings are ignored.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "docs"))

import refresh  # noqa: E402

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CASES = [(doc, m["prog"], m["args"], m["out"]) for doc in DOCS
         for m in refresh.blocks(doc.read_text())]


def test_the_docs_show_command_output() -> None:
    assert any(doc.name == "README.md" for doc, _, _, _ in CASES)


@pytest.mark.parametrize(("doc", "prog", "args", "shown"), CASES,
                         ids=[f"{d.name}: {p} {a}" for d, p, a, _ in CASES])
def test_block_is_current(doc: Path, prog: str, args: str, shown: str) -> None:
    if "../shared" in args and not (REPO.parent / "shared").is_dir():
        pytest.skip(f"../shared is absent: cannot run `smpcheck {args}`")
    now = refresh.run(args, prog)
    assert refresh.without_timing(shown) == refresh.without_timing(now), (
        f"{doc.name}: the output of `{prog} {args}` changed; run docs/refresh.py")
