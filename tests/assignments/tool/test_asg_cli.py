"""The command line (``python -m minigrad.assignments``) and ``audit``."""
import json
import os
import subprocess
import sys

from minigrad.assignments import EXERCISES, audit, testfilter


def _cli(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "minigrad.assignments", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env)


def test_list_prints_every_exercise_with_hint_and_points():
    res = _cli("list")
    assert res.returncode == 0, res.stderr
    out = " ".join(res.stdout.split())  # hints are wrapped
    for e in EXERCISES:
        assert f"{e.number} {e.title} {e.points} pt" in out
        assert " ".join(e.hint.split()) in out
    total = sum(e.points for e in EXERCISES)
    assert f"{len(EXERCISES)} exercises, 4 assignments, {total} points" in out


def test_build_then_check_from_the_command_line(toy, tmp_path):
    out = tmp_path / "copy"
    res = _cli("build", out, "--assignment", "1", "--source", toy)
    assert res.returncode == 0, res.stderr
    assert "to do: 1.1 (2 tests), 1.2 (2 tests)" in res.stdout
    env = dict(os.environ, PYTHONPATH=str(out))
    res = _cli("check", "1.2", "--quiet", cwd=out / "tests", env=env)  # root found upwards
    assert res.returncode == 1
    assert [s for s in res.stdout.splitlines() if s.startswith(("PASS", "FAIL"))][0].startswith(
        "FAIL 1.2")
    assert json.loads((out / "check-results/summary.json").read_text())["points"] == 0
    res = _cli("build", out, "--assignment", "1", "--source", toy)
    assert res.returncode == 2 and res.stderr.startswith("error: ") and "not empty" in res.stderr
    res = _cli("check", "7.7", cwd=out, env=env)
    assert res.returncode == 2 and "unknown exercise" in res.stderr


def test_audit_reports_missing_and_needless_markers(toy, tmp_path):
    ops = toy / "tests/test_toy_ops.py"
    ops.write_text(ops.read_text() + "\n\n@pytest.mark.ex1_1\ndef test_needless():\n"
                                      "    assert square(2) == 4\n")
    (toy / "tests/test_toy_sub.py").write_text(
        "import pytest, subprocess, sys\n\n\n@pytest.mark.ex1_1\ndef test_in_a_subprocess():\n"
        "    code = 'from minigrad.ops import mul_backward; mul_backward(1, 2, 3)'\n"
        "    subprocess.run([sys.executable, '-c', code], check=True)\n")
    lines = []
    status = audit.audit(toy, json_path=tmp_path / "audit.json", echo=lines.append)
    assert status == 1
    rows = json.loads((tmp_path / "audit.json").read_text())
    key = "tests/test_toy_ops.py::"
    assert rows[key + "test_param_marked[1]"]["missing"] == ["ex2_1"]
    assert rows[key + "test_needless"] == {
        "reached": ["ex1_2"], "markers": ["ex1_1"], "needs": ["ex1_2"], "missing": ["ex1_2"],
        "stale": ["ex1_1"], "outcome": "passed"}
    assert rows[key + "test_needs_later"]["needs"] == ["ex2_1"]  # latest assignment only
    assert rows[key + "test_both"]["reached"] == ["ex1_1", "ex1_2"]
    assert rows[key + "test_unmarked"]["reached"] == []
    assert rows["tests/test_toy_sub.py::test_in_a_subprocess"]["reached"] == ["ex1_1"]
    ok = [n for n, r in rows.items() if not r["missing"] and not r["stale"]]
    assert len(ok) == len(rows) - 2
    assert "tests/test_toy_ops.py::test_param_marked[1]: needs ex2_1" in lines
    assert "tests/test_toy_ops.py: its tests together need ex1_1, ex1_2, ex2_1" in lines


def test_audit_write_adds_module_markers_until_nothing_is_missing(toy, tmp_path):
    lines = []
    assert audit.audit(toy, write=True, echo=lines.append) == 0
    assert "tests/test_toy_ops.py: pytestmark written" in lines
    text = (toy / "tests/test_toy_ops.py").read_text()
    assert "pytestmark = [pytest.mark.ex1_1, pytest.mark.ex1_2, pytest.mark.ex2_1]" in text
    compile(text, "t.py", "exec")
    assert all(t.markers >= {"ex2_1"} for t in testfilter.collect(text))
    assert audit.audit(toy, json_path=tmp_path / "a.json", echo=lambda s: None) == 0
    audit.add_module_markers(toy / "tests/test_toy_later.py", {"ex1_2", "ex2_1"})
    later = (toy / "tests/test_toy_later.py").read_text()
    assert "pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), " \
           "pytest.mark.ex1_2]" in later
    assert testfilter.collect(later)[0].markers == {"ex1_2", "ex2_1"}
