"""What a C model's reports show: its C lines in the table and the JSON, and a
replay of its counterexample."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.cli import smpcheck

C = Path(__file__).resolve().parents[2] / "examples" / "c"


def _line_of(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)


def test_table_rows_are_the_c_source_lines() -> None:
    path = C / "sb.c"
    res = smpcheck("check", path, "--mm", "tso")
    assert res.code == 1, res
    store = _line_of(path, "WRITE_ONCE(x, 1);")
    load = _line_of(path, "r0 = READ_ONCE(y);")
    assert re.search(rf"\b{store}: WRITE_ONCE\(x, 1\);", res.out), res.out
    assert re.search(rf"=>\s+{load}: r0 = READ_ONCE\(y\);\s+-> 0", res.out), res.out
    [v] = smpcheck("check", path, "--mm", "tso", "--json").json()["violations"]
    assert (v["kind"], v["file"], v["line"]) == ("condition", str(path),
                                                 _line_of(path, "~exists"))


def test_json_trace_names_the_c_file_and_replays(tmp_path: Path) -> None:
    path = C / "handshake.c"
    res = smpcheck("check", path, "--mm", "tso", "--json")
    assert res.code == 1, res
    data = res.json()
    [v] = data["violations"]
    assert v["kind"] == "use-after-free"
    assert v["file"] == str(path) and v["line"] == _line_of(path, "xchg(sptep, 0);")
    record = tmp_path / "report.json"
    record.write_text(json.dumps(data))
    again = smpcheck("check", path, "--replay", record)
    assert again.code == 1 and "use-after-free" in again.out, again
    fenced = smpcheck("check", path, "-D", "FENCE_AFTER_PUBLISH", "--replay", record)
    assert fenced.code == 2 and "-D" in fenced.err, fenced  # another design: refused
    one = smpcheck("check", path, "-D", "FENCE_BEFORE_CHECK", "--mm", "tso", "--json")
    record.write_text(one.out)
    assert smpcheck("check", path, "-D", "FENCE_BEFORE_CHECK", "--replay", record).code == 1
    other = smpcheck("check", path, "-D", "FENCE_AFTER_PUBLISH", "--replay", record)
    assert other.code == 2 and "-D" in other.err, other


def test_header_functions_show_their_own_lines(tmp_path: Path) -> None:
    """A finding inside the bundled list functions points at the header's C line."""
    from smpcheck.c.parse import HEADER

    path = tmp_path / "twice.c"
    path.write_text("struct item { int v; struct list_head node; };\nLIST_HEAD(items);\n"
                    "void P0(void)\n{\n\tstruct item *a = kzalloc(sizeof(*a), GFP_KERNEL);\n"
                    "\tlist_add(&a->node, &items);\n\tlist_del(&a->node);\n"
                    "\tlist_del(&a->node);\n}\n")
    res = smpcheck("check", path, "--json")
    assert res.code == 1, res
    [v] = res.json()["violations"]
    assert v["file"] == str(HEADER) and v["line"] == _line_of(HEADER, "next->prev = prev;")
    table = smpcheck("check", path).out
    assert "__list_del():" in table and "next->prev = prev;" in table, table
