"""Self-check on minigrad's own repository: every assignment builds, and its tests define it.

For each assignment N, in a fresh student copy (regions of N and later stubbed, tests of later
assignments left out), with C the exercises of N and T the tests carrying a marker of C, and
for each restoration R (each exercise X of C alone) of reference regions:

- every failing test carries a marker of a still-stubbed exercise (what a student running
  ``check`` in their own copy sees);
- restoring X alone makes at least one test of X alone pass, and no dedicated exercise test
  (tests/assignments/exercises/) passes while one of its exercises is stubbed (it really tests
  it);
- the copy holds none of the excluded files and no marker text, and every unmarked test passes
  in copy 1, where every exercise is stubbed.

By default T is the dedicated exercise tests (seconds); MINIGRAD_SELFCHECK=full adds every
other marked test of the assignment (as long as those tests take, several times). Skipped while
the source has fewer marked exercises than the catalog lists.
"""
import os
import tempfile
import tomllib
from pathlib import Path

import pytest

from minigrad.assignments import build, markers, tree
from minigrad.assignments.check import marked_test_files, run_pytest

ROOT = Path(__file__).resolve().parents[3]
EXERCISE_TESTS = "tests/assignments/exercises/"
# Default: the self-check runs the dedicated exercise tests (seconds). "full" also runs every
# other test carrying a marker of the assignment, under each restoration (minutes).
FULL = os.environ.get("MINIGRAD_SELFCHECK") == "full"
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
    """The copies, and what each held right after ``build`` (the runs below add caches)."""
    out = tmp_path_factory.mktemp("selfcheck")
    for n in CATALOG.ASSIGNMENTS:
        build.build(ROOT, out / f"a{n}", n)
    return {n: out / f"a{n}" for n in CATALOG.ASSIGNMENTS}, {
        n: {p.relative_to(out / f"a{n}").as_posix(): p.read_bytes() for p in (
            out / f"a{n}").rglob("*") if p.is_file()} for n in CATALOG.ASSIGNMENTS}


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
    files = copies[1][n]
    assert {rel.split("/")[0] for rel in files} == {
        "minigrad", "tests", "lessons", "pyproject.toml", "README.md", build.MANIFEST,
        ".gitignore", ".github"}
    for rel, data in files.items():
        if rel in (".gitignore", build.CLASSROOM):
            continue
        assert not any(part.startswith(".") or part == "__pycache__" for part in rel.split("/"))
        assert not rel.endswith((".pyc", ".pyo", ".so")) and not rel.startswith("benchmarks")
        assert not rel.startswith(CATALOG.INSTRUCTOR_ONLY)
        assert not markers.TEXT_RE.search(data.decode("utf-8", "replace")), rel
    for e in CATALOG.EXERCISES:
        stub = f"Exercise {e.number}: "
        assert (stub in files[e.file].decode()) == (e.assignment >= n), (e.id, n)


def _current(n):
    return [e.id for e in CATALOG.EXERCISES if e.assignment == n]


def _later(n):
    return {e.id for e in CATALOG.EXERCISES if e.assignment > n}


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_tests_define_each_exercise_of_the_assignment(copies, n):
    root, current = copies[0][n], _current(n)
    paths = marked_test_files(root, current)
    if not FULL:
        paths = [p for p in paths if p.startswith(EXERCISE_TESTS)]
    assert paths, f"assignment {n} has no tests in its copy"
    outcomes = {}
    # Nothing restored and everything restored are covered by the grader's sweep
    # (tests/assignments/grading/); here each exercise restored alone, in the student's copy.
    for restored in [{x} for x in current]:
        build.restub(ROOT, root, (set(current) - restored) | _later(n))
        tests, proc = _run(root, current, paths)
        for k, t in tests.items():
            mine = set(t["exercises"]) & set(current)
            ok = t["outcome"] in ("passed", "skipped")
            outcomes[k, frozenset(restored)] = ok
            assert ok or mine - restored, (
                f"with {sorted(restored) or 'nothing'} restored, {k} fails although it carries "
                f"no marker of a stubbed exercise (its markers: {sorted(mine)}); the output:\n"
                f"{proc.stdout[-3000:]}")
            assert not (ok and k.startswith(EXERCISE_TESTS) and mine - restored), (
                f"{k} passes while {sorted(mine - restored)} are stubbed: it does not test them")
    for x in current:  # restoring x makes at least one test of x alone pass (and it fails
        # while x is stubbed: the grader's sweep checks that every graded test of x does)
        flips = [k for (k, r), ok in outcomes.items() if r == {x} and ok
                 and set(tests[k]["exercises"]) & set(current) == {x}]
        assert flips, f"no test of {x} alone passes once {x} is restored"
    build.restub(ROOT, root, set(current) | _later(n))


def test_unmarked_tests_pass_with_every_exercise_stubbed(copies):
    if os.environ.get("MINIGRAD_SELFCHECK_UNMARKED", "1") == "0":
        pytest.skip("MINIGRAD_SELFCHECK_UNMARKED=0")
    root = copies[0][min(CATALOG.ASSIGNMENTS)]
    tests, proc = _run(root, None, ["tests"], extra=["-m", f"not ({' or '.join(IDS)})"])
    bad = sorted(k for k, t in tests.items() if t["outcome"] in ("failed", "error"))
    assert not bad, ("unmarked tests that fail in the copy of assignment 1 (all exercises "
                     "stubbed): give them the markers `python -m minigrad.assignments audit` "
                     f"names: {bad[:20]}\n{proc.stdout[-3000:]}")
