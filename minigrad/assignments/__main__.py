"""``python -m minigrad.assignments list | build | check | grade | audit`` (docs/INSTRUCTORS.md)."""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from . import catalog as own_catalog


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m minigrad.assignments",
                                description="Test-driven assignments made from minigrad.")
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="print the exercises with their hints and points")
    ls.add_argument("--source", type=Path, help="a minigrad checkout (default: this package's)")
    b = sub.add_parser("build", help="write a student copy for one assignment")
    b.add_argument("out", type=Path, help="a new (or empty) folder for the copy")
    b.add_argument("--assignment", "-a", type=int, required=True,
                   help="the assignment N: exercises of N and later are taken out")
    b.add_argument("--source", type=Path, help="the minigrad checkout to copy (default: the "
                   "one this minigrad was installed from)")
    b.add_argument("--force", action="store_true", help="replace an earlier copy in OUT")
    c = sub.add_parser("check", help="run and grade exercises in a student copy")
    c.add_argument("exercises", nargs="*", help="e.g. 1.3 or ex1_3 (default: every exercise of "
                   "this copy's assignment)")
    c.add_argument("--root", type=Path, help="the student copy (default: found from the cwd)")
    c.add_argument("--out", type=Path, help="where junit.xml and summary.json go (default: "
                   "check-results/ in the copy)")
    c.add_argument("--manifest", type=Path, help="a trusted assignment.json to verify against "
                   "(default: the copy's own)")
    c.add_argument("--timeout", type=int, default=30, help="seconds per test (default 30)")
    c.add_argument("--quiet", action="store_true", help="print only the verdicts")
    g = sub.add_parser("grade", help="instructors: grade a submission (or a folder of them), "
                       "each exercise alone, grafted into the reference")
    g.add_argument("path", type=Path, help="a student copy, or a folder of student copies")
    g.add_argument("--assignment", "-a", type=int, required=True,
                   help="the assignment they were given (never read from the submission)")
    g.add_argument("--source", type=Path, help="the reference checkout (default: this one)")
    g.add_argument("--hidden", type=Path, help="a folder of hidden tests (default: the "
                   "source's tests/assignments/hidden)")
    g.add_argument("--exercise", "-e", action="append", help="grade only these (e.g. 1.3)")
    g.add_argument("--timeout", type=int, default=10, help="seconds per test (default 10)")
    g.add_argument("--budget", type=float, default=600,
                   help="seconds per submission (default 600)")
    g.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded at once")
    g.add_argument("--json", type=Path, help="write the results as JSON here")
    g.add_argument("--gradescope", type=Path, help="write Gradescope's results.json here")
    g.add_argument("--csv", type=Path, help="a folder of submissions: the class-wide CSV")
    a = sub.add_parser("audit", help="run the suite once and report the exercise markers each "
                       "test needs (instructors; takes as long as the suite)")
    a.add_argument("--source", type=Path, help="the minigrad checkout (default: this one)")
    a.add_argument("--json", type=Path, help="also write the per-test findings here")
    a.add_argument("--write", action="store_true", help="add the missing markers to the test "
                   "files, module-wide (pytestmark)")
    a.add_argument("pytest_args", nargs=argparse.REMAINDER,
                   help="after --: arguments for pytest (e.g. -- tests/engine)")
    return p


def cmd_list(args) -> int:
    from .tree import load_catalog

    cat = load_catalog(args.source) if args.source else own_catalog
    total = 0
    for n, title in sorted(cat.ASSIGNMENTS.items()):
        ex = [e for e in cat.EXERCISES if e.assignment == n]
        pts = sum(e.points for e in ex)
        total += pts
        print(f"Assignment {n}: {title} ({pts} points)")
        for e in ex:
            print(f"  {e.number:<5} {e.title:<42} {e.points} pt{'s' if e.points > 1 else ''}  "
                  f"{e.file}  {e.where}")
            print(textwrap.fill(e.hint, 96, initial_indent="        hint: ",
                                subsequent_indent="              "))
    print(f"{len(cat.EXERCISES)} exercises, {len(cat.ASSIGNMENTS)} assignments, {total} points")
    return 0


def cmd_build(args) -> int:
    from .build import build
    from .tree import default_source

    source = args.source or default_source()
    m = build(source, args.out, args.assignment, force=args.force)
    todo = [f"{e['number']} ({e['tests']} tests)" for e in m["exercises"]
            if e["status"] == "todo"]
    print(f"assignment {m['assignment']} ({m['title']}) written to {args.out}; to do: "
          f"{', '.join(todo)}")
    return 0


def cmd_check(args) -> int:
    from .check import check

    return check(args.exercises, root=args.root, out=args.out, manifest_path=args.manifest,
                 timeout=args.timeout, quiet=args.quiet)


def cmd_grade(args) -> int:
    from . import batch

    return batch.main(args)


def cmd_audit(args) -> int:
    from .audit import audit
    from .tree import default_source

    extra = [a for a in args.pytest_args if a != "--"]
    return audit(args.source or default_source(), extra, args.json, args.write)


def main(argv=None) -> int:
    from .check import CheckError
    from .markers import MarkerError

    args = _parser().parse_args(argv)
    try:
        return {"list": cmd_list, "build": cmd_build, "check": cmd_check,
                "grade": cmd_grade, "audit": cmd_audit}[args.cmd](args)
    except (CheckError, MarkerError, FileExistsError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
