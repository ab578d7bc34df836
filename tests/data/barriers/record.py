"""Record herd7's Observation for each kernel litmus test with one ordering site
weakened by hand (tests/analyses/oracle.py's text edits), for
tests/analyses/test_barriers_herd7.py.

Run from the repository root, herd7 on the PATH:
    .venv/bin/python tests/data/barriers/record.py > tests/data/barriers/kernel-weakened.csv
    .venv/bin/python tests/data/barriers/record.py tests/data/lkmm-gen 12 \
        > tests/data/barriers/lkmm-gen-weakened.csv
Each weakened test is written to a temporary directory and run as
    herd7 -I ../shared/lkmm -conf linux-kernel.cfg T.litmus
Only herd7's verdict is kept (no test text): one CSV row per site.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from smpcheck.analyses.barriers import baseline, ordering_sites  # noqa: E402
from smpcheck.analyses.subjects import LitmusSubject  # noqa: E402
from smpcheck.explore.explorer import Settings  # noqa: E402
from tests.analyses.oracle import weaken_text  # noqa: E402

LKMM = Path(__file__).resolve().parents[4] / "shared" / "lkmm"


def herd7(text: str) -> tuple[str, str]:
    """herd7's Observation word and flags for a test text."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "T.litmus"
        path.write_text(text)
        out = subprocess.run(["herd7", "-I", str(LKMM), "-conf", "linux-kernel.cfg",
                              str(path)], capture_output=True, text=True, timeout=300).stdout
    obs = next(line.split()[2] for line in out.splitlines() if line.startswith("Observation"))
    flags = sorted(line.split()[1] for line in out.splitlines() if line.startswith("Flag "))
    return obs, " ".join(flags)


def main() -> None:
    """``record.py [DIR [N]]``: the tests of DIR (default the kernel's), the first N."""
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else LKMM / "litmus-tests"
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["test", "line", "primitive", "weakened_to", "observation", "flags"])
    for path in sorted(where.glob("*.litmus"))[:limit]:
        text = path.read_text()
        w.writerow([path.name, 0, "", "", *herd7(text)])
        subject = LitmusSubject(str(path))
        for info in ordering_sites([baseline(subject, "lkmm", Settings())]):
            s = info.site
            assert info.weakened_to is not None
            if s.primitive not in info.text:  # (issued by another primitive written
                continue                      # there, atomic_dec_and_test: no hand edit)
            weak = weaken_text(text, s.line, s.primitive, info.weakened_to)
            w.writerow([path.name, s.line, s.primitive, info.weakened_to, *herd7(weak)])


if __name__ == "__main__":
    main()
