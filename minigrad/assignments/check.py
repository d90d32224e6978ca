"""``check``: run the tests of some exercises in a student copy and grade them.

Steps: verify the protected files (tests, pyproject.toml, this package) against the SHA-256
hashes ``build`` wrote into ``assignment.json``; run pytest on the tests carrying the exercises'
markers, 30 s per test (pytest-timeout); print one line per exercise; write JUnit XML and a JSON
summary with points. An exercise passes when at least one test carries its marker and none of
them fails or errors; it earns all its points or none.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import testfilter
from .build import MANIFEST, protected_files, sha256
from .tree import is_test_file

TIMEOUT_S = 30
GRADED_TESTS = "tests/assignments/exercises"  # as the catalog's; the copy's own tests there


class CheckError(RuntimeError):
    """The copy cannot be graded (not a student copy, changed tests, unknown exercise)."""


def find_root(start: Path) -> Path:
    for d in [Path(start).resolve(), *Path(start).resolve().parents]:
        if (d / MANIFEST).is_file():
            return d
    raise CheckError(f"no {MANIFEST} in {Path(start).resolve()} or above: run check inside a "
                     "student copy made by `python -m minigrad.assignments build`")


def verify(root: Path, manifest: dict) -> list[str]:
    """Problems with the protected files: changed, missing, or added."""
    want = manifest["protected"]
    problems = []
    for rel, digest in sorted(want.items()):
        p = root / rel
        if not p.is_file():
            problems.append(f"{rel} is missing")
        elif sha256(p) != digest:
            problems.append(f"{rel} was changed")
    for rel in protected_files(root):
        if rel not in want and rel.endswith((".py", ".toml", ".ini", ".cfg")):
            problems.append(f"{rel} was added")
    for name in ("conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg"):
        if (root / name).is_file():
            problems.append(f"{name} was added at the top (it would change how pytest runs)")
    return problems


def select(manifest: dict, wanted: list[str]) -> list[dict]:
    """The manifest entries of ``wanted`` ("1.3" or "ex1_3"); all "todo" ones if empty."""
    exercises = manifest["exercises"]
    if not wanted:
        return [e for e in exercises if e["status"] == "todo"]
    index = {e["number"]: e for e in exercises} | {e["id"]: e for e in exercises}
    unknown = [w for w in wanted if w not in index]
    if unknown:
        raise CheckError(f"unknown exercise(s) {', '.join(unknown)}; this copy knows "
                         f"{', '.join(e['number'] for e in exercises)}")
    return list({index[w]["id"]: index[w] for w in wanted}.values())


def marked_test_files(root: Path, exercises) -> list[str]:
    """The test files of ``root`` holding a test marked with any of ``exercises`` (read from
    the source, so pytest need not import the whole suite to find them)."""
    out = []
    for p in sorted((Path(root) / "tests").rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if is_test_file(rel) and any(set(exercises) & t.markers for t in testfilter.collect(
                p.read_text(encoding="utf-8"), rel)):
            out.append(rel)
    return out


def run_pytest(root: Path, exercises: list[str] | None, report: Path, junit: Path | None,
               timeout: int | None = TIMEOUT_S, extra=(), capture: bool = False, paths=None,
               budget: float | None = None):
    """Run pytest in ``root`` on the tests marked with any of ``exercises`` (all tests when
    None), in ``paths`` (default: the files holding such tests; all of tests/ when
    ``exercises`` is None); return (completed process, parsed report or None). With
    ``budget`` (seconds) the run is killed when it takes longer: (None, None)."""
    if paths is None:
        paths = ["tests"] if exercises is None else marked_test_files(root, exercises)
    cmd = [sys.executable, "-m", "pytest", "-c", str(root / "pyproject.toml"),
           "--rootdir", str(root), "-p", "minigrad.assignments.plugin",
           "--exercise-report", str(report), "-p", "no:cacheprovider", "-q"]
    if exercises is not None:
        cmd += ["-m", " or ".join(exercises)]
    if timeout:
        cmd += ["--timeout", str(timeout)]
    if junit is not None:
        cmd += ["--junitxml", str(junit)]
    cmd += [*extra, *paths]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in [os.environ.get(
        "PYTHONPATH")] if p])
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, text=True, capture_output=capture,
                              timeout=budget)
    except subprocess.TimeoutExpired:
        return None, None
    data = json.loads(report.read_text()) if report.is_file() else None
    return proc, data


def grade(entries: list[dict], tests: dict) -> list[dict]:
    results = []
    for e in entries:
        mine = [t for t in tests.values() if e["id"] in t["exercises"] and t["outcome"]]
        counts = {k: sum(t["outcome"] == k for t in mine)
                  for k in ("passed", "failed", "error", "skipped")}
        if not mine:
            ok, why = False, (f"no test carries the marker {e['id']}" + (
                f" (exercise {e['number']} belongs to assignment {e['assignment']})"
                if e["status"] == "later" else ""))
        else:
            ok = counts["passed"] > 0 and counts["failed"] == counts["error"] == 0
            why = f"{counts['passed']}/{len(mine)} tests passed"
        results.append({"id": e["id"], "number": e["number"], "title": e["title"],
                        "passed": ok, "points": e["points"] if ok else 0,
                        "max_points": e["points"], "tests": counts, "detail": why,
                        "not_passed": sorted(n for n, t in tests.items() if e["id"] in
                                             t["exercises"] and t["outcome"] in
                                             ("failed", "error"))})
    return results


def check(wanted: list[str], root: Path | None = None, out: Path | None = None,
          manifest_path: Path | None = None, timeout: int = TIMEOUT_S, quiet: bool = False,
          echo=print) -> int:
    """Grade ``wanted`` exercises; return the exit status (0 all passed, 1 some failed)."""
    root = find_root(root or Path.cwd())
    manifest = json.loads(Path(manifest_path or root / MANIFEST).read_text(encoding="utf-8"))
    problems = verify(root, manifest)
    if problems:
        raise CheckError("the copy's protected files differ from the ones it was built with "
                         "(restore them, e.g. from git, and run check again): "
                         + "; ".join(problems))
    if importlib.util.find_spec("pytest_timeout") is None:
        raise CheckError("check needs pytest-timeout (for the 30 s per test limit): "
                         "pip install -e \".[dev]\" (or pip install pytest-timeout)")
    entries = select(manifest, wanted)
    out = Path(out or root / "check-results")
    out.mkdir(parents=True, exist_ok=True)
    ids = [e["id"] for e in entries]
    paths = marked_test_files(root, ids)
    graded = [q for q in paths if q.startswith(GRADED_TESTS + "/")]
    paths = graded or paths  # the grader's visible selection, where the copy has one
    data: dict
    if not paths:  # nothing to run: every exercise fails for want of tests
        proc, data = subprocess.CompletedProcess([], 5, "", ""), {"tests": {}}
        (out / "junit.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>'
                                       '<testsuite name="pytest" tests="0" /></testsuites>\n')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            proc, data = run_pytest(root, ids, report, out / "junit.xml", timeout,
                                    extra=["--tb=short", "--exercise-stop-on-timeout"],
                                    capture=quiet, paths=paths)
    stopped = data is not None and data.get("hung") and proc.returncode == 2
    if data is None or (proc.returncode not in (0, 1, 5) and not stopped):
        tail = (proc.stdout or "")[-2000:] + (proc.stderr or "")[-2000:] if quiet else ""
        raise CheckError(f"pytest could not run the tests (exit status {proc.returncode}). "
                         + tail)
    results = grade(entries, data["tests"])
    if data.get("hung"):
        echo(f"stopped: {data['hung']} ran longer than {timeout} s (an endless loop?); the "
             "tests after it were not run")
    summary = {"assignment": manifest["assignment"], "exercises": results,
               "points": sum(r["points"] for r in results),
               "max_points": sum(r["max_points"] for r in results),
               "passed": all(r["passed"] for r in results), "tests_verified": True}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    echo("")
    for r in results:
        echo(f"{'PASS' if r['passed'] else 'FAIL'} {r['number']:<5} {r['title']:<42} "
             f"{r['points']}/{r['max_points']} points  ({r['detail']})")
    echo(f"total {summary['points']}/{summary['max_points']} points; JUnit XML and "
         f"summary.json in {out}")
    return 0 if summary["passed"] else 1
