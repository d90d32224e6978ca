"""``grade``: the instructor's grader. Each exercise is graded alone, in a pristine tree.

For a submission (a student copy of assignment N) and each exercise E of N, the grader makes a
tree from the reference source (the instructor's checkout: every region holds the reference
code, the tests, conftest files and pyproject.toml are the reference's), grafts the student's
answer to E into it (see graft.py) and runs E's graded tests there: the visible ones (the
catalog's ``GRADED_TESTS`` folder) and the hidden ones (``HIDDEN_TESTS``, or ``--hidden DIR``;
never written into a student copy). Nothing else of the submission is used, so edits outside
the answer cannot change a score, and E's score does not depend on the other exercises.

Points: each test has a weight (``@pytest.mark.points(n)``, default 1) and E's points are
shared out by weight; a passed test earns its share (partial credit); skipped tests do not
count. Exercises whose grafted trees are identical (e.g. several answers equal to the
reference) run in one pytest process: the results are the same as one by one.

Time: ``timeout`` seconds per test (pytest-timeout), and the first test that times out stops
its run (the message names it); ``budget`` seconds for the whole submission.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from . import graft, tree
from .build import render
from .check import marked_test_files, run_pytest

TIMEOUT_S = 10
BUDGET_S = 600
GRADED_DEFAULT = "tests/assignments/exercises"
HIDDEN_DEFAULT = "tests/assignments/hidden"
HIDDEN_AT = "tests/assignments/hidden"  # where hidden tests go in the grading tree


def _base_tree(reference: Path, catalog, out: Path, hidden: Path | None) -> None:
    """The reference as graded: minigrad/ with every region's code (markers dropped), tests/
    (instructor-only folders left out), pyproject.toml, and the hidden tests."""
    for rel in tree.files(reference, catalog):
        if rel.startswith("lessons/"):
            continue
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = render(reference, rel, catalog, set())
        if data is None:
            shutil.copyfile(reference / rel, dest)
        else:
            dest.write_bytes(data)
    shutil.copyfile(reference / "pyproject.toml", out / "pyproject.toml")
    if hidden is not None and hidden.is_dir():
        shutil.copytree(hidden, out / HIDDEN_AT, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _hidden_dir(reference: Path, catalog, hidden) -> Path | None:
    if hidden is not None:
        hidden = Path(hidden)
        if not hidden.is_dir():
            raise FileNotFoundError(f"--hidden {hidden}: no such folder")
        return hidden
    default = reference / getattr(catalog, "HIDDEN_TESTS", HIDDEN_DEFAULT)
    return default if default.is_dir() else None


def grafts(reference: Path, submission: Path, catalog, assignment: int, ids) -> dict:
    """{exercise: ({rel: grafted text}, error or None)}."""
    out = {}
    for eid in ids:
        files, error = {}, None
        try:
            for rel in graft.exercise_files(reference, catalog, eid):
                files[rel] = graft.graft_file(reference, submission, rel, catalog, assignment,
                                              eid)
        except graft.GraftError as exc:
            files, error = {}, str(exc)
        out[eid] = (files, error)
    return out


def _key(files: dict) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + files[rel].encode() + b"\0")
    return h.hexdigest()


def test_share(tests: list[dict], points: float) -> list[dict]:
    """Each test's max_score: ``points`` shared by weight among the tests that count."""
    counted = [t for t in tests if t["outcome"] != "skipped"]
    total = sum(t["weight"] for t in counted)
    for t in tests:
        t["max_score"] = (points * t["weight"] / total
                          if total and t in counted else 0.0)
        t["score"] = t["max_score"] if t["outcome"] == "passed" else 0.0
    return tests


def grade(submission: Path, assignment: int, reference: Path | None = None, hidden=None,
          exercises=None, timeout: int = TIMEOUT_S, budget: float = BUDGET_S) -> dict:
    """Grade the exercises of ``assignment`` in ``submission``; return the results (see
    docs/INSTRUCTORS.md for the fields)."""
    started = time.monotonic()
    reference = Path(reference or tree.default_source()).resolve()
    submission = Path(submission).resolve()
    catalog = tree.load_catalog(reference)
    if assignment not in catalog.ASSIGNMENTS:
        raise ValueError(f"there is no assignment {assignment}; the catalog has "
                         f"{sorted(catalog.ASSIGNMENTS)}")
    mine = [e for e in catalog.EXERCISES if e.assignment == assignment]
    if exercises:
        want = {w if w.startswith("ex") else "ex" + w.replace(".", "_") for w in exercises}
        unknown = want - {e.id for e in mine}
        if unknown:
            raise ValueError(f"exercise(s) {', '.join(sorted(unknown))} are not in assignment "
                             f"{assignment} ({', '.join(e.number for e in mine)})")
        mine = [e for e in mine if e.id in want]
    hidden_dir = _hidden_dir(reference, catalog, hidden)
    graded = getattr(catalog, "GRADED_TESTS", GRADED_DEFAULT)
    results = {e.id: {"id": e.id, "number": e.number, "title": e.title, "score": 0.0,
                      "max_score": float(e.points), "tests": [], "error": None} for e in mine}
    with tempfile.TemporaryDirectory(prefix="minigrad-grade-") as tmp:
        base = Path(tmp) / "base"
        _base_tree(reference, catalog, base, hidden_dir)
        groups: dict = {}
        for eid, (files, error) in grafts(reference, submission, catalog, assignment,
                                          [e.id for e in mine]).items():
            if error:
                results[eid]["error"] = error
            else:
                groups.setdefault(_key(files), (files, []))[1].append(eid)
        for i, (files, ids) in enumerate(groups.values()):
            left = budget - (time.monotonic() - started)
            if left <= 1:
                for eid in ids:
                    results[eid]["error"] = (f"not graded: the submission's time budget of "
                                             f"{budget:g} s was used up")
                continue
            _run_group(base, Path(tmp) / f"g{i}", files, ids, graded, results, timeout, left)
    for r in results.values():
        r["score"] = round(sum(t["score"] for t in r["tests"]), 2)
        if r["score"] > r["max_score"] - 0.01 and not r["error"]:
            r["score"] = r["max_score"]
    out = list(results.values())
    return {"assignment": assignment, "submission": submission.name,
            "score": round(sum(r["score"] for r in out), 2),
            "max_score": float(sum(r["max_score"] for r in out)), "exercises": out,
            "elapsed_s": round(time.monotonic() - started, 1)}


def _run_group(base, root, files, ids, graded, results, timeout, left) -> None:
    shutil.copytree(base, root)
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    paths = [p for p in marked_test_files(root, ids)
             if p.startswith((graded + "/", HIDDEN_AT + "/"))]
    if not paths:
        for eid in ids:
            results[eid]["error"] = "no graded test carries this exercise's marker"
        return
    proc, data = run_pytest(root, ids, root / "report.json", None, timeout,
                            extra=["--tb=short", "--exercise-stop-on-timeout"], capture=True,
                            paths=paths, budget=left)
    if data is None:
        why = ("the time budget ran out" if proc is None else
               f"pytest could not run the tests (exit status {proc.returncode}): "
               + ((proc.stdout or "")[-800:] + (proc.stderr or "")[-800:]).strip())
        for eid in ids:
            results[eid]["error"] = why
        return
    hung = data.get("hung")
    for eid in ids:
        tests = []
        for nodeid, t in data["tests"].items():
            if eid not in t["exercises"]:
                continue
            outcome, message = t["outcome"], t.get("message", "")
            if outcome is None:
                outcome, message = "failed", (f"not run: {hung} timed out before it" if hung
                                              else "not run")
            tests.append({"name": nodeid, "outcome": outcome, "output": message,
                          "weight": t.get("weight", 1.0),
                          "hidden": nodeid.startswith(HIDDEN_AT + "/")})
        results[eid]["tests"] = test_share(sorted(tests, key=lambda t: t["name"]),
                                           results[eid]["max_score"])
