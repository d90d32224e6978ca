"""Points per test and partial credit; hidden tests run by the grader only."""
import pytest
from conftest import CATALOG, ROOT

from minigrad.assignments import grader

MUL = "minigrad/ops/arithmetic.py"


def test_shares_follow_the_weights_and_skipped_tests_do_not_count():
    tests = [{"outcome": o, "weight": w} for o, w in
             [("passed", 1.0), ("failed", 3.0), ("skipped", 5.0), ("passed", 2.0)]]
    grader.test_share(tests, 3.0)
    assert [t["max_score"] for t in tests] == [0.5, 1.5, 0.0, 1.0]
    assert [t["score"] for t in tests] == [0.5, 0.0, 0.0, 1.0]


def test_a_half_right_answer_gets_partial_credit_with_hidden_tests_counted(submission):
    sub = submission(1)
    text = (sub / MUL).read_text()
    stub = next(line for line in text.splitlines() if "Exercise 1.1" in line)
    indent = stub[:len(stub) - len(stub.lstrip())]
    # right values, but a gradient for every input, also those that need none
    (sub / MUL).write_text(text.replace(stub, f"{indent}a, b = ctx.saved\n"
                                              f"{indent}return g * b, g * a"))
    (e,) = grader.grade(sub, 1, ROOT, exercises=["1.1"])["exercises"]
    failed = [t for t in e["tests"] if t["outcome"] == "failed"]
    assert [t["name"].rsplit("::", 1)[-1] for t in failed] == [
        "test_mul_rule_skips_inputs_that_need_no_gradient"]
    hidden = [t for t in e["tests"] if t["hidden"]]
    assert hidden and all(t["name"].startswith(grader.HIDDEN_AT) for t in hidden)
    weights = sum(t["weight"] for t in e["tests"])
    assert e["score"] == pytest.approx(e["max_score"] * (weights - failed[0]["weight"])
                                       / weights, abs=0.01)
    assert 0 < e["score"] < e["max_score"] == CATALOG.EXERCISES[0].points


def test_hidden_tests_are_left_out_of_every_copy(copies):
    for root in copies.values():
        assert not (root / grader.HIDDEN_AT).exists()
        assert not list(root.rglob("test_hidden_*.py"))


def test_a_hidden_folder_of_its_own(submission, tmp_path):
    hidden = tmp_path / "my-hidden"
    hidden.mkdir()
    (hidden / "test_my_hidden.py").write_text(
        "import pytest\n\n\n@pytest.mark.ex1_3\n@pytest.mark.points(4)\ndef test_fails():\n"
        "    assert False, 'hidden check'\n")
    (e,) = grader.grade(submission(1, solved=["ex1_3"]), 1, ROOT, hidden=hidden,
                        exercises=["1.3"])["exercises"]
    mine = [t for t in e["tests"] if t["hidden"]]
    assert [t["name"].rsplit("::", 1)[-1] for t in mine] == ["test_fails"]
    assert mine[0]["weight"] == 4 and e["score"] == pytest.approx(
        e["max_score"] * (1 - 4 / sum(t["weight"] for t in e["tests"])), abs=0.01)
