"""Edits of a C litmus test, each a mutant for bench/mutate.py.

:func:`single` lists every one-edit mutant of a test as ``(kind, tag, text)``: the
kind names the edit (``fence``, ``access``, ``lock``, ``rcu``, ``srcu``, ``cond``,
``cpu``, ``const``), the tag where it was made (unique within the test).  Edits
are made on the text, line by line where they can be, and need not give a test
herd7 accepts: a mutant both tools reject is no disagreement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Mutant = tuple[str, str, str]  # (kind, tag, text)

FENCES = ("smp_mb();", "smp_wmb();", "smp_rmb();", "smp_mb__after_spinlock();",
          "smp_mb__before_atomic();", "smp_mb__after_atomic();", "synchronize_rcu();",
          "barrier();", "")
READS = ("{r} = READ_ONCE(*{x});", "{r} = smp_load_acquire({x});", "{r} = *{x};",
         "{r} = rcu_dereference(*{x});", "{r} = xchg_acquire({x}, 7);",
         "{r} = cmpxchg_relaxed({x}, 0, 6);", "{r} = atomic_fetch_add_release(0, {x});",
         "{r} = atomic_read_acquire({x});",
         "rcu_read_lock(); {r} = READ_ONCE(*{x}); rcu_read_unlock();")
WRITES = ("WRITE_ONCE(*{x}, {v});", "smp_store_release({x}, {v});", "*{x} = {v};",
          "rcu_assign_pointer(*{x}, {v});", "int r9 = xchg({x}, {v});",
          "int r9 = cmpxchg({x}, 0, {v});", "atomic_set_release({x}, {v});",
          "smp_mb(); WRITE_ONCE(*{x}, {v});", "WRITE_ONCE(*{x}, {v}); WRITE_ONCE(*{x}, {v});")
READ_FORMS = (r"(?P<r>\w+) = READ_ONCE\(\*(?P<x>\w+)\);",
              r"(?P<r>\w+) = smp_load_acquire\((?P<x>\w+)\);",
              r"(?P<r>\w+) = \*(?P<x>\w+);", r"(?P<r>\w+) = rcu_dereference\(\*?(?P<x>\w+)\);",
              r"(?P<r>\w+) = atomic_read(?:_acquire)?\((?P<x>\w+)\);")
WRITE_FORMS = (r"WRITE_ONCE\(\*(?P<x>\w+), (?P<v>[^;]+)\);",
               r"smp_store_release\((?P<x>\w+), (?P<v>[^;]+)\);",
               r"\*(?P<x>\w+) = (?P<v>[^;]+);",
               r"rcu_assign_pointer\(\*?(?P<x>\w+), (?P<v>[^;]+)\);",
               r"atomic_set(?:_release)?\((?P<x>\w+), (?P<v>[^;]+)\);")
CONDITION = re.compile(r"^\s*(~\s*exists|exists|forall)\b", re.M)
BODY = re.compile(r"^P(\d+)\s*\((.*)\)[^\n]*\n\{\n", re.M)


def single(text: str) -> list[Mutant]:
    """Every one-edit mutant of ``text`` (none of its own text)."""
    out = [m for edit in EDITS for m in edit(text)]
    return [m for m in out if m[2] != text]


def line_edits(text: str) -> Iterator[Mutant]:
    """Each statement line replaced by each of its alternatives (fences swapped or
    dropped, reads and writes of another kind, locks made trylocks)."""
    lines = text.split("\n")
    inside = {text.count("\n", 0, start) + k for start, end in _bodies(text).values()
              for k in range(text.count("\n", start, end) + 1)}
    for i, line in enumerate(lines):
        if i not in inside:
            continue
        indent = line[: len(line) - len(line.lstrip())] or "\t"
        for kind, k, new in _alternatives(line.strip()):
            text2 = "\n".join([*lines[:i], indent + new, *lines[i + 1:]])
            yield kind, f"L{i + 1}{kind[0]}{k}", text2


def _alternatives(stmt: str) -> Iterator[tuple[str, int, str]]:
    if stmt in FENCES:
        yield from (("fence", k, f) for k, f in enumerate(FENCES) if f != stmt)
    for form in READ_FORMS:
        if m := re.fullmatch(form, stmt):
            yield from (("access", k, r.format(**m.groupdict())) for k, r in enumerate(READS))
    for form in WRITE_FORMS:
        if m := re.fullmatch(form, stmt):
            yield from (("access", k, w.format(**m.groupdict())) for k, w in enumerate(WRITES))
            yield "const", 0, WRITES[0].format(x=m["x"], v=f"-{m['v']}")
    if m := re.fullmatch(r"spin_lock\((\w+)\);", stmt):
        yield "lock", 0, f"int r8 = spin_trylock({m[1]});"
        yield "lock", 1, f"spin_lock({m[1]}); smp_mb__after_spinlock();"
        yield "lock", 2, f"rcu_read_lock(); spin_lock({m[1]});"
    if m := re.fullmatch(r"spin_unlock\((\w+)\);", stmt):
        yield "lock", 3, ""
        yield "lock", 4, f"spin_unlock({m[1]}); rcu_read_unlock(); rcu_read_unlock();"
    if m := re.fullmatch(r"(\w+) = spin_is_locked\((\w+)\);", stmt):
        yield "lock", 5, f"{m[1]} = spin_trylock({m[2]});"


def condition_edits(text: str) -> Iterator[Mutant]:
    """The final condition negated, made ``forall``, filtered, given ``locations``, or
    widened by a disjunct."""
    where = CONDITION.search(text)
    if where is None:
        return
    head = text[: where.start()]
    cond = re.sub(r"\(\*.*?\*\)", "", text[where.start():], flags=re.S).strip()
    body = cond[len(where[1]):].strip()
    atom = re.search(r"[\w:\[\]]+\s*=\s*-?\w+", body)
    names = _locations(text)
    for k, quant in enumerate(("exists", "~exists", "forall")):
        if not where[1].replace(" ", "").startswith(quant):
            yield "cond", f"C{k}", f"{head}{quant} {body}\n"
    if atom:
        yield "cond", "C3", f"{head}filter ({atom[0]})\n{cond}\n"
        yield "cond", "C4", f"{head}filter (~{atom[0]})\n{cond}\n"
    if names:
        yield "cond", "C5", f"{head}locations [{'; '.join(names)};]\n{cond}\n"
        yield "cond", "C6", f"{head}{where[1]} ({body} \\/ {names[0]}=1)\n"


def cpu_edits(text: str) -> Iterator[Mutant]:
    """A CPU added: a writer of the first location, and that with an observer that
    reads the last location then the first, smp_rmb() between."""
    names, where = _locations(text), CONDITION.search(text)
    tids = [int(m[1]) for m in BODY.finditer(text)]
    if not names or where is None or not tids:
        return
    a, b = names[0], names[-1]
    writer = f"P{max(tids) + 1}(int *{a})\n{{\n\tWRITE_ONCE(*{a}, 3);\n}}\n\n"
    params = f"int *{a}" + (f", int *{b}" if b != a else "")
    observer = (f"P{max(tids) + 2}({params})\n{{\n\tint r0;\n\tint r1;\n\n"
                f"\tr0 = READ_ONCE(*{b});\n\tsmp_rmb();\n\tr1 = READ_ONCE(*{a});\n}}\n\n")
    at = where.start()
    yield "cpu", "W", text[:at] + writer + text[at:]
    yield "cpu", "WO", text[:at] + writer + observer + text[at:]


def rcu_edits(text: str) -> Iterator[Mutant]:
    """Read-side sections around each CPU's body; smp_mb() made a grace period with the
    other CPUs readers (once or nested), RCU or SRCU (one domain or two)."""
    bodies = _bodies(text)
    for tid in bodies:
        yield "rcu", f"R{tid}", _wrap(text, {tid}, "rcu_read_lock();", "rcu_read_unlock();")
    fenced = {t for t, (b, e) in bodies.items() if "smp_mb();" in text[b:e]}
    for tid in sorted(fenced):
        rest = set(bodies) - {tid}
        gp = _on_cpu(text, tid, "smp_mb();", "synchronize_rcu();")
        once = _wrap(gp, rest, "rcu_read_lock();", "rcu_read_unlock();")
        yield "rcu", f"G{tid}", once
        yield "rcu", f"GG{tid}", _wrap(once, rest, "rcu_read_lock();", "rcu_read_unlock();")
        yield from _srcu_edits(gp, tid, rest)


def _srcu_edits(gp: str, tid: int, rest: set[int]) -> Iterator[Mutant]:
    text = _add_param(gp.replace("synchronize_rcu();", "synchronize_srcu(s1);"),
                      "struct srcu_struct *s1, struct srcu_struct *s2")
    sections = {"S1": ("int i1 = srcu_read_lock(s1);", "srcu_read_unlock(s1, i1);"),
                "S2": ("int i2 = srcu_read_lock(s2);", "srcu_read_unlock(s2, i2);")}
    for name, (lock, unlock) in sections.items():
        yield "srcu", f"{name}G{tid}", _wrap(text, rest, lock, unlock)
    (l1, u1), (l2, u2) = sections.values()
    yield "srcu", f"SXG{tid}", _wrap(text, rest, f"{l1}\n\t{l2}", f"{u1}\n\t{u2}")
    yield "srcu", f"SYG{tid}", _wrap(text, rest, f"{l2}\n\t{l1}", f"{u1}\n\t{u2}")


def constant_edits(text: str) -> Iterator[Mutant]:
    """Written 1s made -3 (and so in the condition), or 2147483647; every location
    initially 1000000."""
    write1 = r"(WRITE_ONCE\(\*\w+, |smp_store_release\(\w+, |rcu_assign_pointer\(\*?\w+, )1\)"
    where = CONDITION.search(text)
    for tag, value in (("NEG", "-3"), ("BIG", "2147483647")):
        new = re.sub(write1, rf"\g<1>{value})", text)
        if new != text and where is not None:
            at = CONDITION.search(new)
            assert at is not None
            yield "const", tag, new[: at.start()] + re.sub(r"=1\b", f"={value}", new[at.start():])
    names = _locations(text)
    if names and re.search(r"^\{\s*\}\s*$", text, re.M):
        init = "{\n" + "".join(f"\t{n}=1000000;\n" for n in names) + "}"
        yield "const", "INIT", re.sub(r"^\{\s*\}\s*$", init, text, count=1, flags=re.M)


EDITS: tuple[Callable[[str], Iterator[Mutant]], ...] = (
    line_edits, condition_edits, cpu_edits, rcu_edits, constant_edits)


def _locations(text: str) -> list[str]:
    """The int locations the CPUs take as parameters, in name order."""
    params = ",".join(m[2] for m in BODY.finditer(text))
    return sorted(set(re.findall(r"\bint \*(\w+)", params)))


def _bodies(text: str) -> dict[int, tuple[int, int]]:
    """Each CPU's body: where its inside starts and ends."""
    return {int(m[1]): (m.end(), text.index("\n}", m.end())) for m in BODY.finditer(text)}


def _wrap(text: str, tids: set[int], pre: str, post: str) -> str:
    """``pre`` after the declarations of each CPU in ``tids``, ``post`` at its end."""
    for tid, (start, end) in sorted(_bodies(text).items(), reverse=True):
        if tid not in tids:
            continue
        lines = text[start:end].split("\n")
        k = 0
        while k < len(lines) and (not lines[k].strip() or re.match(
                r"\s*(int|unsigned|long|spinlock_t)\b[^=(]*;\s*$", lines[k])):
            k += 1
        lines = [*lines[:k], "\t" + pre, *lines[k:], "\t" + post]
        text = text[:start] + "\n".join(lines) + text[end:]
    return text


def _on_cpu(text: str, tid: int, old: str, new: str) -> str:
    """``old`` made ``new`` in CPU ``tid`` and made ``barrier();`` in the others."""
    for t, (start, end) in sorted(_bodies(text).items(), reverse=True):
        text = text[:start] + text[start:end].replace(old, new if t == tid else "barrier();") \
            + text[end:]
    return text


def _add_param(text: str, decl: str) -> str:
    def add(m: re.Match[str]) -> str:
        empty = m[2].strip() in ("", "void")
        return f"{m[1]}{decl})" if empty else f"{m[1]}{m[2]}, {decl})"

    return re.sub(r"^(P\d+\s*\()(.*)\)", add, text, flags=re.M)
