"""Self-check on minigrad's own repository: every assignment builds, and its tests define it.

For each assignment N, in a fresh student copy (regions of N and later stubbed; tests of later
assignments left out), with C the exercises of N and T the tests carrying a marker of C:

- the copy holds none of the excluded files and no marker text;
- every test in T fails while C is stubbed (a test marked for an exercise tests it);
- restoring the reference region of one exercise X makes exactly the tests of T whose
  C-markers are {X} pass;
- restoring all of C makes every test in T pass (so a test marked only with earlier exercises
  passes in every later copy: their stubs are a subset);
- in copy 1 (everything stubbed) every unmarked test passes: no unmarked test needs a stub.

Only the files holding T are run for the first four (seconds each). Skipped while the source
has fewer marked exercises than the catalog lists.
"""
import os
import tempfile
import tomllib
from pathlib import Path

import pytest

from minigrad.assignments import build, markers, tree
from minigrad.assignments.check import marked_test_files, run_pytest

ROOT = Path(__file__).resolve().parents[3]
CATALOG = tree.load_catalog(ROOT)
IDS = [e.id for e in CATALOG.EXERCISES]


def _marked_ids() -> set:
    found = set()
    for rel in tree.files(ROOT, CATALOG):
        try:
            found |= {r.exercise for r, _ in tree.regions_of(ROOT, rel)}
        except markers.MarkerError:
            found.add("<bad marker>")  # let find_regions report it below
    return found


_missing = sorted(set(IDS) - _marked_ids())
pytestmark = pytest.mark.skipif(
    bool(_missing), reason=f"only {len(IDS) - len(_missing)} of the catalog's {len(IDS)} "
    f"exercises are marked in minigrad's source (missing: {', '.join(_missing)}); see "
    "docs/INSTRUCTORS.md")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfcheck")
    for n in CATALOG.ASSIGNMENTS:
        build.build(ROOT, out / f"a{n}", n)
    return {n: out / f"a{n}" for n in CATALOG.ASSIGNMENTS}


def _run(root, exercises, paths, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        proc, data = run_pytest(root, exercises, report, None, timeout=60, paths=paths,
                                extra=["--tb=line", *extra], capture=True)
    assert data is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    return data["tests"], proc


def test_every_exercise_is_marked_once_in_its_place_and_registered():
    tree.find_regions(ROOT, CATALOG)  # raises on unknown ids, misplaced or unstubbable regions
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    registered = {m.split(":")[0].strip() for m in ini.get("markers", [])}
    assert set(IDS) <= registered, f"register in pyproject.toml: {sorted(set(IDS) - registered)}"


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_copy_holds_nothing_excluded(copies, n):
    root = copies[n]
    assert {p.name for p in root.iterdir()} == {"minigrad", "tests", "lessons", "pyproject.toml",
                                                "README.md", build.MANIFEST}
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        assert not any(part.startswith(".") or part == "__pycache__" for part in rel.split("/"))
        assert not rel.endswith((".pyc", ".pyo", ".so")) and not rel.startswith("benchmarks")
        assert not rel.startswith(CATALOG.INSTRUCTOR_ONLY)
        if p.is_file():
            assert not markers.TEXT_RE.search(p.read_bytes().decode("utf-8", "replace")), rel
    for e in CATALOG.EXERCISES:
        stub = f"Exercise {e.number}: "
        assert (stub in (root / e.file).read_text()) == (e.assignment >= n), (e.id, n)


def _current(n):
    return [e.id for e in CATALOG.EXERCISES if e.assignment == n]


def _later(n):
    return {e.id for e in CATALOG.EXERCISES if e.assignment > n}


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_tests_define_each_exercise_of_the_assignment(copies, n):
    root, current = copies[n], _current(n)
    paths = marked_test_files(root, current)
    assert paths, f"assignment {n} has no tests in its copy"
    tests, _ = _run(root, current, paths)
    for e in current:
        assert any(e in t["exercises"] for t in tests.values()), f"no test carries {e}"
    wrong = {k: t["outcome"] for k, t in tests.items() if t["outcome"] not in ("failed", "error")}
    assert not wrong, f"these tests pass with their exercises stubbed: {wrong}"
    for x in current + [None]:
        restored = set(current) if x is None else {x}
        build.restub(ROOT, root, (set(current) - restored) | _later(n))
        tests, proc = _run(root, current, paths)
        for k, t in tests.items():
            mine = set(t["exercises"]) & set(current)
            want = "passed" if mine <= restored else "failed"
            got = "passed" if t["outcome"] in ("passed", "skipped") else "failed"
            assert got == want, (f"with {sorted(restored)} restored, {k} (markers "
                                 f"{sorted(mine)}) {got}:\n{proc.stdout[-2000:]}")
    build.restub(ROOT, root, set(current) | _later(n))


def test_unmarked_tests_pass_with_every_exercise_stubbed(copies):
    if os.environ.get("MINIGRAD_SELFCHECK_UNMARKED", "1") == "0":
        pytest.skip("MINIGRAD_SELFCHECK_UNMARKED=0")
    root = copies[min(CATALOG.ASSIGNMENTS)]
    tests, proc = _run(root, None, ["tests"], extra=["-m", f"not ({' or '.join(IDS)})"])
    bad = sorted(k for k, t in tests.items() if t["outcome"] in ("failed", "error"))
    assert not bad, ("unmarked tests that fail in the copy of assignment 1 (all exercises "
                     "stubbed): give them the markers `python -m minigrad.assignments audit` "
                     f"names: {bad[:20]}\n{proc.stdout[-3000:]}")
