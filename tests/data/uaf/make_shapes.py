"""Write generated lifetime shapes (tests/support/uaf_shapes.py) as gen-SEED.py and gen-SEED.litmus.

Run from the repository root: .venv/bin/python tests/data/uaf/make_shapes.py SEED...
then record herd7's verdicts as README.md says.  The seeds kept here are ones
whose verdicts differ across memory models, and a few that hold everywhere.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.support.uaf_shapes import build_shape, to_litmus, to_model  # noqa: E402

HERE = Path(__file__).resolve().parent


def write(seed: int) -> None:
    rnd = random.Random(seed)
    shape = build_shape(lambda options: rnd.choice(list(options)))
    (HERE / f"gen-{seed}.py").write_text(to_model(shape))
    (HERE / f"gen-{seed}.litmus").write_text(to_litmus(shape, f"gen-{seed}"))


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        write(int(arg))
