"""Every exercise of every assignment is graded alone: stubbed it scores 0, solved alone (every
other exercise still stubbed) it scores its full points, and every copy collects.

"Solved alone" is checked in two steps that together cover it without one pytest run per
exercise: the grafted files the grader makes for E from a submission where only E is solved are
byte for byte the reference files (so the graded tree is the reference tree, whatever the other
exercises hold), and grading the reference answers gives every exercise of the assignment full
points (one pytest process per assignment, since those trees are all the same).
"""
import subprocess
import sys

import pytest
from conftest import CATALOG, ROOT, ids_of

from minigrad.assignments import build, grader


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_stubbed_exercises_score_zero_each_with_failing_tests(copies, n):
    res = grader.grade(copies[n], n, ROOT)
    assert [e["id"] for e in res["exercises"]] == ids_of(n)
    for e in res["exercises"]:
        assert e["error"] is None, e
        assert e["tests"], f"{e['id']} has no graded test"
        assert e["score"] == 0, e
        for t in e["tests"]:
            assert t["outcome"] == "failed" and f"Exercise {e['number']}" in t["output"], t
    assert res["score"] == 0 and res["max_score"] == sum(
        x.points for x in CATALOG.EXERCISES if x.assignment == n)


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_each_exercise_solved_alone_gets_full_points(submission, n):
    reference = {eid: {rel: build.render(ROOT, rel, CATALOG, set()).decode()
                       for rel in grader.graft.exercise_files(ROOT, CATALOG, eid)}
                 for eid in ids_of(n)}
    for eid in ids_of(n):
        alone = submission(n, solved=[eid])
        (files, error), = grader.grafts(ROOT, alone, CATALOG, n, [eid]).values()
        assert error is None and files == reference[eid], eid
    res = grader.grade(submission(n, solved=ids_of(n)), n, ROOT)
    for e in res["exercises"]:
        assert e["score"] == e["max_score"] > 0 and e["error"] is None, e
        assert all(t["outcome"] == "passed" for t in e["tests"]), e
    assert res["score"] == res["max_score"]


@pytest.mark.parametrize("n", sorted(CATALOG.ASSIGNMENTS))
def test_every_copy_collects(copies, n):
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider"], cwd=copies[n], capture_output=True,
                          text=True, env={"PYTHONPATH": str(copies[n]), "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "error" not in proc.stdout.splitlines()[-1], proc.stdout[-2000:]
