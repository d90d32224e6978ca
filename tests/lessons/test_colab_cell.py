"""The Colab cell of lessons/README.md works on a zip of the repository (pip recorded, not run)."""
import os
import re
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _colab_cell() -> str:
    text = (ROOT / "lessons" / "README.md").read_text(encoding="utf-8")
    section = text.split("### Google Colab", 1)[1].split("###", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert "<" not in code and ">" not in code, "the Colab cell has a placeholder"
    return code


def test_colab_cell_installs_from_the_uploaded_zip(tmp_path, monkeypatch):
    archive = tmp_path / "minigrad.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # like "Download ZIP": one top folder
        for rel in ("pyproject.toml", "README.md", "lessons/lesson_checks/__init__.py",
                    "lessons/lesson_checks/part1.py", "lessons/lesson_helpers/__init__.py",
                    "minigrad/__init__.py"):
            zf.write(ROOT / rel, f"minigrad-main/{rel}")
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINIGRAD_LESSONS", "recorded")  # so that the cell's value is undone
    monkeypatch.delenv("MINIGRAD_LESSONS")
    exec(compile(_colab_cell(), "colab-cell", "exec"), {})
    (cmd,) = calls
    assert cmd[1:4] == ["-m", "pip", "install"]
    assert (Path(cmd[-1]) / "pyproject.toml").exists()
    lessons = Path(os.environ["MINIGRAD_LESSONS"])
    assert (lessons / "lesson_checks" / "__init__.py").exists()
    assert (lessons / "lesson_helpers" / "__init__.py").exists()   # the figures the lessons import
