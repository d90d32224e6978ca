"""mypy, in its default mode with the settings in pyproject.toml, reports no error on minigrad/.

Skipped where mypy is not installed (it is in the dev extra). Runs with a fresh cache in a
temporary folder, so the result never depends on an earlier run.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytest.importorskip("mypy", reason="mypy is not installed (it is in the dev extra)")


def test_mypy_reports_no_errors(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          "minigrad"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Success: no issues found" in run.stdout


def test_mypy_would_report_an_error(tmp_path):
    """The check is not vacuous: the same command on a module with a type error fails."""
    bad = tmp_path / "bad_module.py"
    bad.write_text("def f(x: int) -> int:\n    return x\n\n\nf('one')\n")
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "arg-type" in run.stdout
