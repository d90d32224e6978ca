"""Leaks: code of a removed solution region that is still somewhere in a student copy.

``build`` takes each region it stubs, normalises its lines (comments, whitespace, backticks and
``>>>`` prompts dropped) and looks for them in everything the copy would hold: source, tests,
docstrings, notebooks (their cells' text), the README and the manifest (hints). A finding is:

- a line of the copy equal to a long region line (at least ``LONG`` characters normalised);
- two distinct region lines of one region within ``WINDOW`` lines of each other in one file
  (a short answer copied whole: ``a, b = ctx.saved`` then ``return g * b, g * a``);
- a hint (a stub message or the manifest's) that contains a region line: hints say what to
  compute and why, never the line;
- the same computation under other names: ``SKELETON_LINES`` distinct lines of one region
  whose skeletons (names and strings replaced by ``_``, parentheses and assignment targets
  dropped, math functions kept) are found within ``WINDOW`` lines of each other in one file
  (an Adam step written again with other variable names).

Lines that are idioms of the code base, found in at least ``IDIOM`` places outside every region
of the source, are not evidence (``a, b = ctx.saved`` is in many backward rules). The catalog's
``ACCEPTED_LEAKS`` lists known findings by (file, function, exercise) that someone is fixing:
they are reported, not refused. Standard library only.
"""
from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

LONG = 24
SHORT = 12
WINDOW = 8
IDIOM = 3
SKELETON_LINES = 3
SKELETON_MIN = 8
_KEEP = {"if", "else", "for", "in", "return", "not", "and", "or", "is", "None", "True", "False",
         "lambda", "sqrt", "sum", "exp", "log", "maximum", "minimum", "matmul", "mean", "tanh",
         "reshape", "where", "abs", "permutation", "matrix_transpose"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_STR = re.compile(r"\"[^\"]*\"|'[^']*'")
_TARGET = re.compile(r"^[_,]+=(?!=)")
_PROMPT = re.compile(r"^\s*(>>>|\.\.\.)\s?")
_WS = re.compile(r"\s+")


def normalise(line: str) -> str:
    s = _PROMPT.sub("", line)
    if "#" in s and "'" not in s and '"' not in s:
        s = s[:s.index("#")]
    return _WS.sub("", s.replace("`", "")).rstrip(";")


def skeleton(line: str) -> str:
    """The line with its names abstracted: ``m_hat = self._m / (1 - b1 ** t)`` -> ``_/1-_**_``."""
    s = _NAME.sub(lambda m: m.group(0) if m.group(0) in _KEEP else "_", _STR.sub("_",
                                                                              normalise(line)))
    prev = None
    while prev != s:
        prev, s = s, re.sub(r"_\.(?=[A-Za-z_])|(?<=_)\[_\]", "", s).replace("__", "_")
    while _TARGET.match(s):
        s = _TARGET.sub("", s, count=1)
    return s.replace("(", "").replace(")", "")


@dataclass(frozen=True)
class Finding:
    path: str         # the copy's file
    line: int         # 1-based
    function: str     # enclosing function there, or "<module>" / "<text>"
    exercise: str
    region: str       # "file:line" of the region in the source
    text: str         # the copy's line, stripped

    def __str__(self):
        return (f"{self.path}:{self.line} ({self.function}) repeats exercise "
                f"{self.exercise[2:].replace('_', '.')}'s removed code ({self.region}): "
                f"{self.text[:90]!r}")


def text_lines(rel: str, data: bytes) -> list[str]:
    """The lines to search in one file of the copy (a notebook: its cells' text)."""
    text = data.decode("utf-8", "replace")
    if rel.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            return text.splitlines()
        out: list = []
        for c in cells:
            src = c.get("source", "")
            out.extend(("".join(src) if isinstance(src, list) else src).splitlines())
        return out
    return text.splitlines()


def _functions(rel: str, lines: list[str]) -> list[tuple[int, int, str]]:
    if not rel.endswith(".py"):
        return []
    try:
        mod = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    out = []

    def visit(node, prefix):
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + ch.name
                if not isinstance(ch, ast.ClassDef):
                    out.append((ch.lineno, ch.end_lineno, name))
                visit(ch, name + ".")
    visit(mod, "")
    return out


def _where(funcs, line: int, rel: str) -> str:
    inside = [(a, name) for a, b, name in funcs if a <= line <= b]
    return max(inside)[1] if inside else ("<module>" if rel.endswith(".py") else "<text>")


def removed_lines(source_regions) -> dict:
    """{exercise: [(normalised line, "file:line")]} from ``[(rel, region, body lines)]``."""
    out: dict = {}
    for rel, r, body in source_regions:
        for k, line in enumerate(body):
            n = normalise(line)
            if len(n) >= SHORT and not n.startswith("raiseNotImplementedError"):
                out.setdefault(r.exercise, []).append((n, f"{rel}:{r.start + k + 2}",
                                                       skeleton(line)))
    return out


def idioms(outside_lines) -> set:
    """Normalised lines and skeletons found in at least ``IDIOM`` places outside regions."""
    lines = list(outside_lines)
    return ({n for n, c in Counter(normalise(s) for s in lines).items() if c >= IDIOM}
            | {"~" + k for k, c in Counter(skeleton(s) for s in lines).items() if c >= IDIOM})


def _skeleton_hits(rel, lines, removed, common) -> list:
    want: dict = {}
    for ex, items in removed.items():
        for k, (n, at, sk) in enumerate(items):
            if len(sk) >= SKELETON_MIN and "~" + sk not in common:
                want.setdefault(sk, []).append((ex, k, at))
    hits = [(i, ex, k, at) for i, line in enumerate(lines)
            for ex, k, at in want.get(skeleton(line), ())]
    out = []
    for i, ex, k, at in hits:
        near = {kk for j, e, kk, _ in hits if e == ex and abs(j - i) <= WINDOW}
        if len(near) >= SKELETON_LINES:
            out.append((i, ex, at))
    return out


def find(files: dict, removed: dict, hints: dict, common: set) -> list[Finding]:
    """Findings in ``files`` ({rel: bytes} of the copy); ``hints`` {exercise: hint text}."""
    want = {ex: [(n, at) for n, at, _ in lines if n not in common]
            for ex, lines in removed.items()}
    index: dict = {}
    lines: Any  # (line, where) pairs of a region here, then a file's lines below
    for ex, lines in want.items():
        for n, at in lines:
            index.setdefault(n, []).append((ex, at))
    found = []
    for rel in sorted(files):
        lines = text_lines(rel, files[rel])
        funcs = None
        hits = []  # (line index, exercise, region line, where)
        for i, line in enumerate(lines):
            n = normalise(line)
            for ex, at in index.get(n, ()):
                hits.append((i, ex, n, at))
        for i, ex, n, at in hits:
            near = {m for j, e, m, _ in hits if e == ex and abs(j - i) <= WINDOW}
            if len(n) >= LONG or len(near) >= 2:
                funcs = _functions(rel, lines) if funcs is None else funcs
                found.append(Finding(rel, i + 1, _where(funcs, i + 1, rel), ex, at,
                                     lines[i].strip()))
        for i, ex, at in _skeleton_hits(rel, lines, removed, common):
            funcs = _functions(rel, lines) if funcs is None else funcs
            found.append(Finding(rel, i + 1, _where(funcs, i + 1, rel), ex, at,
                                 lines[i].strip()))
    for ex, hint in hints.items():
        h = normalise(hint)
        for n, at in want.get(ex, ()):
            if n in h:
                found.append(Finding("minigrad/assignments/catalog.py", 0, "hint", ex, at,
                                     hint))
                break
    return sorted(set(found), key=lambda f: (f.path, f.line, f.exercise))


def accepted(finding: Finding, catalog) -> bool:
    return (finding.path, finding.function, finding.exercise) in getattr(
        catalog, "ACCEPTED_LEAKS", {})
