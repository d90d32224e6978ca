"""Which exercises a test belongs to, read from its source; and dropping tests from a file.

A test's exercises are the ``exA_B`` markers written on it: decorators of the test function
(``@pytest.mark.ex1_3``, also inside ``parametrize(..., marks=...)``), of its class, and the
``pytestmark`` of its class and module. Markers added at run time (in a conftest hook) are not
seen: write them in the test file.

``build`` drops a test function (or a test method) when it carries a marker of a later
assignment, and the whole file when no test is left in it. Helpers and fixtures stay.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TypeGuard

EX_RE = re.compile(r"^ex[1-9][0-9]*_[1-9][0-9]*$")


@dataclass(frozen=True)
class TestInfo:
    name: str              # "test_x" or "TestY::test_x"
    first: int             # 1-based first line (decorators included)
    last: int              # 1-based last line
    markers: frozenset     # exercise markers, module and class ones included


def marks_in(node) -> set:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and EX_RE.match(sub.attr):
            base = sub.value
            if ((isinstance(base, ast.Attribute) and base.attr == "mark")
                    or (isinstance(base, ast.Name) and base.id == "mark")):
                found.add(sub.attr)
    return found


def _pytestmark(body) -> set:
    found = set()
    for stmt in body:
        targets = (stmt.targets if isinstance(stmt, ast.Assign)
                   else [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
            found |= marks_in(stmt.value)
    return found


def _decorated(node) -> set:
    return set().union(*(marks_in(d) for d in node.decorator_list))


def _first_line(node) -> int:
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def _is_test_fn(node) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
        node.name.startswith("test")


def collect(text: str, where: str = "<test file>") -> list[TestInfo]:
    """The test functions and methods of a test module with their exercise markers."""
    tree = ast.parse(text, filename=where)
    module = _pytestmark(tree.body)
    tests = []
    for node in tree.body:
        if _is_test_fn(node):
            marks = module | _decorated(node)
            tests.append(TestInfo(node.name, _first_line(node), node.end_lineno,  # type: ignore[arg-type]
                                  frozenset(marks)))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            cls = module | _pytestmark(node.body) | _decorated(node)
            for sub in node.body:
                if _is_test_fn(sub):
                    marks = cls | _decorated(sub)
                    tests.append(TestInfo(f"{node.name}::{sub.name}", _first_line(sub),
                                          sub.end_lineno, frozenset(marks)))  # type: ignore[arg-type]
    return tests


def drop_tests(text: str, drop, where: str = "<test file>"):
    """``(new_text, dropped)``: ``text`` without the tests for which ``drop(markers)`` is true.
    ``new_text`` is None when the file had tests and none is left. A class whose test methods
    are all dropped goes as a whole."""
    tests = collect(text, where)
    dropped = [t for t in tests if drop(t.markers)]
    if not dropped:
        return text, []
    if len(dropped) == len(tests):
        return None, dropped
    spans = [(t.first, t.last) for t in dropped]
    tree = ast.parse(text, filename=where)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [f"{node.name}::{s.name}" for s in node.body if _is_test_fn(s)]
            gone = {t.name for t in dropped}
            if methods and all(m in gone for m in methods):
                spans.append((_first_line(node), node.end_lineno))  # type: ignore[arg-type]
    lines = text.splitlines(keepends=True)
    keep = [True] * len(lines)
    for first, last in spans:
        for k in range(first - 1, last):
            keep[k] = False
    return _tidy("".join(s for s, k in zip(lines, keep) if k)), dropped


def _tidy(text: str) -> str:
    """At most two blank lines in a row, and one newline at the end."""
    out, blank = [], 0
    for line in text.splitlines(keepends=True):
        blank = blank + 1 if not line.strip() else 0
        if blank <= 2:
            out.append(line)
    return "".join(out).rstrip() + "\n"
