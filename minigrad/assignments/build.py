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
import subprocess
from pathlib import Path

from . import leaks, markers, notebooks, readme, reports, testfilter, tree

MANIFEST = "assignment.json"
CLASSROOM = ".github/workflows/classroom.yml"
KEPT = {".git", ".github"}  # never removed by build --force (the workflow is rewritten only
# when build wrote it)
GITIGNORE = """# written by python -m minigrad.assignments build
.venv/
venv/
__pycache__/
*.py[cod]
*.egg-info/
.pytest_cache/
.hypothesis/
.ipynb_checkpoints/
check-results/
build/
dist/
"""


class LeakError(markers.MarkerError):
    """The copy would hold code of a removed solution region."""


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
    lesson = rel.endswith(".ipynb") and not probe  # every student notebook gets the preamble
    if not markers.TEXT_RE.search(text) and not lesson:
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
    copy keeps every region's code and every test (for ``audit``). Everything is rendered in
    memory first: nothing is written while marker text or a leak (see leaks.py) is left."""
    source, out = Path(source).resolve(), Path(out).resolve()
    catalog = tree.load_catalog(source)
    if assignment not in catalog.ASSIGNMENTS:
        raise ValueError(f"there is no assignment {assignment}; the catalog has "
                         f"{sorted(catalog.ASSIGNMENTS)}")
    _check_out(out, source, force)
    paths = tree.files(source, catalog)
    found = tree.find_regions(source, catalog, paths)
    stubbed = set() if probe else default_stubbed(catalog, assignment)
    kept_tests: dict = {}
    files: dict = {}
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
        files[rel] = data if data is not None else (source / rel).read_bytes()
    files["pyproject.toml"] = (source / "pyproject.toml").read_bytes()
    manifest = _manifest(source, files, catalog, assignment, stubbed, kept_tests)
    licence = source / "LICENSE"
    files["README.md"] = readme.student_readme(
        manifest, licence.read_text(encoding="utf-8") if licence.is_file() else None
    ).encode("utf-8")
    if not probe:
        files[".gitignore"] = GITIGNORE.encode("utf-8")
        files[CLASSROOM] = reports.classroom_workflow(manifest["exercises"]).encode("utf-8")
        leftovers = [rel for rel, data in sorted(files.items())
                     if markers.TEXT_RE.search(data.decode("utf-8", "replace"))]
        if leftovers:
            raise markers.MarkerError("marker text left in the copy (a marker outside a "
                                      f"Python file or notebook?): {', '.join(leftovers)}")
        _refuse_leaks(source, found, files, catalog, stubbed)
    manifest["written"] = sorted([*files, MANIFEST])
    files[MANIFEST] = (json.dumps(manifest, indent=1) + "\n").encode("utf-8")
    theirs = {rel for rel in (".gitignore", CLASSROOM)
              if (out / rel).exists() and not _wrote(out, rel)}
    _prepare(out, force)
    for rel, data in files.items():
        if rel in theirs:
            continue  # the instructor's own file in a template clone stays
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return manifest


def leak_findings(source: Path, assignment: int) -> list:
    """Every leak (accepted ones included) a copy of ``assignment`` would hold."""
    source = Path(source).resolve()
    catalog = tree.load_catalog(source)
    paths = tree.files(source, catalog)
    found = tree.find_regions(source, catalog, paths)
    stubbed = default_stubbed(catalog, assignment)
    files = {rel: render(source, rel, catalog, stubbed) or (source / rel).read_bytes()
             for rel in paths}
    return _leaks(source, found, files, catalog, stubbed)


def _leaks(source, found, files, catalog, stubbed) -> list:
    by_file: dict = {}
    for f in found:
        by_file.setdefault(f.path, []).append(f.region)
    bodies, outside = [], []
    for rel, regions in by_file.items():
        if rel.endswith(".ipynb"):
            continue
        lines = (source / rel).read_text(encoding="utf-8").splitlines()
        inside = set()
        for r in regions:
            inside |= set(range(r.start, r.end + 1))
            if r.exercise in stubbed:
                bodies.append((rel, r, lines[r.start + 1:r.end]))
        outside += [s for i, s in enumerate(lines) if i not in inside]
    for rel in files:
        if rel.startswith("minigrad/") and rel.endswith(".py") and rel not in by_file:
            outside += (source / rel).read_text(encoding="utf-8").splitlines()
    hints = {e.id: e.hint for e in catalog.EXERCISES if e.id in stubbed}
    return leaks.find(files, leaks.removed_lines(bodies), hints, leaks.idioms(outside))


def _refuse_leaks(source, found, files, catalog, stubbed) -> None:
    bad = [f for f in _leaks(source, found, files, catalog, stubbed)
           if not leaks.accepted(f, catalog)]
    if bad:
        raise LeakError(f"the copy would hold {len(bad)} line(s) of removed solutions; "
                        "nothing was written. Move or rewrite them (or, for a leak someone is "
                        "fixing in a file you cannot edit, list it in the catalog's "
                        "ACCEPTED_LEAKS):\n" + "\n".join(f"  {f}" for f in bad[:25]))


def restub(source: Path, out: Path, stubbed: set) -> None:
    """Rewrite, in an existing copy, every file holding regions with this set of stubbed
    exercises (the self-check restores one exercise at a time this way)."""
    catalog = tree.load_catalog(source)
    for f in {f.path for f in tree.find_regions(source, catalog)}:
        if not tree.is_test_file(f):
            dest = Path(out) / f
            dest.write_bytes(render(source, f, catalog, stubbed))  # type: ignore[arg-type]
            for pyc in dest.parent.glob(f"__pycache__/{dest.stem}.*.pyc"):
                pyc.unlink()  # its timestamp check has one-second resolution


def _check_out(out: Path, source: Path, force: bool) -> None:
    if out == source or source in out.parents:
        raise ValueError(f"the copy ({out}) must be outside the source tree ({source})")
    if out.exists() and any(p.name not in KEPT | {".gitignore"} for p in out.iterdir()):
        if not (force and (out / MANIFEST).is_file()):
            raise FileExistsError(
                f"{out} exists and is not empty; pick a new folder (with --force an earlier "
                f"copy, one holding {MANIFEST}, is replaced)")


def _wrote(out: Path, rel: str) -> bool:
    """Whether the earlier copy in ``out`` was written with ``rel`` in it (by build)."""
    try:
        return rel in json.loads((out / MANIFEST).read_text(encoding="utf-8")).get(
            "written", [])
    except (OSError, ValueError):
        return False


def _prepare(out: Path, force: bool) -> None:
    """Make ``out`` ready: with ``force``, remove the files the earlier build wrote (its
    manifest lists them); never .git/, .github/ or files build did not write."""
    if force and (out / MANIFEST).is_file():
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        written = old.get("written") or _legacy_written(out)
        for rel in written:
            p = out / rel
            if rel.split("/")[0] in KEPT or not p.is_file():
                continue
            p.unlink()
        for d in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
            if not any(d.iterdir()) and d.relative_to(out).parts[0] not in KEPT:
                d.rmdir()
    out.mkdir(parents=True, exist_ok=True)


def _legacy_written(out: Path) -> list:
    """A copy built before manifests listed their files: what build writes."""
    return [p.relative_to(out).as_posix() for top in ("minigrad", "tests", "lessons")
            for p in (out / top).rglob("*") if p.is_file()] + [
        "pyproject.toml", "README.md", MANIFEST]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def is_protected(rel: str) -> bool:
    return (rel.startswith("tests/") or rel == "pyproject.toml"
            or rel.startswith("minigrad/assignments/"))


def protected_files(out: Path) -> list[str]:
    """Files ``check`` verifies: tests, the pytest configuration, and the checker itself."""
    out = Path(out)
    rels = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    return sorted(r for r in rels if is_protected(r) and "__pycache__" not in r.split("/"))


def _manifest(source, files, catalog, assignment, stubbed, kept_tests) -> dict:
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
        "protected": {r: hashlib.sha256(files[r]).hexdigest()
                      for r in sorted(files) if is_protected(r)},
    }


def _commit(source: Path):
    try:
        res = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None
