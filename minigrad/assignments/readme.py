"""The README.md of a student copy, written from its manifest."""
from __future__ import annotations


def student_readme(manifest: dict, licence: str | None) -> str:
    n = manifest["assignment"]
    todo = [e for e in manifest["exercises"] if e["status"] == "todo"]
    first = todo[0]["id"] if todo else "ex1_1"
    lines = [
        f"# minigrad, assignment {n}: {manifest['title']}",
        "",
        "minigrad is a small reverse-mode automatic-differentiation library on NumPy. In this",
        "copy some functions have their body replaced by",
        '`raise NotImplementedError("Exercise A.B: <hint>")`: your job is to write them. The',
        "tests say when an exercise is done.",
        "",
        "## Set up (Python 3.11+)",
        "",
        "```bash",
        'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"',
        "```",
        "",
        f"## Your exercises ({sum(e['points'] for e in todo)} points)",
        "",
        "| Exercise | What | Where | Points | Hint |",
        "|---|---|---|---|---|",
    ]
    for e in todo:
        lines.append(f"| {e['number']} | {e['title']} | `{e['file']}`, `{e['where']}` | "
                     f"{e['points']} | {e['hint']} |")
    given = [e["number"] for e in manifest["exercises"] if e["status"] == "given"]
    later = [e["number"] for e in manifest["exercises"] if e["status"] == "later"]
    lines += [""]
    if given:
        lines.append(f"{_many(given)} (earlier assignments) {_be(given)} solved for you.")
    if later:
        lines.append(f"{_many(later)} {'belong' if len(later) > 1 else 'belongs'} to later "
                     "assignments: they raise NotImplementedError too, and their tests are not "
                     "in this copy yet.")
    lines += [
        "",
        "## Check your work",
        "",
        "Run one exercise's tests, then the checker (a one-line verdict per exercise):",
        "",
        "```bash",
        f".venv/bin/python -m pytest -m {first}",
        f".venv/bin/python -m minigrad.assignments check {first[2:].replace('_', '.')}",
        ".venv/bin/python -m minigrad.assignments check      # every exercise of this assignment",
        "```",
        "",
        "An exercise passes when all of its tests pass (each test has 30 s). A test that needs",
        "two of your functions carries both exercises' markers. `check` writes",
        "`check-results/junit.xml` and `check-results/summary.json` (points per exercise).",
        "",
        "Do not edit `tests/`, `pyproject.toml` or `minigrad/assignments/`: `check` compares them",
        "with the hashes in `assignment.json` and refuses to grade a changed copy.",
        "",
        "The whole suite: `.venv/bin/python -m pytest`. Tests of exercises you have not done yet",
        "fail with the exercise's NotImplementedError; every other test passes.",
    ]
    if licence:
        lines += ["", "## Licence", "", "Code: MIT. Lesson text and figures: CC BY 4.0.", "",
                  "```text", licence.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def _many(numbers: list) -> str:
    return ("Exercises " if len(numbers) > 1 else "Exercise ") + ", ".join(numbers)


def _be(numbers: list) -> str:
    return "are" if len(numbers) > 1 else "is"
