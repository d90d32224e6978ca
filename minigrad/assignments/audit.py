"""``audit``: which exercises each test really needs, measured by running the whole suite once.

It builds a copy that keeps every region's code but records, per test, the regions the test
reaches (see probe.py), runs every test there, and compares with the markers written on the
tests. A test needs the markers of the exercises it reaches from the latest assignment it
reaches (earlier ones are solved in every copy that keeps the test; marking them too is
harmless). Reported: tests missing a needed marker, and markers of exercises a test never
reaches. Regions reached while a shared (module- or session-scoped) fixture is built count for
the first test that uses it: look at the per-file lines for those.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .build import build
from .check import run_pytest
from .tree import load_catalog


def needs(reached) -> set:
    if not reached:
        return set()
    top = max(int(e[2:].split("_")[0]) for e in reached)
    return {e for e in reached if int(e[2:].split("_")[0]) == top}


def audit(source: Path, pytest_args=(), json_path: Path | None = None, echo=print) -> int:
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
    for nodeid, t in sorted(tests.items()):
        need, have = needs(t.get("reached", [])), set(t["exercises"])
        missing, stale = sorted(need - have), sorted(have - set(t.get("reached", [])))
        rows[nodeid] = {"reached": t.get("reached", []), "markers": t["exercises"],
                        "needs": sorted(need), "missing": missing, "stale": stale,
                        "outcome": t["outcome"]}
    bad = {n: r for n, r in rows.items() if r["missing"] or r["stale"]}
    per_file: dict = {}
    for n, r in rows.items():
        per_file.setdefault(n.split("::")[0], set()).update(r["needs"])
    for n, r in bad.items():
        parts = []
        if r["missing"]:
            parts.append("add " + ", ".join(r["missing"]))
        if r["stale"]:
            parts.append("never reaches " + ", ".join(r["stale"]))
        echo(f"{n}: {'; '.join(parts)}")
    for f, need in sorted(per_file.items()):
        if need and any(n.startswith(f + "::") for n in bad):
            marks = ", ".join(f"pytest.mark.{e}" for e in sorted(need))
            echo(f"{f}: its tests together need: pytestmark = [{marks}]")
    failed = [n for n, r in rows.items() if r["outcome"] in ("failed", "error")]
    if failed:
        echo(f"{len(failed)} test(s) failed in the instrumented copy: {', '.join(failed[:10])}")
    echo(f"{len(rows)} tests, {len(bad)} with marker problems")
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 1 if bad or failed else 0
