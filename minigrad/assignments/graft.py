"""Grafting: a student's answer to one exercise, put into a pristine reference file.

The grader never runs the student's copy as it is. For exercise E it takes, from the student's
file, only what stands where E's stub stood in the copy as built, and puts it in place of E's
solution regions in the reference source; every other region keeps the reference code and every
other file is the reference's. So edits outside E's functions (``minigrad/__init__.py``, a
conftest, the tests, another exercise's region) cannot change E's score, and E is graded alone:
the exercises it builds on are the reference's.

How the answer is found: the enclosing function of each region (by qualified name) is looked up
in the copy as built (where the region is one ``raise NotImplementedError`` line) and in the
student's file; the two function texts are diffed line by line, and the student's lines that
replace the stub line are the answer. Top-level imports and undecorated functions the student
added to the same file (names the reference file does not define, and whose definition runs no
code: no decorators, constant defaults) come along, appended at the end, so a helper written
next to the answer still works.

Standard library only.
"""
from __future__ import annotations

import ast
import difflib
from pathlib import Path

from . import markers, tree
from .build import default_stubbed, render


class GraftError(ValueError):
    """The student's file cannot be grafted (missing, does not parse, function gone)."""


def find_function(module: ast.AST, qualname: str):
    """The function node whose qualified name (``Class.method``, ``outer.inner``) is
    ``qualname``, or None."""
    node = module
    for part in qualname.split("."):
        nxt = None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                    child.name == part:
                nxt = child
        if nxt is None:
            return None
        node = nxt
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _span(fn) -> tuple[int, int]:
    """0-based first line (decorators included) and one past the last line of ``fn``."""
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
    return first - 1, fn.end_lineno


def stub_lines(text: str, regions, stubbed: set) -> dict:
    """{region: 0-based line of its stub in the copy as built} for the stubbed regions."""
    out, removed = {}, 0
    for r in regions:
        if r.exercise in stubbed:
            out[r] = r.start - removed
            removed += r.end - r.start          # the region became one line
        else:
            removed += 2                        # only its two marker lines went
    return out


def _parse(text: str, where: str):
    try:
        return ast.parse(text, filename=where)
    except SyntaxError as exc:
        raise GraftError(f"{where} does not parse (line {exc.lineno}: {exc.msg}); fix it and "
                         "check again") from None


def answer_lines(built: list[str], student: list[str], k: int) -> list[str]:
    """The student's lines that stand where line ``k`` of ``built`` (the stub) stood."""
    sm = difflib.SequenceMatcher(None, built, student, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if i1 <= k < i2:
            if tag == "equal":
                return [built[k]]               # untouched: the stub still raises
            return student[j1:j2]
    return [built[k]]


def _additions(built_mod, built_text: str, student_mod, student_text: str, ref_names: set):
    """Source of top-level imports and undecorated functions the student added."""
    have = {ast.get_source_segment(built_text, s) for s in built_mod.body}
    out = []
    for s in student_mod.body:
        seg = ast.get_source_segment(student_text, s)
        if seg in have:
            continue
        if isinstance(s, (ast.Import, ast.ImportFrom)) and not (
                isinstance(s, ast.ImportFrom) and s.module == "__future__"):
            out.append(seg)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and _inert(s) \
                and s.name not in ref_names:
            out.append(seg)
    return out


def _inert(fn) -> bool:
    """True when defining ``fn`` runs no code: no decorators, defaults that are constants,
    annotations that are names or constants."""
    a = fn.args
    simple = (ast.Constant, ast.Name, ast.Attribute)
    notes = [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]
             if x is not None and x.annotation is not None] + [fn.returns]
    return (not fn.decorator_list
            and all(isinstance(d, ast.Constant) for d in a.defaults + a.kw_defaults
                    if d is not None)
            and all(n is None or isinstance(n, simple) for n in notes))


def _top_names(mod) -> set:
    names = set()
    for s in mod.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(s.name)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in s.names}
        elif isinstance(s, ast.Assign):
            names |= {t.id for t in s.targets if isinstance(t, ast.Name)}
    return names


def graft_file(reference: Path, student: Path, rel: str, catalog, assignment: int,
               exercise: str) -> str:
    """The reference file ``rel`` with the regions of ``exercise`` replaced by the student's
    answer (from the copy at ``student``, built for ``assignment``); other regions keep the
    reference code; no marker lines."""
    reference, student = Path(reference), Path(student)
    ref_text = (reference / rel).read_text(encoding="utf-8")
    found = tree.regions_of(reference, rel)
    regions = [r for r, _ in found]
    names = dict(found)
    spath = student / rel
    if not spath.is_file():
        raise GraftError(f"{rel} is missing from the submission")
    student_text = spath.read_text(encoding="utf-8")
    stubbed = default_stubbed(catalog, assignment)
    built_text = render(reference, rel, catalog, stubbed).decode("utf-8")  # type: ignore[union-attr]
    built_mod, student_mod = _parse(built_text, rel), _parse(student_text, rel)
    built_lines = built_text.splitlines(keepends=True)
    student_lines = student_text.splitlines(keepends=True)
    at = stub_lines(ref_text, regions, stubbed)
    answers = {}
    for r in regions:
        if r.exercise != exercise:
            continue
        if r not in at:
            raise GraftError(f"exercise {exercise} is not stubbed in a copy of assignment "
                             f"{assignment}: nothing to graft")
        qual = names[r]
        bfn, sfn = find_function(built_mod, qual), find_function(student_mod, qual)
        if sfn is None:
            raise GraftError(f"{rel}: the function {qual} is missing (it holds exercise "
                             f"{exercise}); restore it")
        b0, b1 = _span(bfn)
        s0, s1 = _span(sfn)
        body = answer_lines(built_lines[b0:b1], student_lines[s0:s1], at[r] - b0)
        answers[r] = [s if s.endswith("\n") else s + "\n" for s in body] or \
            [f"{r.indent}pass\n"]
    text = markers.rewrite(ref_text, regions, lambda r, body: answers.get(r, body))
    extra = _additions(built_mod, built_text, student_mod, student_text,
                       _top_names(_parse(ref_text, rel)))
    if extra:
        text = text.rstrip("\n") + "\n\n\n# added by the student next to the answer\n" + \
            "\n\n".join(extra) + "\n"
    return text


def exercise_files(reference: Path, catalog, exercise: str) -> list[str]:
    """The files of the reference that hold a region of ``exercise`` (Python files under
    minigrad/ only: notebooks are not graded)."""
    return sorted({f.path for f in tree.find_regions(reference, catalog)
                   if f.region.exercise == exercise and f.path.startswith("minigrad/")
                   and f.path.endswith(".py")})
