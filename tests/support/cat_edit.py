"""A model directory with one file edited, for the recorded cat-mutant cases.

Each case of tests/data/herd7/cat-mutants/ is ``NAME.edit`` (JSON: the model file,
its line, the text on it and what replaces it), ``NAME.litmus`` and ``NAME.herd7``
(herd7's output on the edited model).  No model text is stored here: the edit is
made on a copy of the shared LKMM directory.  Run as a script (no smpcheck import:
record.sh runs it with any Python) it makes the copy and prints its path::

    python3 tests/support/cat_edit.py LKMM NAME.edit DEST
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def edited_model(lkmm: Path, edit: Path, dest: Path) -> Path:
    """``dest``: a copy of ``lkmm`` with ``edit``'s change made (the first occurrence of
    its text on its line)."""
    change = json.loads(edit.read_text())
    shutil.copytree(lkmm, dest, dirs_exist_ok=True)
    path = dest / change["file"]
    lines = path.read_text().split("\n")
    line = lines[change["line"] - 1]
    if change["old"] not in line:
        raise ValueError(f"{edit}: {change['old']!r} is not on line {change['line']} "
                         f"of {change['file']}: {line!r}")
    lines[change["line"] - 1] = line.replace(change["old"], change["new"], 1)
    path.write_text("\n".join(lines))
    return dest


if __name__ == "__main__":
    print(edited_model(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
