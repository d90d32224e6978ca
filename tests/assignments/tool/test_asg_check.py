"""``check`` inside a student copy of the toy repository: verdicts, points, reports, hashes."""
import json
import xml.etree.ElementTree as ET

import pytest

from minigrad.assignments import build, check


@pytest.fixture
def copy(toy, tmp_path):
    root = tmp_path / "student"
    build.build(toy, root, 1)
    return root


def _solve(root, old, new):
    ops = root / "minigrad/ops.py"
    text = ops.read_text()
    assert old in text
    ops.write_text(text.replace(old, new))


SOLVE_11 = ('    raise NotImplementedError("Exercise 1.1: return g * b and g * a")',
            "    return g * b, g * a")
SOLVE_12 = ('    raise NotImplementedError("Exercise 1.2: x times x")', "    return x * x")


def _run(root, *wanted, **kw):
    lines = []
    status = check.check(list(wanted), root=root, echo=lines.append, quiet=True, **kw)
    summary = json.loads((root / "check-results/summary.json").read_text())
    return status, lines, summary


def test_unsolved_exercise_fails_and_earns_nothing(copy):
    status, lines, summary = _run(copy, "1.1")
    assert status == 1
    (line,) = [s for s in lines if s.startswith(("PASS", "FAIL"))]
    assert line.startswith("FAIL 1.1") and "0/2 points" in line and "0/2 tests" in line
    (r,) = summary["exercises"]
    assert (r["id"], r["passed"], r["points"], r["max_points"]) == ("ex1_1", False, 0, 2)
    assert r["tests"] == {"passed": 0, "failed": 2, "error": 0, "skipped": 0}
    assert r["not_passed"] == ["tests/test_toy_ops.py::test_both",
                               "tests/test_toy_ops.py::test_mul_backward"]


def test_solving_one_exercise_passes_exactly_its_tests(copy):
    _solve(copy, *SOLVE_11)
    status, lines, summary = _run(copy, "1.1", "ex1_2")
    assert status == 1
    verdicts = {r["number"]: r for r in summary["exercises"]}
    assert not verdicts["1.1"]["passed"]  # test_both also needs 1.2
    assert verdicts["1.1"]["tests"]["passed"] == 1
    _solve(copy, *SOLVE_12)
    status, lines, summary = _run(copy)  # no ids: every exercise of this assignment
    assert status == 0
    assert [s.split()[:2] for s in lines if s.startswith(("PASS", "FAIL"))] == [
        ["PASS", "1.1"], ["PASS", "1.2"]]
    assert (summary["points"], summary["max_points"], summary["passed"]) == (3, 3, True)


def test_junit_xml_names_each_tests_exercises(copy):
    _solve(copy, *SOLVE_11)
    _run(copy, "1.1")
    suite = ET.parse(copy / "check-results/junit.xml").getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"test_mul_backward", "test_both"}
    props = {p.get("name"): p.get("value") for p in cases["test_both"].iter("property")}
    assert props == {"exercises": "ex1_1 ex1_2"}
    assert cases["test_both"].find("failure") is not None
    assert cases["test_mul_backward"].find("failure") is None


def test_exercise_without_tests_fails(copy):
    status, lines, summary = _run(copy, "2.1")
    assert status == 1
    assert "no test carries the marker ex2_1 (exercise 2.1 belongs to assignment 2)" in \
        summary["exercises"][0]["detail"]


@pytest.mark.parametrize("tamper, problem", [
    (lambda r: (r / "tests/test_toy_ops.py").write_text("def test_x():\n    pass\n"),
     "tests/test_toy_ops.py was changed"),
    (lambda r: (r / "tests/test_toy_ops.py").unlink(), "tests/test_toy_ops.py is missing"),
    (lambda r: (r / "tests/conftest_extra.py").write_text(""), "tests/conftest_extra.py was added"),
    (lambda r: (r / "conftest.py").write_text(""), "conftest.py was added at the top"),
    (lambda r: (r / "pyproject.toml").write_text(""), "pyproject.toml was changed"),
    (lambda r: (r / "minigrad/assignments/check.py").write_text(""),
     "minigrad/assignments/check.py was changed"),
])
def test_changed_tests_are_refused(copy, tamper, problem):
    tamper(copy)
    with pytest.raises(check.CheckError, match=problem):
        check.check(["1.1"], root=copy, echo=lambda s: None, quiet=True)


def test_a_trusted_manifest_from_outside_the_copy_is_used(copy, tmp_path):
    trusted = tmp_path / "trusted.json"
    trusted.write_text((copy / "assignment.json").read_text())
    manifest = json.loads((copy / "assignment.json").read_text())
    (copy / "tests/test_toy_ops.py").write_text(
        "import pytest\n\n\n@pytest.mark.ex1_1\ndef test_mul_backward():\n    pass\n")
    manifest["protected"]["tests/test_toy_ops.py"] = build.sha256(copy / "tests/test_toy_ops.py")
    (copy / "assignment.json").write_text(json.dumps(manifest))  # hashes rewritten to match
    assert check.check(["1.1"], root=copy, echo=lambda s: None, quiet=True) == 0
    with pytest.raises(check.CheckError, match="test_toy_ops.py was changed"):
        check.check(["1.1"], root=copy, manifest_path=trusted, echo=lambda s: None, quiet=True)


def test_unknown_exercise_and_missing_copy_are_clear_errors(copy, tmp_path):
    with pytest.raises(check.CheckError, match="unknown exercise.*9.9.*knows 1.1, 1.2, 2.1"):
        check.check(["9.9"], root=copy, echo=lambda s: None)
    with pytest.raises(check.CheckError, match="no assignment.json"):
        check.check([], root=tmp_path / "nowhere", echo=lambda s: None)


def test_each_test_gets_the_timeout(copy):
    _solve(copy, SOLVE_11[0], "    import time\n    time.sleep(30)")
    status, lines, summary = _run(copy, "1.1", timeout=1)
    # the first test that hangs stops the run: one timeout, not one per test
    assert status == 1 and summary["exercises"][0]["tests"]["failed"] == 1
    assert any(line.startswith("stopped: tests/") and "longer than 1 s" in line
               for line in lines), lines
    assert "Timeout" in (copy / "check-results/junit.xml").read_text()
