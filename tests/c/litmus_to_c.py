"""A kernel C litmus test rewritten as a C model, for comparing the two front ends.

The threads' parameters (addresses of shared variables) become globals of their
pointee types, with the init block's values; in a thread's body each parameter
``x`` becomes ``(&x)``; the final clause is kept as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from smpcheck.litmus.parse_common import parse_litmus_file
from smpcheck.litmus.syntax import CTest, Name, Num


def _initial(value: object) -> str:
    if isinstance(value, Num):
        return str(value.value)
    if isinstance(value, Name):
        return "NULL" if value.id == "NULL" else f"&{value.id}"
    raise ValueError(f"initial value {value!r}")


def _body(text: str, index: int, line: int) -> str:
    start = sum(len(ln) + 1 for ln in text.split("\n")[:line - 1])
    m = re.compile(rf"\bP{index}\s*\([^)]*\)[^{{]*\{{").search(text, start)
    assert m is not None, index
    depth, k = 0, m.end() - 1
    while True:
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        k += 1
        if depth == 0:
            return text[m.end() - 1:k]


def litmus_to_c(path: Path) -> str:
    test = parse_litmus_file(path)
    assert isinstance(test, CTest)
    text = path.read_text()
    kinds: dict[str, str] = {}
    for th in test.threads:
        for p in th.params:
            kinds.setdefault(p.name, p.type_text[:-1].strip())
    init = {e.name: e for e in test.init if e.thread is None}
    for name, e in init.items():
        kinds.setdefault(name, e.type_text or "int")
        if isinstance(e.value, Name) and e.value.id != "NULL":
            kinds.setdefault(e.value.id, "int")  # (``p=y`` declares y too)
    out = []
    for name, kind in kinds.items():
        value = f" = {_initial(init[name].value)}" if name in init and init[name].value \
            is not None else ""
        out.append(f"{kind} {name}{value};")
    for th in test.threads:
        body = _body(text, th.index, th.line)
        for p in th.params:
            body = re.sub(rf"\b{re.escape(p.name)}\b", f"(&{p.name})", body)
        out.append(f"void P{th.index}(void)\n{body}")
    last = _body(text, test.threads[-1].index, test.threads[-1].line)
    tail = text[text.rindex(last) + len(last):]
    return "\n".join(out) + "\n" + tail
