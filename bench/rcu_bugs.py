"""smpcheck's BUG_ON verdicts on random small RCU programs against herd7's on the same programs.

Run: .venv/bin/python bench/rcu_bugs.py [--seed N] [--count 100] [--out DIR]

Each program (2 or 3 CPUs of 2-4 statements: WRITE_ONCE, READ_ONCE into a fresh
register, smp_mb(), synchronize_rcu(), and rcu_read_lock()/rcu_read_unlock()
around a run of them, nested at most once) is written twice: as a Python model
whose last statement on one CPU is a BUG_ON over 1-2 of that CPU's registers, and
as a C litmus test whose ``exists`` clause is the same condition.  Most programs
(70%) hold an RCU reader (a read-side section of 2 accesses) and an updater (an
access; synchronize_rcu(); an access, to the reader's locations in the other
order) on different CPUs: RCU message passing and store buffering through a grace
period, where the BUG_ON may be met before the other CPUs have run (a reader still
in its section) and must be reported only if RCU's guarantee allows that prefix.

``smpcheck check MODEL.py --mm lkmm -j 1`` must report the BUG_ON (exit 1, an
"assertion" finding) iff herd7 (on the PATH, run on ../shared/lkmm's
linux-kernel.cfg) says the exists clause is Sometimes or Always, and be safe
(exit 0) iff herd7 says Never; smpcheck's exit 3 (incomplete) is counted, not
compared.  Every disagreement is printed with both texts, both verdicts and the
built-in LKMM's verdict on the litmus test (``smpcheck litmus``), then the counts.
Exit status 1 if any disagreement.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SMPCHECK_SHARED", HERE.parent.parent / "shared"))
LKMM = SHARED / "lkmm"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "SMPCHECK_SHARED": str(SHARED)}
LOCS = ("x", "y", "z")
OBSERVATION = re.compile(r"^Observation \S+ (Never|Sometimes|Always)\b", re.M)

# a statement: ("W", loc, value), ("R", loc, register), ("mb",), ("sync",),
# ("lock",) or ("unlock",)
Stmt = tuple[str, ...]


@dataclass
class Program:
    name: str
    cpus: list[list[Stmt]]
    holder: int  # the CPU whose last statement is the BUG_ON
    cond: list[tuple[str, int]]  # (register, value) pairs, joined by `and`


def access(rng: random.Random, p_read: float = 0.5, loc: str | None = None) -> Stmt:
    loc = loc or rng.choice(LOCS)
    if rng.random() < p_read:
        return ("R", loc)
    return ("W", loc, str(rng.randint(1, 2)))


def basic(rng: random.Random) -> Stmt:
    roll = rng.random()
    if roll < 0.12:
        return ("mb",)
    if roll < 0.27:
        return ("sync",)
    return access(rng)


def wrap(rng: random.Random, body: list[Stmt], start: int, end: int) -> list[Stmt]:
    """body with body[start:end] in a read-side section, maybe a nested one inside."""
    inner = body[start:end]
    if rng.random() < 0.3:
        i = rng.randrange(len(inner))
        j = rng.randint(i + 1, len(inner))
        inner = inner[:i] + [("lock",)] + inner[i:j] + [("unlock",)] + inner[j:]
    return body[:start] + [("lock",)] + inner + [("unlock",)] + body[end:]


def random_cpu(rng: random.Random) -> list[Stmt]:
    body = [basic(rng) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.5:
        start = rng.randrange(len(body))
        end = rng.randint(start + 1, len(body))
        if all(s[0] != "sync" for s in body[start:end]):
            body = wrap(rng, body, start, end)
    return body


def rcu_pair(rng: random.Random) -> tuple[list[Stmt], list[Stmt]]:
    """A reader (a section of 2 accesses to b then a, maybe a statement around it) and
    an updater (an access to a, synchronize_rcu(), an access to b): RCU's guarantee
    orders them when the updater's first access sees or is seen by the reader."""
    a, b = rng.sample(LOCS, 2)
    reader = wrap(rng, [access(rng, 0.6, b), access(rng, 0.6, a)], 0, 2)
    if rng.random() < 0.3:
        extra = access(rng) if rng.random() < 0.7 else ("mb",)
        reader = [extra] + reader if rng.random() < 0.5 else reader + [extra]
    return reader, [access(rng, 0.3, a), ("sync",), access(rng, 0.5, b)]


def number_registers(cpus: list[list[Stmt]]) -> list[list[Stmt]]:
    n = 0
    out = []
    for body in cpus:
        numbered = []
        for s in body:
            if s[0] == "R":
                s = ("R", s[1], f"r{n}")
                n += 1
            numbered.append(s)
        out.append(numbered)
    return out


def registers(body: list[Stmt]) -> list[str]:
    return [s[2] for s in body if s[0] == "R"]


def generate(rng: random.Random, name: str) -> Program:
    while True:
        ncpus = rng.randint(2, 3)
        cpus = [random_cpu(rng) for _ in range(ncpus)]
        if rng.random() < 0.7:
            a, b = rng.sample(range(ncpus), 2)
            cpus[a], cpus[b] = rcu_pair(rng)
        cpus = number_registers(cpus)
        holders = [i for i, body in enumerate(cpus) if registers(body)]
        if holders:
            break
    holder = rng.choice(holders)
    regs = registers(cpus[holder])
    chosen = rng.sample(regs, min(len(regs), 1 if rng.random() < 0.25 else 2))
    cond = [(r, rng.choice(values(cpus, r))) for r in sorted(chosen, key=lambda r: int(r[1:]))]
    return Program(name, cpus, holder, cond)


def values(cpus: list[list[Stmt]], reg: str) -> list[int]:
    """The values register reg may read: 0 and those written to its location."""
    loc = next(s[1] for body in cpus for s in body if s[0] == "R" and s[2] == reg)
    return [0] + sorted({int(s[2]) for body in cpus for s in body
                         if s[0] == "W" and s[1] == loc})


PY_HEAD = """from smpcheck import (BUG_ON, READ_ONCE, WRITE_ONCE, Model, Var, rcu_read_lock,
                      rcu_read_unlock, smp_mb, synchronize_rcu)

x = Var(0)
y = Var(0)
z = Var(0)
"""


def py_stmt(s: Stmt) -> str:
    if s[0] == "W":
        return f"WRITE_ONCE({s[1]}, {s[2]})"
    if s[0] == "R":
        return f"{s[2]} = READ_ONCE({s[1]})"
    return {"mb": "smp_mb()", "sync": "synchronize_rcu()", "lock": "rcu_read_lock()",
            "unlock": "rcu_read_unlock()"}[s[0]]


def python_model(p: Program) -> str:
    funcs = []
    for i, body in enumerate(p.cpus):
        lines = [py_stmt(s) for s in body]
        if i == p.holder:
            lines.append("BUG_ON(" + " and ".join(f"{r} == {v}" for r, v in p.cond) + ")")
        funcs.append(f"def P{i}():\n" + "".join(f"    {line}\n" for line in lines))
    names = ", ".join(f"P{i}" for i in range(len(p.cpus)))
    return (PY_HEAD + "\n\n" + "\n\n".join(funcs)
            + f'\n\nMODEL = Model("{p.name}", [{names}])\n')


def c_stmt(s: Stmt) -> str:
    if s[0] == "W":
        return f"WRITE_ONCE(*{s[1]}, {s[2]});"
    if s[0] == "R":
        return f"{s[2]} = READ_ONCE(*{s[1]});"
    return py_stmt(s) + ";"


def litmus(p: Program) -> str:
    procs = []
    for i, body in enumerate(p.cpus):
        decls = "".join(f"\tint {r};\n" for r in registers(body))
        code = "".join(f"\t{c_stmt(s)}\n" for s in body)
        procs.append(f"P{i}(int *x, int *y, int *z)\n{{\n{decls}"
                     + ("\n" if decls else "") + code + "}\n")
    cond = " /\\ ".join(f"{p.holder}:{r}={v}" for r, v in p.cond)
    return f"C {p.name}\n\n{{}}\n\n" + "\n".join(procs) + f"\nexists ({cond})\n"


def observation(cmd: list[str], cwd: Path | None = None) -> str | None:
    """The Observation (Never, Sometimes or Always) a herd-like command prints, or None."""
    try:
        out = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True,
                             timeout=300)
    except subprocess.TimeoutExpired:
        return None
    m = OBSERVATION.search(out.stdout)
    return m.group(1) if m and out.returncode == 0 else None


def herd7(path: Path) -> str | None:
    return observation(["herd7", "-I", str(LKMM), "-conf", "linux-kernel.cfg", str(path)],
                       cwd=LKMM)


def smpcheck(path: Path) -> str:
    """'bug' (exit 1, an assertion), 'safe' (exit 0), 'incomplete' (exit 3) or another."""
    cmd = [str(BIN / "smpcheck"), "check", str(path), "--mm", "lkmm", "-j", "1", "--json"]
    try:
        out = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "timeout"
    try:
        kinds = {v["kind"] for v in json.loads(out.stdout)["violations"]}
    except (ValueError, KeyError, TypeError):
        kinds = set()
    if out.returncode == 1 and "assertion" in kinds:
        return "bug"
    verdicts = {0: "safe", 3: "incomplete"}
    return verdicts.get(out.returncode, f"exit {out.returncode} {sorted(kinds)}")


def report(p: Program, py: str, lit: str, mine: str, herd: str, builtin: str | None) -> None:
    print(f"=== disagreement: {p.name}: smpcheck check says {mine}, herd7 says {herd}, "
          f"smpcheck litmus (built-in LKMM) says {builtin}")
    print(py)
    print(lit)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None, help="where the files go")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rcu_bugs-"))
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    counts = dict.fromkeys(["programs", "agree", "disagree", "incomplete",
                            "herd7 failures"], 0)
    for n in range(args.count):
        p = generate(rng, f"rcu_bugs_s{args.seed}_{n}")
        py, lit = python_model(p), litmus(p)
        (out / f"{p.name}.py").write_text(py)
        (out / f"{p.name}.litmus").write_text(lit)
        counts["programs"] += 1
        herd = herd7(out / f"{p.name}.litmus")
        if herd is None:
            counts["herd7 failures"] += 1
            print(f"herd7 failed on {out / p.name}.litmus")
            continue
        mine = smpcheck(out / f"{p.name}.py")
        if mine == "incomplete":
            counts["incomplete"] += 1
            continue
        if mine == ("safe" if herd == "Never" else "bug"):
            counts["agree"] += 1
            continue
        counts["disagree"] += 1
        builtin = observation([str(BIN / "smpcheck"), "litmus", "--mm", "lkmm", "-j", "1",
                               str(out / f"{p.name}.litmus")])
        report(p, py, lit, mine, herd, builtin)
    print(f"files in {out}")
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 1 if counts["disagree"] else 0


if __name__ == "__main__":
    sys.exit(main())
