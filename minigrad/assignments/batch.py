"""``grade PATH``: one submission, or a whole class (a folder of submissions) into one CSV.

A class is graded submission by submission, each copied into its own temporary folder and
graded by its own process (``python -m minigrad.assignments grade COPY --json ...``), up to
``--jobs`` at once; a process that outlives the submission's budget (plus a margin) is killed
and the submission gets 0 with that reason. The CSV has one row per submission, in name order:
``submission, score, max_score, <one column per exercise>, error``. Its rows are the same as
grading the submissions one by one.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import grader, reports, tree
from .build import MANIFEST

_MARGIN_S = 60  # building the grading trees, pytest's start-up


def is_submission(path: Path) -> bool:
    return (Path(path) / MANIFEST).is_file() or (Path(path) / "minigrad").is_dir()


def submissions(folder: Path) -> list[Path]:
    subs = sorted(p for p in Path(folder).iterdir() if p.is_dir() and is_submission(p))
    if not subs:
        raise FileNotFoundError(f"{folder} holds no submissions (folders with a minigrad/ "
                                "inside, e.g. clones of the students' repositories)")
    return subs


def print_results(res: dict, echo=print) -> None:
    for e in res["exercises"]:
        detail = e["error"] or ", ".join(
            f"{sum(t['outcome'] == k for t in e['tests'])} {k}"
            for k in ("passed", "failed", "error", "skipped")
            if any(t["outcome"] == k for t in e["tests"]))
        echo(f"{e['number']:<5} {e['title']:<42} {e['score']:g}/{e['max_score']:g}  ({detail})")
        for t in e["tests"]:
            if t["outcome"] in ("failed", "error"):
                name = "a hidden test" if t["hidden"] else t["name"]
                echo(f"      {name}: {t['output'] if not t['hidden'] else t['outcome']}")
    echo(f"total {res['score']:g}/{res['max_score']:g}")


def grade_one_process(sub: Path, args, reference: Path) -> dict:
    """Grade ``sub`` in a temporary copy, in a separate process; the results (or an error
    row when the process fails or runs out of time)."""
    with tempfile.TemporaryDirectory(prefix="minigrad-sub-") as tmp:
        copy = Path(tmp) / sub.name
        shutil.copytree(sub, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__"))
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "minigrad.assignments", "grade", str(copy),
               "--assignment", str(args.assignment), "--source", str(reference),
               "--timeout", str(args.timeout), "--budget", str(args.budget), "--json", str(out)]
        if args.hidden:
            cmd += ["--hidden", str(Path(args.hidden).resolve())]
        for e in args.exercise or ():
            cmd += ["--exercise", e]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp,
                                  timeout=args.budget + _MARGIN_S)
            if out.is_file():
                res = json.loads(out.read_text())
                res["submission"] = sub.name
                return res
            why = f"the grader failed: {(proc.stderr or proc.stdout)[-500:].strip()}"
        except subprocess.TimeoutExpired:
            why = f"more than the budget of {args.budget:g} s"
    return {"submission": sub.name, "score": 0.0, "max_score": None, "exercises": [],
            "error": why}


def write_csv(rows: list[dict], ids: list[str], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "score", "max_score", *ids, "error"])
        for r in rows:
            by = {e["id"]: e for e in r.get("exercises", [])}
            errors = [r.get("error")] + [f"{e['number']}: {e['error']}" for e in by.values()
                                         if e.get("error")]
            w.writerow([r["submission"], f"{r['score']:g}",
                        "" if r.get("max_score") is None else f"{r['max_score']:g}",
                        *[f"{by[i]['score']:g}" if i in by else "" for i in ids],
                        "; ".join(e for e in errors if e)])


def main(args) -> int:
    reference = Path(args.source or tree.default_source()).resolve()
    path = Path(args.path)
    if is_submission(path):
        res = grader.grade(path, args.assignment, reference, args.hidden, args.exercise,
                           args.timeout, args.budget)
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        if args.gradescope:
            Path(args.gradescope).parent.mkdir(parents=True, exist_ok=True)
            Path(args.gradescope).write_text(json.dumps(reports.gradescope(res), indent=1)
                                             + "\n", encoding="utf-8")
        print_results(res)
        return 0
    if not args.csv:
        raise ValueError(f"{path} is a folder of submissions: name the class-wide sheet with "
                         "--csv grades.csv")
    catalog = tree.load_catalog(reference)
    ids = [e.id for e in catalog.EXERCISES if e.assignment == args.assignment]
    subs = submissions(path)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(lambda s: grade_one_process(s, args, reference), subs))
    write_csv(rows, ids, args.csv)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    for r in rows:
        print(f"{r['submission']}: {r['score']:g}" + (f"  ({r['error']})" if r.get("error")
                                                      else ""))
    print(f"{len(rows)} submissions graded into {args.csv}")
    return 0
