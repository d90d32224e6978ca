"""Building the documentation site for the tests in this folder (Sphinx, docs/conf.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# A student copy (python -m minigrad.assignments build) holds tests/ but not docs/: nothing to
# check there, and its stubbed exercises would fail the docstring examples.
if not (DOCS / "conf.py").is_file():
    collect_ignore_glob = ["test_*.py"]


def build_site(out: Path, execute: bool) -> tuple[subprocess.CompletedProcess, float]:
    """Run the README's docs command (``sphinx -W``) into ``out``; return the run and its time.

    ``execute=False`` sets ``MINIGRAD_DOCS_EXECUTE=off``: the lessons render without running."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e .[docs])")
    pytest.importorskip("myst_nb", reason="the docs extra is not installed")
    env = dict(os.environ, MINIGRAD_DOCS_EXECUTE="force" if execute else "off")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E",
           "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return run, time.perf_counter() - t0


def sphinx_warnings(run: subprocess.CompletedProcess) -> list[str]:
    """Sphinx's warnings and errors (not the kernels' own log lines)."""
    return [line for line in run.stderr.splitlines()
            if ("WARNING" in line or "ERROR" in line) and "IPKernelApp" not in line]


def read_inventory(path: Path) -> dict[str, str]:
    """``objects.inv`` (Sphinx's inventory, format 2) as {name: "domain:role"}."""
    data = path.read_bytes()
    for _ in range(4):  # four header lines, then zlib-compressed entries
        data = data[data.index(b"\n") + 1:]
    entries = {}
    for line in zlib.decompress(data).decode().splitlines():
        name, role = line.split(" ")[:2]
        entries[name] = role
    return entries


@pytest.fixture(scope="session")
def api_site(tmp_path_factory):
    """The site built without executing the lessons (about 10 s): the API reference."""
    out = tmp_path_factory.mktemp("docs-api")
    run, seconds = build_site(out, execute=False)
    return out / "html", run, seconds
