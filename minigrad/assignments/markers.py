"""Solution regions: find the marker pairs in a text, and rewrite each region.

A region is the lines between a begin line and an end line, both comments (the exact spelling
is in docs/INSTRUCTORS.md; nbgrader's triple-hash form is the same thing). In minigrad's source
the begin line names the exercise (``ex1_3``); in lessons the name is optional. ``build`` turns a
region into one ``raise NotImplementedError("Exercise 1.3: <hint>")`` line at the begin line's
indentation, or keeps its code and drops the two marker lines.

The marker words are assembled below rather than written out, so that this package, which a
student copy contains, holds no marker text itself.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from .catalog import ID_RE

_WORD = "SOL" + "UTION"
_BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*BEGIN[ \t]+" + _WORD + r"\b(?P<rest>.*)$")
_END_RE = re.compile(r"^[ \t]*#+[ \t]*END[ \t]+" + _WORD + r"\b(?P<rest>.*)$")
TEXT_RE = re.compile(r"\b(BEGIN|END)[ \t]+" + _WORD + r"\b")  # marker text anywhere
PROBE_ENV = "MINIGRAD_PROBE_FILE"


class MarkerError(ValueError):
    """A marker pair that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Region:
    exercise: str | None  # "ex1_3", or None for an unnamed (lesson) region
    start: int            # 0-based index of the begin line
    end: int              # 0-based index of the end line
    indent: str           # the begin line's indentation: the stub's


def parse(text: str, where: str, need_id: bool = True) -> list[Region]:
    """All regions of ``text`` in order. ``where`` names the file in error messages."""
    regions, open_ = [], None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        b, e = _BEGIN_RE.match(line), _END_RE.match(line)
        if b:
            if open_ is not None:
                raise MarkerError(f"{where}:{i + 1}: a region begins inside the region opened at "
                                  f"line {open_[0] + 1}; regions do not nest, close it first")
            open_ = (i, b.group("indent"), _exercise_id(b.group("rest"), where, i, need_id))
        elif e:
            if open_ is None:
                raise MarkerError(f"{where}:{i + 1}: an end marker without a begin marker")
            rest = e.group("rest").strip()
            if rest and rest != open_[2]:
                raise MarkerError(f"{where}:{i + 1}: the end marker names {rest!r} but the "
                                  f"region opened at line {open_[0] + 1} is {open_[2]!r}")
            start, indent, eid = open_
            _check_body(lines[start + 1:i], indent, where, start)
            regions.append(Region(eid, start, i, indent))
            open_ = None
    if open_ is not None:
        raise MarkerError(f"{where}:{open_[0] + 1}: the region is never closed (no end marker)")
    return regions


def _exercise_id(rest: str, where: str, i: int, need_id: bool):
    rest = rest.strip()
    if not rest:
        if need_id:
            raise MarkerError(f"{where}:{i + 1}: the begin marker must name its exercise, "
                              "e.g. ex1_3 (exA_B: exercise B of assignment A)")
        return None
    if not ID_RE.match(rest):
        raise MarkerError(f"{where}:{i + 1}: expected an exercise id like ex1_3 after the begin "
                          f"marker, got {rest!r}")
    return rest


def _check_body(body: list[str], indent: str, where: str, start: int) -> None:
    code = [(k, s) for k, s in enumerate(body) if s.strip()]
    if not code:
        raise MarkerError(f"{where}:{start + 1}: the region holds no code")
    for k, s in code:
        if not s.startswith(indent):
            raise MarkerError(f"{where}:{start + k + 2}: this line is indented less than the "
                              "begin marker; the stub goes at the marker's indentation, so put "
                              "the marker at the indentation of the region's code")


def rewrite(text: str, regions: list[Region], replace) -> str:
    """``text`` with each region (marker lines included) replaced by ``replace(region, body)``,
    a list of lines; ``body`` is the region's lines without the two markers."""
    lines = text.splitlines(keepends=True)
    out, pos = [], 0
    for r in regions:
        out.extend(lines[pos:r.start])
        out.extend(_eol(s) for s in replace(r, lines[r.start + 1:r.end]))
        pos = r.end + 1
    out.extend(lines[pos:])
    return "".join(out)


def _eol(s: str) -> str:
    return s if s.endswith("\n") else s + "\n"


def stub_line(region: Region, message: str) -> str:
    return f"{region.indent}raise NotImplementedError({json.dumps(message)})\n"


def probe_line(region: Region) -> str:
    """A call that records, during an audit, that a test reached this region."""
    return (f"{region.indent}__import__('minigrad.assignments.probe').assignments.probe."
            f"hit({region.exercise!r})\n")


def enclosing_function(tree: ast.AST, region: Region):
    """``(qualified name, node)`` of the innermost function whose body holds the whole region,
    or ``(None, None)``."""
    found = (None, None)

    def visit(node, prefix):
        nonlocal found
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                if child.lineno - 1 < region.start and child.end_lineno >= region.end:
                    found = (name, child)
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _docstring_inside(fn, region: Region) -> bool:
    first = fn.body[0]
    is_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
              and isinstance(first.value.value, str))
    return is_doc and region.start < first.lineno - 1 < region.end


def check_python(text: str, regions: list[Region], where: str) -> dict:
    """Check that each region can be stubbed in a Python file: it lies inside a function body
    (after the docstring), and the stubbed file still compiles. Returns {region: qualname}."""
    tree = ast.parse(text, filename=where)
    names = {}
    for r in regions:
        name, fn = enclosing_function(tree, r)
        if name is None:
            raise MarkerError(f"{where}:{r.start + 1}: a region must lie inside a function body "
                              "(a stub at module or class level would break the import)")
        if _docstring_inside(fn, r):
            raise MarkerError(f"{where}:{r.start + 1}: the region contains the function's "
                              "docstring; begin it after the docstring so students keep it")
        names[r] = name
    stubbed = rewrite(text, regions, lambda r, body: [stub_line(r, "x")])
    try:
        compile(stubbed, where, "exec")
    except SyntaxError as exc:
        raise MarkerError(f"{where}: with its regions stubbed the file no longer compiles "
                          f"(line {exc.lineno}: {exc.msg}); a region must hold whole statements "
                          "at one indentation") from None
    return names
