"""Copies are safe to commit and to rebuild: a .gitignore, and ``build --force`` never deletes
.git/, .github/ or files it did not write."""
import json
import shutil
import subprocess

import pytest

from minigrad.assignments import build


def test_copy_ignores_venv_caches_and_check_results(toy, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    out = tmp_path / "copy"
    build.build(toy, out, 1)
    subprocess.run(["git", "init", "-q", str(out)], check=True)
    for rel in (".venv/lib/x.py", "minigrad/__pycache__/ops.cpython-311.pyc",
                "check-results/summary.json", ".pytest_cache/v", ".hypothesis/x",
                "toy_minigrad.egg-info/PKG-INFO"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x")
    status = subprocess.run(["git", "-C", str(out), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            check=True).stdout
    staged = {line[3:] for line in status.splitlines()}
    assert not [s for s in staged if s.startswith((".venv", "check-results", ".pytest_cache",
                                                   ".hypothesis")) or "__pycache__" in s
                or ".egg-info" in s], staged
    assert "minigrad/ops.py" in staged and ".gitignore" in staged


def test_force_keeps_git_github_and_files_it_did_not_write(toy, tmp_path):
    out = tmp_path / "template"
    build.build(toy, out, 1)
    (out / ".git").mkdir()
    (out / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (out / ".github/workflows/extra.yml").write_text("name: mine\n")
    (out / "notes.md").write_text("the instructor's notes\n")
    (out / "minigrad/ops.py").write_text("# edited\n")
    (out / "tests/test_toy_later.py").unlink(missing_ok=True)
    build.build(toy, out, 2, force=True)
    assert (out / ".git/HEAD").read_text() == "ref: refs/heads/main\n"
    assert (out / ".github/workflows/extra.yml").read_text() == "name: mine\n"
    assert (out / "notes.md").read_text() == "the instructor's notes\n"
    assert "# edited" not in (out / "minigrad/ops.py").read_text()
    assert json.loads((out / build.MANIFEST).read_text())["assignment"] == 2
    assert (out / build.CLASSROOM).is_file()  # build's own workflow is rewritten


def test_a_template_clone_keeps_its_own_gitignore_and_workflow(toy, tmp_path):
    out = tmp_path / "clone"
    (out / ".git").mkdir(parents=True)
    (out / ".github/workflows").mkdir(parents=True)
    (out / build.CLASSROOM).write_text("name: the instructor's own\n")
    (out / ".gitignore").write_text("secret/\n")
    build.build(toy, out, 1)  # only .git, .github and .gitignore there: no --force needed
    assert (out / build.CLASSROOM).read_text() == "name: the instructor's own\n"
    assert (out / ".gitignore").read_text() == "secret/\n"
    assert (out / build.MANIFEST).is_file() and (out / ".git").is_dir()
