"""``build`` on the toy repository: what a student copy holds, and what it must not."""
import json
import os
import subprocess
import sys

import pytest

from minigrad.assignments import build, markers, testfilter, tree


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def copies(toy_module, tmp_path_factory):
    out = tmp_path_factory.mktemp("copies")
    return {n: (out / f"a{n}", build.build(toy_module, out / f"a{n}", n)) for n in (1, 2)}


def test_copy_holds_only_the_allowed_top_level_entries(copies):
    for root, _ in copies.values():
        tops = {p.name for p in root.iterdir()}
        assert tops == {"minigrad", "tests", "lessons", "pyproject.toml", "README.md",
                        "assignment.json", ".gitignore", ".github"}
        assert [p.relative_to(root).as_posix() for p in (root / ".github").rglob("*")
                if p.is_file()] == [build.CLASSROOM]


def test_copy_has_no_history_caches_compiled_files_benchmarks_or_instructor_tests(copies):
    for root, _ in copies.values():
        files = _files(root)
        assert not [f for f in files if ("/." in "/" + f and f not in (
            ".gitignore", build.CLASSROOM)) or "__pycache__" in f]
        assert not [f for f in files if f.endswith((".pyc", ".so"))]
        assert not [f for f in files if f.startswith(("benchmarks/", "docs/", "tests/instructor"))]
        assert "minigrad/data/blob.bin" in files and "tests/helpers.py" in files
        assert "minigrad/assignments/check.py" in files  # students run check inside the copy


def test_no_marker_text_anywhere_in_the_copy(copies):
    for root, _ in copies.values():
        for f in _files(root):
            text = (root / f).read_bytes().decode("utf-8", "replace")
            assert not markers.TEXT_RE.search(text), f


def test_current_and_later_regions_stubbed_earlier_ones_keep_reference(copies):
    a1 = (copies[1][0] / "minigrad/ops.py").read_text()
    a2 = (copies[2][0] / "minigrad/ops.py").read_text()
    stub11 = '    raise NotImplementedError("Exercise 1.1: return g * b and g * a")\n'
    stub21 = '        raise NotImplementedError("Exercise 2.1: add n to self.total (start at 0)")\n'
    assert stub11 in a1 and stub21 in a1  # assignment 1: its own and later ones stubbed
    assert stub11 not in a2 and "return g * b, g * a" in a2 and "y = x * x" in a2
    assert stub21 in a2 and "self.total = " not in a2
    for text in (a1, a2):  # docstrings and code outside the regions stay
        assert '"""Add n and return the total."""' in text and 'raise ValueError("n < 0")' in text


def test_tests_of_later_assignments_are_left_out(copies, toy_module):
    names1 = {t.name for t in testfilter.collect(
        (copies[1][0] / "tests/test_toy_ops.py").read_text())}
    assert names1 == {"test_mul_backward", "test_square", "test_both", "test_unmarked",
                      "TestMixed::test_plain"}
    assert not (copies[1][0] / "tests/test_toy_later.py").exists()
    original = {t.name for t in testfilter.collect(
        (toy_module / "tests/test_toy_ops.py").read_text())}
    names2 = {t.name for t in testfilter.collect(
        (copies[2][0] / "tests/test_toy_ops.py").read_text())}
    assert names2 == original
    assert (copies[2][0] / "tests/test_toy_later.py").exists()


def test_lessons_are_stripped(copies):
    nb = json.loads((copies[2][0] / "lessons/01_toy.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    text = json.dumps(nb)
    assert "2 * x" not in text and "z = 3" not in text and "chain rule" not in text
    assert "y = 1" in text  # named region of an earlier assignment (1.1) keeps its code
    assert "answer = 42" not in (copies[2][0] / "lessons/_src/01_toy.py").read_text()


def test_manifest_records_exercises_and_hashes_of_protected_files(copies):
    root, m = copies[1]
    assert m == json.loads((root / "assignment.json").read_text())
    status = {e["id"]: (e["status"], e["tests"]) for e in m["exercises"]}
    assert status == {"ex1_1": ("todo", 2), "ex1_2": ("todo", 2), "ex2_1": ("later", 0)}
    assert set(m["protected"]) == {f for f in _files(root) if f.startswith(
        ("tests/", "minigrad/assignments/")) or f == "pyproject.toml"}
    assert m["protected"]["tests/test_toy_ops.py"] == build.sha256(
        root / "tests/test_toy_ops.py")


def test_student_readme_lists_the_exercises_and_the_licence(copies):
    text = (copies[1][0] / "README.md").read_text()
    assert "| 1.1 | Product rule |" in text and "return g * b and g * a" in text
    assert "pytest -m ex1_1" in text and "minigrad.assignments check 1.1" in text
    assert "Exercise 2.1 belongs to later assignments" in text
    assert "Copyright (c) toy" in text and "instructor README" not in text


def test_student_copy_runs_its_tests_and_fails_only_on_stubs(copies):
    root = copies[1][0]
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-m", "ex1_1"], cwd=root, env=env, capture_output=True, text=True)
    assert res.returncode == 1, res.stdout
    assert "Exercise 1.1: return g * b and g * a" in res.stdout
    assert "2 failed, 3 deselected" in res.stdout
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-m", "not (ex1_1 or ex1_2)"], cwd=root, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0 and "2 passed" in res.stdout, res.stdout


def test_out_must_be_new_or_an_earlier_copy(toy, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        build.build(toy, out, 1)
    with pytest.raises(FileExistsError):
        build.build(toy, out, 1, force=True)  # not a copy: never deleted
    assert (out / "keep.txt").read_text() == "mine"
    copy = tmp_path / "copy"
    build.build(toy, copy, 1)
    build.build(toy, copy, 2, force=True)
    assert json.loads((copy / "assignment.json").read_text())["assignment"] == 2
    with pytest.raises(ValueError, match="outside the source"):
        build.build(toy, toy / "inside", 1)
    with pytest.raises(ValueError, match="no assignment 7"):
        build.build(toy, tmp_path / "seven", 7)


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_unknown_exercise_id_is_refused(toy, tmp_path):
    _edit(toy / "minigrad/ops.py", "SOLUTION ex1_2", "SOLUTION ex1_9")  # begin and end
    with pytest.raises(markers.MarkerError, match="ex1_9 is not an exercise of the catalog"):
        build.build(toy, tmp_path / "c", 1)


def test_exercise_without_region_or_in_the_wrong_place_is_refused(toy, tmp_path):
    ops = toy / "minigrad/ops.py"
    original = ops.read_text()
    _edit(ops, "def square(x):", "def square_it(x):")
    with pytest.raises(markers.MarkerError, match="in square, but its regions are in "
                                                  "minigrad/ops.py in square_it"):
        tree.find_regions(toy, tree.load_catalog(toy))
    ops.write_text(original.replace("SOLUTION ex2_1", "SOLUTION ex1_2"))
    with pytest.raises(markers.MarkerError, match="exercise 2.1 .* has no solution region"):
        build.build(toy, tmp_path / "c", 1)


def test_marker_text_outside_code_is_refused(toy, tmp_path):
    (toy / "lessons/notes.md").write_text("see # BEGIN " + "SOLUTION ex1_1\n")
    with pytest.raises(markers.MarkerError, match="lessons/notes.md"):
        build.build(toy, tmp_path / "c", 1)


def test_restub_restores_one_exercise(toy, tmp_path):
    copy = tmp_path / "c"
    build.build(toy, copy, 1)
    build.restub(toy, copy, {"ex1_2", "ex2_1"})
    text = (copy / "minigrad/ops.py").read_text()
    assert "return g * b, g * a" in text and "Exercise 1.2" in text and "Exercise 2.1" in text
