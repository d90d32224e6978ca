"""``audit``: which exercises each test really needs, measured by running the whole suite once.

It builds a copy that keeps every region's code but records, per test, the regions the test
reaches (see probe.py), runs every test there, and compares with the markers written on the
tests. A test needs the markers of the exercises it reaches from the latest assignment it
reaches (earlier ones are solved in every copy that keeps the test; marking them too is
harmless). Reported: tests missing a needed marker, the union their file needs, and (in the
JSON) markers of exercises a test never reaches. With ``write`` each such file gets a
module-wide ``pytestmark`` with that union: robust, since regions reached while a shared
(module- or session-scoped) fixture is built count only for the first test that uses it.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from . import testfilter
from .build import build
from .check import run_pytest
from .tree import load_catalog


def needs(reached) -> set:
    if not reached:
        return set()
    top = max(int(e[2:].split("_")[0]) for e in reached)
    return {e for e in reached if int(e[2:].split("_")[0]) == top}


def audit(source: Path, pytest_args=(), json_path: Path | None = None, write: bool = False,
          echo=print) -> int:
    source = Path(source)
    catalog = load_catalog(source)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy"
        build(source, copy, min(catalog.ASSIGNMENTS), probe=True)
        report = Path(tmp) / "report.json"
        echo(f"running the whole suite once in an instrumented copy ({copy}) ...")
        proc, data = run_pytest(copy, None, report, None, timeout=None,
                                extra=["--exercise-probe", *pytest_args], capture=True)
    if data is None:
        echo(proc.stdout[-3000:] + proc.stderr[-3000:])
        return 2
    tests = data["tests"]
    rows = {}
    missing: Any  # per test in the loop; then the tests that miss a marker
    for nodeid, t in sorted(tests.items()):
        need, have = needs(t.get("reached", [])), set(t["exercises"])
        missing, stale = sorted(need - have), sorted(have - set(t.get("reached", [])))
        rows[nodeid] = {"reached": t.get("reached", []), "markers": t["exercises"],
                        "needs": sorted(need), "missing": missing, "stale": stale,
                        "outcome": t["outcome"]}
    missing = {n: r for n, r in rows.items() if r["missing"]}
    stale = [n for n, r in rows.items() if r["stale"]]
    per_file: dict = {}
    for n, r in rows.items():
        per_file.setdefault(n.split("::")[0], set()).update(r["needs"])
    for n, r in missing.items():
        echo(f"{n}: needs {', '.join(r['missing'])}")
    wanting = {f: need for f, need in sorted(per_file.items())
               if any(n.startswith(f + "::") for n in missing)}
    for f, need in wanting.items():
        echo(f"{f}: its tests together need {', '.join(sorted(need))}")
    if write:
        for f, need in wanting.items():
            add_module_markers(source / f, need)
            echo(f"{f}: pytestmark written")
    failed = [n for n, r in rows.items() if r["outcome"] in ("failed", "error")]
    if failed:
        echo(f"{len(failed)} test(s) failed in the instrumented copy: {', '.join(failed[:10])}")
    echo(f"{len(rows)} tests; {len(missing)} miss a marker; {len(stale)} carry a marker of an "
         "exercise they never reach (fine for module-wide markers; see --json)")
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 1 if (missing and not write) or failed else 0


def add_module_markers(path: Path, exercises) -> None:
    """Give the test module at ``path`` a module-wide ``pytestmark`` with ``exercises`` (added
    after its imports, or extending the one it has)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    own = [s for s in tree.body if isinstance(s, ast.Assign)
           and any(getattr(t, "id", None) == "pytestmark" for t in s.targets)]
    have = set().union(*(testfilter.marks_in(s.value) for s in own))
    new = sorted(set(exercises) - have)
    if not new:
        return
    marks = [f"pytest.mark.{e}" for e in new]
    if own:
        head, after = ("pytestmark = [*(pytestmark if isinstance(pytestmark, list) else "
                       "[pytestmark]),"), max(s.end_lineno for s in own)  # type: ignore[type-var]
    else:
        imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        doc = tree.body[:1] if tree.body and isinstance(tree.body[0], ast.Expr) else []
        head, after = "pytestmark = [", max((s.end_lineno for s in imports + doc),  # type: ignore[type-var]
                                             default=0)
    stmt = [line + "\n" for line in textwrap.wrap(
        f"{head}{' ' if own else ''}{', '.join(marks)}]", 99, subsequent_indent=" " * 14,
        break_long_words=False, break_on_hyphens=False)]
    lines = text.splitlines(keepends=True)
    if not any(isinstance(s, ast.Import) and any(a.name == "pytest" for a in s.names)
               for s in tree.body):
        stmt[:0] = ["import pytest\n", "\n"]
    lines[after:after] = ["\n", *stmt]
    path.write_text("".join(lines), encoding="utf-8")
    if importlib.util.find_spec("ruff") is not None:  # sort the new import into its block
        subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "--select", "I",
                        "--quiet", str(path)], capture_output=True)
