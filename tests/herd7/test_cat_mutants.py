"""smpcheck-herd on edited copies of the kernel's model, against herd7's recorded output.

Each case of tests/data/herd7/cat-mutants/ (tests/support/cat_edit.py) is one edit of
one model file that bench/cat_mutate.py found smpcheck-herd judging differently from
herd7, and a litmus test that shows it.  The edit is made on a copy of the shared
LKMM directory and the test run as herd7 was (``-I COPY -conf linux-kernel.cfg``, from
the cases' directory).  As in tests/herd7/test_herd7_lines.py: every line but Time and
Hash equal; a model herd7 rejects rejected (exit 2, a message naming the file, no
traceback); a case named ``unsupported-*`` is a model herd7 judges that smpcheck's
explorer cannot (it allows executions the explorer never builds,
smpcheck/models/cat_probes.py): refused with "not supported", never judged.  A case
named ``known-*`` is a fault found and not yet fixed: expected to fail (strictly).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need_lkmm
from tests.herd7.test_herd7_lines import _lines, _rejected
from tests.support.cat_edit import edited_model
from tests.support.herd import herd

CASES = Path(__file__).resolve().parents[1] / "data" / "herd7" / "cat-mutants"
EDITS = sorted(CASES.glob("*.edit"))
KNOWN = pytest.mark.xfail(strict=True, reason=(
    "known fault: smpcheck follows the stock lock.cat for lock events (README, known limits)"))
PARAMS = [pytest.param(e, marks=[KNOWN] if e.stem.startswith("known-") else [])
          for e in EDITS]


@pytest.mark.parametrize("edit", PARAMS, ids=[e.stem for e in EDITS])
def test_cat_mutant(edit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    model = edited_model(need_lkmm(), edit, tmp_path / "lkmm")
    recorded = edit.with_suffix(".herd7").read_text()
    monkeypatch.chdir(CASES)
    out = herd(capsys, "-I", model, "-conf", "linux-kernel.cfg", f"{edit.stem}.litmus")
    if edit.stem.startswith("unsupported-"):
        assert not _rejected(recorded)
        assert out.status == 2 and out.out == "" and "not supported" in out.err, out.err
        assert out.err.startswith(f"smpcheck-herd: error: {model}"), out.err
    elif _rejected(recorded):
        assert out.status == 2 and out.out == "", out.out
        assert out.err.startswith(f"smpcheck-herd: error: {model}"), out.err
        assert "Traceback" not in out.err
    else:
        assert out.status == 0, out.err
        assert _lines(out.out) == _lines(recorded)


def test_every_case_has_its_test_and_record() -> None:
    for edit in EDITS:
        assert edit.with_suffix(".litmus").is_file() and edit.with_suffix(".herd7").is_file()
