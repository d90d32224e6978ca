"""What grading platforms read: Gradescope's ``results.json`` and a GitHub Classroom workflow.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the autograder
writes ``/autograder/results/results.json`` with a top-level ``score``, ``execution_time``,
``output``, ``visibility``, ``stdout_visibility`` and ``tests``, each test with ``name``,
``score``, ``max_score``, ``status``, ``output`` and ``visibility`` (``visible``,
``after_due_date``, ``after_published`` or ``hidden``). Hidden tests are listed with
``after_published`` and no failure text, so their content is not shown before the grades are.

GitHub Classroom: a workflow with one ``classroom-resources/autograding-command-grader@v1``
step per exercise (its ``max-score`` the exercise's points) and a reporting step that reads
their results; ``build`` writes it into each copy as ``.github/workflows/classroom.yml``.
"""
from __future__ import annotations

import json

HIDDEN_VISIBILITY = "after_published"


def gradescope(res: dict) -> dict:
    tests = []
    for e in res["exercises"]:
        if e.get("error") or not e["tests"]:
            tests.append({"name": f"Exercise {e['number']}: {e['title']}", "score": 0.0,
                          "max_score": e["max_score"], "status": "failed",
                          "output": e.get("error") or "no test ran", "visibility": "visible"})
        for t in e["tests"]:
            hidden = t["hidden"]
            tests.append({
                "name": f"Exercise {e['number']}: " + ("hidden test " + str(
                    sum(x["hidden"] for x in e["tests"][:e["tests"].index(t) + 1]))
                    if hidden else t["name"].rsplit("/", 1)[-1]),
                "score": t["score"], "max_score": t["max_score"],
                "status": "passed" if t["outcome"] == "passed" else "failed",
                "output": "" if hidden else (t["output"] or t["outcome"]),
                "visibility": HIDDEN_VISIBILITY if hidden else "visible"})
    lines = [f"Exercise {e['number']} ({e['title']}): {e['score']:g}/{e['max_score']:g}"
             for e in res["exercises"]]
    return {"score": res["score"], "execution_time": res.get("elapsed_s", 0.0),
            "output": "\n".join(lines), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"max_score": res["max_score"], "assignment": res["assignment"]}}


def classroom_workflow(exercises: list[dict], timeout_min: int = 10) -> str:
    """The Classroom workflow (YAML) for the exercises of a copy (manifest entries)."""
    todo = [e for e in exercises if e["status"] == "todo"]
    steps = []
    for e in todo:
        with_ = {"test-name": f"Exercise {e['number']}: {e['title']}",
                 "command": f"python -m minigrad.assignments check {e['number']} --quiet",
                 "timeout": timeout_min, "max-score": e["points"]}
        steps.append(f"      - name: {e['id']}\n        id: {e['id']}\n"
                     "        uses: classroom-resources/autograding-command-grader@v1\n"
                     f"        with: {json.dumps(with_)}\n")
    env = "".join(f"          {e['id'].upper()}_RESULTS: \"${{{{ steps.{e['id']}.outputs.result "
                  "}}\"\n" for e in todo)
    return ("name: Autograding Tests\n"
            "on: [push, repository_dispatch]\n"
            "permissions: {checks: write, actions: read, contents: read}\n"
            "jobs:\n"
            "  run-autograding-tests:\n"
            "    runs-on: ubuntu-latest\n"
            "    if: github.actor != 'github-classroom[bot]'\n"
            "    steps:\n"
            "      - uses: actions/checkout@v4\n"
            "      - uses: actions/setup-python@v5\n"
            "        with: {python-version: \"3.12\"}\n"
            "      - run: pip install -e \".[dev]\"\n"
            + "".join(steps) +
            "      - name: Report\n"
            "        uses: classroom-resources/autograding-grading-reporter@v1\n"
            "        env:\n" + env +
            f"        with: {{runners: \"{','.join(e['id'] for e in todo)}\"}}\n")
