"""A small C preprocessor for kernel-style models: ``#define``, ``#ifdef`` and ``-D``.

It keeps every line where it was (a directive becomes an empty line, a macro
call spread over lines is followed by as many empty lines as it took), so the
parser's line numbers are the file's.  What it does: object-like and
function-like macros (``#`` and ``##`` too), ``#undef``, ``#if``/``#ifdef``/
``#ifndef``/``#elif``/``#else``/``#endif`` with ``defined`` and integer
arithmetic, ``#error``; ``#include`` and ``#pragma`` lines are ignored (the
bundled header declares the kernel API).  Comments become spaces.  ``-D NAME``
defines NAME as 1, ``-D NAME=VALUE`` as VALUE, as cc takes them.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from smpcheck.errors import UsageError

__all__ = ["Macro", "Preprocessor"]

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<nl>\n)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\.?\d(?:[\w.]|[eEpP][+-])*)
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<op>\#\#|\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=|.)
""", re.VERBOSE | re.DOTALL)

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'",
                      re.DOTALL)


@dataclass(frozen=True)
class Macro:
    """A ``#define``: its parameters (None for an object-like macro) and its body."""

    name: str
    params: tuple[str, ...] | None
    body: tuple[str, ...]
    variadic: bool = False


def tokens(text: str) -> list[str]:
    """The preprocessing tokens of ``text``, whitespace runs and newlines included."""
    return [m.group(0) for m in _TOKEN.finditer(text)]


def strip_comments(text: str) -> str:
    """``text`` with each comment replaced by a space (newlines inside kept)."""
    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        if s[0] in "\"'":
            return s
        return " " + "\n" * s.count("\n") if s.startswith("/*") else " "

    return _COMMENT.sub(blank, text)


class Preprocessor:
    """Runs the directives of one file (after a header's) and expands its macros."""

    def __init__(self, defines: Mapping[str, str] | None = None) -> None:
        self.macros: dict[str, Macro] = {}
        self.consulted: set[str] = set()  # macro names a directive or expansion looked at
        for name, value in (defines or {}).items():
            self.macros[name] = Macro(name, None, tuple(_significant(tokens(value))))

    def run(self, text: str, path: str) -> str:
        """The text of ``path`` preprocessed, one output line per input line."""
        lines = strip_comments(text).split("\n")
        out: list[str] = []
        stack: list[list[bool]] = []  # per open #if: [taking now, taken before]
        opened: list[int] = []  # the line of each open #if
        pending: list[str] = []  # ordinary lines waiting for expansion
        i = 0
        while i < len(lines):
            start = i
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + " " + lines[i]
            i += 1
            joined = i - start
            active = all(level[0] for level in stack)
            if line.lstrip().startswith("#"):
                out.extend(self._expand_block(pending, path, len(out) + 1))
                pending = []
                depth = len(stack)
                self._directive(line.lstrip()[1:].strip(), stack, active, path, start + 1)
                del opened[len(stack):]
                opened.extend([start + 1] * (len(stack) - depth))
                out.extend([""] * joined)
            elif active:
                pending.append(line)
                pending.extend([""] * (joined - 1))
            else:
                out.extend([""] * joined)
        out.extend(self._expand_block(pending, path, len(out) + 1))
        if stack:
            raise UsageError("#if without #endif", path, opened[-1], 1)
        return "\n".join(out)

    # -- directives ----------------------------------------------------------
    def _directive(self, text: str, stack: list[list[bool]], active: bool, path: str,
                   line: int) -> None:
        m = re.match(r"(\w*)\s*(.*)", text, re.DOTALL)
        assert m is not None
        word, rest = m.group(1), m.group(2).strip()
        if word in ("if", "ifdef", "ifndef"):
            take = active and self._condition(word, rest, path, line)
            stack.append([take, take])
        elif word in ("elif", "else", "endif"):
            if not stack:
                raise UsageError(f"#{word} without #if", path, line, 1)
            level = stack[-1]
            outer = all(lv[0] for lv in stack[:-1])
            if word == "endif":
                stack.pop()
            elif word == "else":
                level[0] = outer and not level[1]
                level[1] = True
            else:
                level[0] = outer and not level[1] and self._condition("if", rest, path, line)
                level[1] = level[1] or level[0]
        elif not active:
            return
        elif word == "define":
            self._define(rest, path, line)
        elif word == "undef":
            name = rest.split()[0] if rest else ""
            self.consulted.add(name)
            self.macros.pop(name, None)
        elif word == "error":
            raise UsageError(f"#error {rest}", path, line, 1)
        elif word not in ("include", "include_next", "pragma", "warning", "line", ""):
            raise UsageError(f"unsupported preprocessor directive #{word}", path, line, 1)

    def _define(self, rest: str, path: str, line: int) -> None:
        m = re.match(r"([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)", rest, re.DOTALL)
        if m is None:
            raise UsageError("#define needs a macro name", path, line)
        name, params_text, body = m.group(1), m.group(3), m.group(4)
        params: tuple[str, ...] | None = None
        variadic = False
        if m.group(2) is not None:
            names = [p.strip() for p in params_text.split(",") if p.strip()]
            if names and names[-1] == "...":
                variadic, names = True, names[:-1] + ["__VA_ARGS__"]
            if not all(re.fullmatch(r"[A-Za-z_]\w*", p) for p in names):
                raise UsageError(f"#define {name}: bad parameter list ({params_text})",
                                 path, line)
            params = tuple(names)
        self.macros[name] = Macro(name, params, tuple(_trim(tokens(body))), variadic)

    def _condition(self, word: str, rest: str, path: str, line: int) -> bool:
        if word != "if":
            name = rest.split()[0] if rest.split() else ""
            if not name:
                raise UsageError(f"#{word} needs a macro name", path, line)
            self.consulted.add(name)
            return (name in self.macros) == (word == "ifdef")
        toks = _significant(tokens(rest))
        resolved: list[str] = []
        k = 0
        while k < len(toks):  # defined X / defined(X) before expansion
            if toks[k] == "defined":
                paren = k + 1 < len(toks) and toks[k + 1] == "("
                name = toks[k + 2] if paren and k + 2 < len(toks) else \
                    toks[k + 1] if k + 1 < len(toks) else ""
                self.consulted.add(name)
                resolved.append("1" if name in self.macros else "0")
                k += 4 if paren else 2
            else:
                resolved.append(toks[k])
                k += 1
        expanded = _significant(self.expand(resolved, path, line))
        return bool(_evaluate(expanded, path, line))

    # -- expansion -----------------------------------------------------------
    def _expand_block(self, lines: list[str], path: str, first: int) -> list[str]:
        """Expand a run of ordinary lines; a macro call over several lines keeps the
        line count by the newlines after its expansion."""
        if not lines:
            return []
        text = "".join(self.expand(tokens("\n".join(lines)), path, first))
        return text.split("\n")

    def expand(self, toks: list[str], path: str, line: int,
               hidden: frozenset[str] = frozenset()) -> list[str]:
        """``toks`` with every macro expanded (a macro is not expanded inside itself)."""
        out: list[str] = []
        pending = 0  # newlines a call over several lines took, given back at its line's end
        k = 0
        while k < len(toks):
            tok = toks[k]
            macro = self.macros.get(tok)
            if macro is not None:
                self.consulted.add(tok)
            if macro is None or tok in hidden:
                out.append(tok)
                if tok == "\n" and pending:
                    out.extend(["\n"] * pending)
                    pending = 0
                k += 1
                continue
            if macro.params is None:
                out.extend(self.expand(list(macro.body), path, line, hidden | {tok}))
                k += 1
                continue
            j = k + 1
            while j < len(toks) and toks[j].isspace():
                j += 1
            if j >= len(toks) or toks[j] != "(":
                out.append(tok)
                k += 1
                continue
            args, end, newlines = _arguments(toks, j, path, line)
            body = self._substitute(macro, args, path, line)
            out.extend(self.expand(body, path, line, hidden | {tok}))
            pending += newlines + toks[k + 1:j].count("\n")
            k = end
        return out + ["\n"] * pending

    def _substitute(self, macro: Macro, args: list[list[str]], path: str,
                    line: int) -> list[str]:
        """The body of ``macro`` with its arguments in (``#`` and ``##`` applied)."""
        bound = _bind(macro, args, path, line)
        body = list(macro.body)
        out: list[str] = []
        k = 0
        while k < len(body):
            tok = body[k]
            nxt = _next_significant(body, k + 1)
            if tok == "#" and nxt is not None and body[nxt] in bound:
                text = "".join(_trim(bound[body[nxt]])).replace("\\", "\\\\")
                out.append('"' + text.replace('"', '\\"') + '"')
                k = nxt + 1
            elif tok == "##":
                while out and out[-1].isspace():
                    out.pop()
                if nxt is None:
                    break
                right = _trim(bound.get(body[nxt], [body[nxt]]))
                left = out.pop() if out else ""
                out.extend(tokens(left + (right[0] if right else "")) + right[1:])
                k = nxt + 1
            else:
                if tok in bound:
                    raw = nxt is not None and body[nxt] == "##"
                    out.extend(_trim(bound[tok]) if raw else
                               self.expand(_trim(bound[tok]), path, line))
                else:
                    out.append(tok)
                k += 1
        return out


def _bind(macro: Macro, args: list[list[str]], path: str, line: int) -> dict[str, list[str]]:
    """Each parameter of ``macro`` with its argument (``__VA_ARGS__`` the rest)."""
    params = macro.params or ()
    if macro.variadic and len(args) == len(params) - 1:
        args = args + [[]]  # (no variable arguments)
    if macro.variadic and len(args) >= len(params):
        rest: list[str] = []
        for n, a in enumerate(args[len(params) - 1:]):
            rest += ([","] if n else []) + a
        args = args[:len(params) - 1] + [rest]
    if args == [[]] and not params:
        args = []
    if len(args) != len(params):
        raise UsageError(f"macro {macro.name} takes {len(params)} argument"
                         f"{'s' if len(params) != 1 else ''}, given {len(args)}", path, line)
    return dict(zip(params, args, strict=True))


def _arguments(toks: list[str], open_at: int, path: str,
               line: int) -> tuple[list[list[str]], int, int]:
    """The arguments of a macro call whose ``(`` is at ``open_at``: the argument token
    lists, the index after ``)``, and the newlines the call spanned."""
    args: list[list[str]] = [[]]
    depth = 0
    newlines = 0
    k = open_at + 1
    while k < len(toks):
        tok = toks[k]
        if tok == "\n":
            newlines += 1
            tok = " "
        if tok in "([{" and len(tok) == 1:
            depth += 1
        elif tok in ")]}" and len(tok) == 1:
            if depth == 0 and tok == ")":
                return [_trim(a) for a in args], k + 1, newlines
            depth -= 1
        if tok == "," and depth == 0:
            args.append([])
        else:
            args[-1].append(tok)
        k += 1
    raise UsageError("unterminated macro call (no closing parenthesis)", path, line)


def _trim(toks: list[str] | tuple[str, ...]) -> list[str]:
    out = list(toks)
    while out and out[0].isspace():
        out.pop(0)
    while out and out[-1].isspace():
        out.pop()
    return out


def _significant(toks: list[str]) -> list[str]:
    return [t for t in toks if not t.isspace()]


def _next_significant(toks: list[str], k: int) -> int | None:
    while k < len(toks) and toks[k].isspace():
        k += 1
    return k if k < len(toks) else None


_PY_OPS = {"&&": " and ", "||": " or ", "/": "//"}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Constant,
            ast.And, ast.Or, ast.Not, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod,
            ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.Invert, ast.USub,
            ast.UAdd, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _evaluate(toks: list[str], path: str, line: int) -> int:
    """An ``#if`` expression's value: integers, C operators (C's division), names left
    over as 0."""
    parts: list[str] = []
    for n, tok in enumerate(toks):
        unary = n == 0 or not re.fullmatch(r"\w+|\)", toks[n - 1])
        if re.fullmatch(r"[A-Za-z_]\w*", tok):
            parts.append("0")
        elif re.fullmatch(r"\d\w*", tok):
            parts.append(_c_int(tok, path, line))
        elif tok == "+" and unary:
            continue  # (C's unary plus does nothing; Python's stands for ! below)
        elif tok == "!":
            parts.append("+")  # (binds as tightly as C's !; read back as logical not)
        else:
            parts.append(_PY_OPS.get(tok, tok))
    text = " ".join(parts)
    try:
        tree = ast.parse(text, mode="eval")
        if not all(isinstance(n, _ALLOWED) for n in ast.walk(tree)):
            raise SyntaxError(text)
        return int(_value(tree.body))
    except (SyntaxError, ValueError, ArithmeticError, TypeError, RecursionError):
        raise UsageError(f"cannot evaluate #if {' '.join(toks)}", path, line) from None


def _value(node: ast.expr) -> int:
    """A checked ``#if`` syntax tree's value, with C's integer semantics."""
    if isinstance(node, ast.Constant):
        return int(node.value)  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand)
        return {ast.UAdd: int(not v), ast.USub: -v, ast.Invert: ~v}[type(node.op)]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return int(all(_value(v) for v in node.values))
        return int(any(_value(v) for v in node.values))
    if isinstance(node, ast.Compare):
        left = _value(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _value(right_node)
            if not _COMPARE[type(op)](left, right):
                return 0
            left = right
        return 1
    assert isinstance(node, ast.BinOp)
    a, b = _value(node.left), _value(node.right)
    if isinstance(node.op, ast.FloorDiv | ast.Mod):
        if b == 0:
            raise ZeroDivisionError("division by zero")
        q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return q if isinstance(node.op, ast.FloorDiv) else a - b * q
    if isinstance(node.op, ast.LShift | ast.RShift) and not 0 <= b < 64:
        raise ValueError("shift count out of range")
    return int(_ARITH[type(node.op)](a, b))


_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
          ast.LShift: operator.lshift, ast.RShift: operator.rshift}


def _c_int(tok: str, path: str, line: int) -> str:
    digits = tok.rstrip("uUlL")
    try:
        return str(int(digits, 0) if not re.fullmatch(r"0\d+", digits) else int(digits, 8))
    except ValueError:
        raise UsageError(f"bad number {tok} in #if", path, line) from None
