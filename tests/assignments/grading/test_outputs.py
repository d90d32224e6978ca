"""What platforms read, each checked against its documented schema: Gradescope's results.json,
the GitHub Classroom workflow, and the class-wide CSV (``grade SUBMISSIONS/ --jobs N``), whose
rows equal grading one by one. Also the time limits: a hanging answer fails fast, naming the
test, and a submission's budget is kept."""
import csv
import json

import jsonschema
import pytest
from conftest import CATALOG, ROOT

from minigrad.assignments import __main__ as cli
from minigrad.assignments import build, grader, reports

# https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format
GRADESCOPE = {
    "type": "object", "required": ["score", "tests"], "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                       "visible"]},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["name", "score", "max_score", "output",
                                           "visibility"], "additionalProperties": False,
            "properties": {
                "name": {"type": "string"}, "score": {"type": "number"},
                "max_score": {"type": "number"}, "status": {"enum": ["passed", "failed"]},
                "output": {"type": "string"}, "number": {"type": "string"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                        "visible"]}}}},
    }}


def _answer(sub, number, code):
    rel = next(e.file for e in CATALOG.EXERCISES if e.number == number)
    text = (sub / rel).read_text()
    stub = next(line for line in text.splitlines() if f'"Exercise {number}:' in line)
    indent = stub[:len(stub) - len(stub.lstrip())]
    (sub / rel).write_text(text.replace(stub, "\n".join(indent + c for c in code)))


def test_gradescope_results_follow_the_schema_and_hide_hidden_tests(submission, tmp_path):
    sub = submission(1, solved=["ex1_3"])
    out = tmp_path / "results" / "results.json"
    assert cli.main(["grade", str(sub), "-a", "1", "--source", str(ROOT), "-e", "1.3",
                     "-e", "1.1", "--gradescope", str(out)]) == 0
    res = json.loads(out.read_text())
    jsonschema.validate(res, GRADESCOPE)
    by = {}
    for t in res["tests"]:
        by.setdefault(t["name"].split(":")[0], []).append(t)
    assert sum(t["score"] for t in by["Exercise 1.3"]) == pytest.approx(1.0)
    assert sum(t["max_score"] for t in by["Exercise 1.1"]) == pytest.approx(2.0, abs=1e-4)
    assert res["score"] == pytest.approx(1.0) and res["extra_data"]["max_score"] == 3.0
    hidden = [t for t in res["tests"] if t["visibility"] == reports.HIDDEN_VISIBILITY]
    assert hidden and all(t["output"] == "" and "hidden test" in t["name"] for t in hidden)
    failed = [t for t in by["Exercise 1.1"] if t["status"] == "failed" and t["output"]]
    assert failed and all("Exercise 1.1" in t["output"] for t in failed)


def test_classroom_workflow_has_one_step_per_exercise_with_its_points(copies):
    yaml = pytest.importorskip("yaml")
    for n, root in copies.items():
        wf = yaml.safe_load((root / build.CLASSROOM).read_text())
        steps = wf["jobs"]["run-autograding-tests"]["steps"]
        graders = [s for s in steps if str(s.get("uses", "")).startswith(
            "classroom-resources/autograding-command-grader@")]
        mine = [e for e in CATALOG.EXERCISES if e.assignment == n]
        assert [s["id"] for s in graders] == [e.id for e in mine]
        for s, e in zip(graders, mine):
            assert s["with"]["max-score"] == e.points and e.number in s["with"]["command"]
            assert isinstance(s["with"]["timeout"], int) and s["with"]["test-name"]
        report = steps[-1]
        assert report["uses"].startswith("classroom-resources/autograding-grading-reporter@")
        assert report["with"]["runners"] == ",".join(e.id for e in mine)
        assert set(report["env"]) == {f"{e.id.upper()}_RESULTS" for e in mine}
        assert all(v == f"${{{{ steps.{e.id}.outputs.result }}}}"
                   for e, v in zip(mine, report["env"].values()))


def test_class_csv_with_jobs_equals_grading_one_by_one(submission, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, solved in (("alice", ["ex1_1"]), ("bob", [])):
        submission(1, solved=solved).rename(subs / name)
    (subs / "bob" / ".git").mkdir()  # a clone: its history is not copied
    sheet = tmp_path / "grades.csv"
    assert cli.main(["grade", str(subs), "-a", "1", "--source", str(ROOT), "-e", "1.1",
                     "--jobs", "2", "--csv", str(sheet)]) == 0
    rows = list(csv.DictReader(sheet.open()))
    assert [r["submission"] for r in rows] == ["alice", "bob"]
    assert list(rows[0]) == ["submission", "score", "max_score",
                             *[e.id for e in CATALOG.EXERCISES if e.assignment == 1], "error"]
    for r in rows:
        one = grader.grade(subs / r["submission"], 1, ROOT, exercises=["1.1"])
        assert float(r["score"]) == one["score"] and float(r["ex1_1"]) == \
            one["exercises"][0]["score"]
        assert r["max_score"] == "2" and r["ex1_2"] == "" and r["error"] == ""
    assert float(rows[0]["score"]) == 2.0 and float(rows[1]["score"]) == 0.0


def test_a_hanging_answer_fails_fast_naming_the_test(submission):
    sub = submission(1)
    _answer(sub, "1.1", ["while True:", "    pass"])
    res = grader.grade(sub, 1, ROOT, exercises=["1.1"], timeout=2)
    (e,) = res["exercises"]
    assert e["score"] == 0 and res["elapsed_s"] < 30
    hung = [t for t in e["tests"] if "time limit" in t["output"]]
    assert len(hung) == 1 and hung[0]["name"] in hung[0]["output"]
    rest = [t for t in e["tests"] if t is not hung[0]]
    assert rest and all(t["output"] == f"not run: {hung[0]['name']} timed out before it"
                        for t in rest)


def test_a_submission_over_its_budget_gets_zero_with_the_reason(submission):
    sub = submission(1, solved=["ex1_1"])
    (e,) = grader.grade(sub, 1, ROOT, exercises=["1.1"], budget=0.5)["exercises"]
    assert e["score"] == 0 and "budget" in e["error"]
