"""Load-buffering rings through both LKMM paths against herd7: where cycles of
reads-from and program order run, which only speculation reaches.

    .venv/bin/python bench/lb_rings.py [--seed 1] [--count 200]

Each test is a ring of 2 or 3 CPUs: CPU i reads x_i (plain, READ_ONCE or
smp_load_acquire), maybe runs a fence (smp_mb, smp_rmb, smp_wmb), and writes
x_(i+1) (plain, WRITE_ONCE, smp_store_release, xchg_relaxed or cmpxchg_relaxed
from 0) 1 or the value read, or 1 under ``if (r0 == 1)`` on the branch's own line,
or 1 by ``cmpxchg_relaxed(x, r0 - 1, 1)``, which fails unless the value read was 1
(its write runs only on the cycle).  Rings where every CPU copies its value
are left out (herd7 leaves such a cycle of values unsolved: README's known limits).
With ``--wide`` the write may also be an atomic RMW taking the value as its operand
(atomic_add, atomic_fetch_add_relaxed, atomic_add_return_relaxed, atomic_xchg_relaxed,
cmpxchg_relaxed's new value, atomic_add_unless's addend), and the dependency may be an
address one (``*(x + r0 - r0)``) or a branch that ends before the write.
Every line herd7 prints but Time and Hash must agree; each disagreement is printed
with its test.  Exit status 1 if any.  Needs herd7 on the PATH and ../shared/lkmm.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lkmm_gen_record import SHARED as LKMM  # noqa: E402  (bench/, the script's folder)
from lkmm_gen_record import herd_lines as herd7_lines  # noqa: E402

from tests.support.lkmm_agree import builtin_lines, herd_lines, herd_session  # noqa: E402

READS = ("*{l}", "READ_ONCE(*{l})", "smp_load_acquire({l})")
FENCES = ("", "smp_mb();", "smp_rmb();", "smp_wmb();")
WRITES = ("*{l} = {v};", "WRITE_ONCE(*{l}, {v});", "smp_store_release({l}, {v});",
          "r1 = xchg_relaxed({l}, {v});", "r1 = cmpxchg_relaxed({l}, 0, {v});")


WIDE_WRITES = ("atomic_add({v}, {l});", "r1 = atomic_fetch_add_relaxed({v}, {l});",
               "r1 = atomic_add_return_relaxed({v}, {l});", "r1 = atomic_xchg_relaxed({l}, {v});",
               "r1 = cmpxchg_relaxed({l}, 0, {v});", "r1 = atomic_add_unless({l}, {v}, 5);")


def _cpu(i: int, n: int, rnd: random.Random, wide: bool = False) -> tuple[str, bool]:
    """CPU ``i`` of a ring of ``n``, and whether it writes the value it read."""
    deps = ("none", "data", "ctrl", "cas") + (("addr", "after") if wide else ())
    dep = rnd.choice(deps)
    at = f"x{(i + 1) % n}"
    if dep == "addr":
        at = f"({at} + r0 - r0)"
    writes = WRITES + WIDE_WRITES if wide else WRITES
    write = rnd.choice(writes).format(l=at, v="r0" if dep == "data" else "1")
    if dep == "addr" and "*(" not in write:
        write = f"WRITE_ONCE(*{at}, 1);"
    if dep == "ctrl":
        write = f"if (r0 == 1) {{ {write} }}"
    elif dep == "after":
        write = f"if (r0 == 1)\n\t\tr1 = 2;\n\t{write}"
    elif dep == "cas":
        write = f"r1 = cmpxchg_relaxed(x{(i + 1) % n}, r0 - 1, 1);"
    params = ", ".join(f"int *x{k}" for k in range(n))
    return (f"P{i}({params})\n{{\n\tint r0;\n\tint r1;\n"
            f"\tr0 = {rnd.choice(READS).format(l=f'x{i}')};\n"
            f"\t{rnd.choice(FENCES)}\n\t{write}\n}}\n"), dep == "data"


def ring(k: int, rnd: random.Random, wide: bool = False) -> str:
    """Test ``k``: a ring of 2 or 3 CPUs, not all of them copying the value read."""
    n = 2 if rnd.random() < 0.6 else 3
    while True:
        drawn = [_cpu(i, n, rnd, wide) for i in range(n)]
        cpus = [text for text, _ in drawn]
        if not all(copies for _, copies in drawn):
            break
    cond = " /\\ ".join(f"{i}:r0=1" for i in range(n))
    return f"C lb{k}\n\n{{}}\n\n" + "\n".join(cpus) + f"\nexists ({cond})\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--wide", action="store_true", help="RMW writes, address and after-branch deps")
    args = p.parse_args()
    rnd = random.Random(args.seed)
    session = herd_session(LKMM)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.count):
            path = Path(tmp) / f"lb{k}.litmus"
            path.write_text(ring(k, rnd, args.wide))
            want = herd7_lines(path, 300, "herd7").get("lines", [])  # (none: a disagreement)
            for name, got in (("built-in", builtin_lines(path)),
                              ("cat", herd_lines(path, session))):
                if got != want:
                    bad += 1
                    print("=" * 72, path.read_text(), f"{name}: {got}", f"herd7: {want}",
                          sep="\n", flush=True)
    print(f"{args.count} rings, {bad} disagreeing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
