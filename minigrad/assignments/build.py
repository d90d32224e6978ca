"""``build``: write the student version of the repository for one assignment.

For assignment N: regions of exercises of assignment N and later become
``raise NotImplementedError("Exercise A.B: <hint>")``; earlier assignments keep their reference
code (only the marker lines go); tests carrying a marker of a later assignment are left out
(a test that needs a later assignment's code could not pass yet). The copy holds minigrad/,
tests/ (without the instructor-only folders), lessons/ (outputs cleared, solutions out),
pyproject.toml, a student README.md and ``assignment.json``: the manifest with the exercises
and the SHA-256 of every file ``check`` protects.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from . import markers, notebooks, readme, testfilter, tree

MANIFEST = "assignment.json"


def assignment_of(eid: str) -> int:
    return int(eid[2:].split("_")[0])


def default_stubbed(catalog, assignment: int) -> set:
    return {e.id for e in catalog.EXERCISES if e.assignment >= assignment}


def render(root: Path, rel: str, catalog, stubbed: set, probe: bool = False) -> bytes | None:
    """The copy's bytes for one file (None: same as the source). Regions named in ``stubbed``
    (and unnamed lesson regions) become stubs, others keep their code; ``probe`` adds a call
    recording that a region was reached (the audit's copy)."""
    src = Path(root) / rel
    if not rel.endswith((".py", ".ipynb")):
        return None
    text = src.read_text(encoding="utf-8")
    if not markers.TEXT_RE.search(text):
        return None
    hints = {e.id: f"Exercise {e.number}: {e.hint}" for e in catalog.EXERCISES}

    def message(eid):
        return hints.get(eid, "Exercise: replace this line with your answer")

    def stub(eid):
        return not probe and (eid is None or eid in stubbed)

    if rel.endswith(".ipynb"):
        return notebooks.student_notebook(text, rel, stub, message).encode("utf-8")
    regions = [r for r, _ in tree.regions_of(root, rel)]

    def replace(r, body):
        if stub(r.exercise):
            return [markers.stub_line(r, message(r.exercise))]
        return ([markers.probe_line(r)] if probe and r.exercise else []) + body

    return markers.rewrite(text, regions, replace).encode("utf-8")


def build(source: Path, out: Path, assignment: int, *, force: bool = False,
          probe: bool = False) -> dict:
    """Write the copy for ``assignment`` into ``out``; return the manifest. With ``probe`` the
    copy keeps every region's code and every test (for ``audit``)."""
    source, out = Path(source).resolve(), Path(out).resolve()
    catalog = tree.load_catalog(source)
    if assignment not in catalog.ASSIGNMENTS:
        raise ValueError(f"there is no assignment {assignment}; the catalog has "
                         f"{sorted(catalog.ASSIGNMENTS)}")
    _prepare(out, source, force)
    paths = tree.files(source, catalog)
    tree.find_regions(source, catalog, paths)
    stubbed = set() if probe else default_stubbed(catalog, assignment)
    kept_tests: dict = {}
    for rel in paths:
        data = render(source, rel, catalog, stubbed, probe)
        if tree.is_test_file(rel) and not probe:
            text = (data or (source / rel).read_bytes()).decode("utf-8")
            new, _ = testfilter.drop_tests(
                text, lambda m: any(assignment_of(e) > assignment for e in m), rel)
            if new is None:
                continue
            for t in testfilter.collect(new, rel):
                for e in t.markers:
                    kept_tests[e] = kept_tests.get(e, 0) + 1
            data = new.encode("utf-8")
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            shutil.copyfile(source / rel, dest)
        else:
            dest.write_bytes(data)
    shutil.copyfile(source / "pyproject.toml", out / "pyproject.toml")
    manifest = _manifest(source, out, catalog, assignment, stubbed, kept_tests)
    licence = source / "LICENSE"
    (out / "README.md").write_text(readme.student_readme(
        manifest, licence.read_text(encoding="utf-8") if licence.is_file() else None),
        encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if not probe:
        leftovers = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*"))
                     if p.is_file() and markers.TEXT_RE.search(
                         p.read_bytes().decode("utf-8", "replace"))]
        if leftovers:
            raise markers.MarkerError("marker text left in the copy (a marker outside a "
                                      f"Python file or notebook?): {', '.join(leftovers)}")
    return manifest


def restub(source: Path, out: Path, stubbed: set) -> None:
    """Rewrite, in an existing copy, every file holding regions with this set of stubbed
    exercises (the self-check restores one exercise at a time this way)."""
    catalog = tree.load_catalog(source)
    for f in {f.path for f in tree.find_regions(source, catalog)}:
        if not tree.is_test_file(f):
            dest = Path(out) / f
            dest.write_bytes(render(source, f, catalog, stubbed))
            for pyc in dest.parent.glob(f"__pycache__/{dest.stem}.*.pyc"):
                pyc.unlink()  # its timestamp check has one-second resolution


def _prepare(out: Path, source: Path, force: bool) -> None:
    if out == source or source in out.parents:
        raise ValueError(f"the copy ({out}) must be outside the source tree ({source})")
    if out.exists() and any(out.iterdir()):
        if not (force and (out / MANIFEST).is_file()):
            raise FileExistsError(
                f"{out} exists and is not empty; pick a new folder (with --force an earlier "
                f"copy, one holding {MANIFEST}, is replaced)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def protected_files(out: Path) -> list[str]:
    """Files ``check`` verifies: tests, the pytest configuration, and the checker itself."""
    out = Path(out)
    rels = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    return sorted(r for r in rels if r.startswith("tests/") or r == "pyproject.toml"
                  or r.startswith("minigrad/assignments/"))


def _manifest(source, out, catalog, assignment, stubbed, kept_tests) -> dict:
    exercises = []
    for e in catalog.EXERCISES:
        status = ("given" if e.assignment < assignment else
                  "todo" if e.assignment == assignment else "later")
        exercises.append({"id": e.id, "number": e.number, "title": e.title, "hint": e.hint,
                          "points": e.points, "assignment": e.assignment, "file": e.file,
                          "where": e.where, "status": status, "stubbed": e.id in stubbed,
                          "tests": kept_tests.get(e.id, 0)})
    return {
        "format": 1,
        "assignment": assignment,
        "title": catalog.ASSIGNMENTS[assignment],
        "built": datetime.date.today().isoformat(),
        "source_commit": _commit(source),
        "exercises": exercises,
        "protected": {r: sha256(out / r) for r in protected_files(out)},
    }


def _commit(source: Path):
    try:
        res = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None
