"""Sphinx configuration of minigrad's documentation site (see docs/building.md).

Build: ``.venv/bin/python -m sphinx -W --keep-going docs docs/_build/html`` (after
``pip install -e ".[docs]"``).
Nothing is fetched at build time: no intersphinx, math as MathML (``_ext/mathml.py``), the
theme's assets are bundled with it, and the lessons run on this machine.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT))

project = "minigrad"
author = "the minigrad authors"
copyright = "minigrad authors, MIT licence"  # noqa: A001 - Sphinx's name

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "apiref",
    "mathml",
]
html_math_renderer = "mathml"
html_theme = "furo"
html_title = "minigrad"
html_static_path: list[str] = []
# Pages that are included into others rather than built on their own.
exclude_patterns = ["_build", "jupyter_execute", "README.md", "INSTRUCTORS.md",
                    "PYTORCH-DIFFERENCES.md", "Thumbs.db", ".DS_Store"]
suppress_warnings: list[str] = []

# The API reference: every module that has a page, in the order of the architecture (README.md).
# A public module missing here is a build warning (docs/_ext/apiref.py) and fails
# tests/docs/test_api_reference.py.
API_GROUPS = {
    "tensor": ["minigrad"],
    "engine": ["minigrad.autograd", "minigrad.autograd.function", "minigrad.autograd.engine",
               "minigrad.autograd.api", "minigrad.autograd.grad_mode", "minigrad.autograd.hooks",
               "minigrad.autograd.accumulate", "minigrad.autograd.versions",
               "minigrad.autograd.custom", "minigrad.autograd.extend",
               "minigrad.autograd.anomaly"],
    "ops": ["minigrad.ops"],
    "nn": ["minigrad.nn", "minigrad.nn.functional", "minigrad.nn.init", "minigrad.nn.utils"],
    "optim": ["minigrad.optim", "minigrad.optim.lr_scheduler"],
    "overrides": ["minigrad.overrides"],
    "multitask": ["minigrad.multitask"],
    "viz": ["minigrad.viz"],
    "data": ["minigrad.data", "minigrad.utils", "minigrad.utils.data"],
    "testing": ["minigrad.testing"],
    "assignments": ["minigrad.assignments"],
    "backend": ["minigrad.backend", "minigrad.cuda"],
}
minigrad_api_modules = [m for mods in API_GROUPS.values() for m in mods]

autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __weakref__, __dict__, __module__"}
autosummary_generate = False

# Markdown and notebooks (MyST). Lessons execute at build time (docs/building.md says why).
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph, as Jupyter shows it
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("MINIGRAD_DOCS_EXECUTE", "force")
nb_execution_timeout = 120
nb_execution_raise_on_error = True
nb_execution_in_temp = True
nb_ipywidgets_js: dict = {}  # widget state is not rendered: no widget JavaScript from a CDN
nb_merge_streams = True
os.environ.setdefault("MPLBACKEND", "Agg")


def _copy_lessons() -> None:
    """The lessons' notebooks and README, copied into docs/lessons/ (ignored by git) so that
    Sphinx sees them inside its source folder; they are never edited here."""
    dest = HERE / "lessons"
    dest.mkdir(exist_ok=True)
    wanted = {p.name: p for p in (ROOT / "lessons").iterdir()
              if p.suffix == ".ipynb" or p.name == "README.md"}
    for stale in dest.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, src in wanted.items():
        out = dest / name
        if not out.exists() or out.read_bytes() != src.read_bytes():
            shutil.copy2(src, out)


_copy_lessons()
os.environ["MINIGRAD_LESSONS"] = str(ROOT / "lessons")  # where the exercise checks live

PYTORCH_MARKER = "% PYTORCH-DIFFERENCES:"


def _include_pytorch_differences(app, docname, source) -> None:
    """docs/PYTORCH-DIFFERENCES.md, when it exists, is included into the PyTorch guide."""
    if docname == "guides/pytorch" and (HERE / "PYTORCH-DIFFERENCES.md").exists():
        source[0] = source[0].replace(
            PYTORCH_MARKER, "```{include} ../PYTORCH-DIFFERENCES.md\n```\n\n%", 1)


def setup(app):
    app.connect("source-read", _include_pytorch_differences)
