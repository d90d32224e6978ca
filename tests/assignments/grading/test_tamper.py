"""Edits outside an exercise's answer cannot change its score.

The grader's result for exercise E is a function of the files it grafts for E (the rest of the
graded tree is the reference's), so each attack below is checked by comparing those files with
the ones an untouched submission gives; one end-to-end run grades a submission carrying every
attack at once, and one checks that a real answer with its own helper and import still counts.
"""
import ast
import json

import pytest
from conftest import CATALOG, ROOT

from minigrad.assignments import grader

E = "ex1_1"
MUL = "minigrad/ops/arithmetic.py"
CHEAT_MUL = ("\n\ndef _cheat(ctx, g):\n    a, b = ctx.saved\n    return g * b, g * a\n\n\n"
             "Mul.backward = staticmethod(_cheat)\n")
PASS_ALL = '''
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    rep.outcome, rep.longrepr = "passed", None
'''


def _append(path, text):
    path.write_text(path.read_text() + text)


ATTACKS = {
    "package __init__ patches Mul.backward": lambda s: _append(
        s / "minigrad/__init__.py", "\nfrom minigrad.ops.arithmetic import Mul\n" + CHEAT_MUL),
    "module-level patch below the stub": lambda s: _append(s / MUL, CHEAT_MUL),
    "helper whose default argument patches Mul": lambda s: _append(
        s / MUL, "\n\ndef _h(x=setattr(Mul, 'backward', staticmethod(lambda c, g: (g, g)))):"
        "\n    return x\n"),
    "conftest turns failures into passes": lambda s: _append(s / "tests/conftest.py", PASS_ALL),
    "top-level conftest": lambda s: (s / "conftest.py").write_text(PASS_ALL),
    "graded tests rewritten": lambda s: (
        s / "tests/assignments/exercises/test_ex1_backward_rules.py").write_text(
        "import pytest\n\n\n@pytest.mark.ex1_1\ndef test_mul():\n    assert True\n"),
    "pyproject deselects everything": lambda s: _append(
        s / "pyproject.toml", '\n[tool.pytest]\naddopts = "-k nothing_at_all"\n'),
    "shadowing numpy and pytest at the top": lambda s: [
        (s / n).write_text("raise SystemExit(0)\n") for n in ("numpy.py", "pytest.py",
                                                              "sitecustomize.py")],
    "manifest says the exercise is given": lambda s: (s / "assignment.json").write_text(
        json.dumps({**json.loads((s / "assignment.json").read_text()), "assignment": 2})),
    "another exercise's answer patches Mul": lambda s: (s / MUL).write_text(
        (s / MUL).read_text().replace(
            'raise NotImplementedError("Exercise 1.2', 'Mul.backward = staticmethod(lambda c, '
            'g: (g * c.saved[1], g * c.saved[0]))\n        raise NotImplementedError("'
            'Exercise 1.2', 1)),
}


@pytest.fixture(scope="module")
def untouched(copies):
    return grader.grafts(ROOT, copies[1], CATALOG, 1, [E])


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_changes_nothing_graded(submission, untouched, attack):
    sub = submission(1)
    ATTACKS[attack](sub)
    ((files, error),), ((want, _),) = (grader.grafts(ROOT, sub, CATALOG, 1, [E]).values(),
                                      untouched.values())
    assert error is None and files.keys() == want.keys()
    for rel, text in files.items():  # same file, at most inert helper definitions appended
        assert text.startswith(want[rel].rstrip("\n")), rel
        extra = ast.parse(text[len(want[rel].rstrip("\n")):])
        assert all(isinstance(s, (ast.FunctionDef, ast.Import, ast.ImportFrom))
                   and not getattr(s, "decorator_list", None) for s in extra.body), rel


def test_every_attack_at_once_still_scores_zero(submission):
    sub = submission(1)
    for attack in ATTACKS.values():
        attack(sub)
    res = grader.grade(sub, 1, ROOT, exercises=["1.1"])
    (e,) = res["exercises"]
    assert e["score"] == 0 and e["tests"] and all(t["outcome"] == "failed" for t in e["tests"])


def test_an_answer_with_its_own_helper_and_import_counts(submission):
    sub = submission(1)
    text = (sub / MUL).read_text()
    stub = next(line for line in text.splitlines() if "Exercise 1.1" in line)
    indent = stub[:len(stub) - len(stub.lstrip())]
    answer = (f"{indent}a, b = ctx.saved\n{indent}need = ctx.needs_input_grad\n"
              f"{indent}return _both(g, a, b, need, operator.mul)")
    helper = ("\n\nimport operator\n\n\ndef _both(g, a, b, need, mul):\n"
              "    return (mul(g, b) if need[0] else None), (mul(g, a) if need[1] else None)\n")
    (sub / MUL).write_text(text.replace(stub, answer) + helper)
    (e,) = grader.grade(sub, 1, ROOT, exercises=["1.1"])["exercises"]
    assert e["score"] == e["max_score"], e
