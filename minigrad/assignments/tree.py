"""The source tree an assignment is made from: its files, its catalog, its regions.

Standard library only: this runs on the instructor's machine and inside student copies.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import markers, notebooks

COPIED = ("minigrad", "tests", "lessons")
_SKIP_DIRS = {"__pycache__", "build", "dist", "node_modules"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".so", ".pyd", ".dll", ".dylib", ".o", ".a", ".egg-info")


def default_source() -> Path:
    """The repository this minigrad was installed from (an editable install or a checkout)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "tests").is_dir():
        raise FileNotFoundError(
            f"minigrad at {root / 'minigrad'} is not inside a repository checkout (no "
            "pyproject.toml and tests/ beside it); pass --source PATH/TO/minigrad-checkout")
    return root


def load_catalog(root: Path):
    """The catalog module of the tree at ``root`` (loaded from its file, not imported)."""
    path = Path(root) / "minigrad" / "assignments" / "catalog.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: is {root} a minigrad checkout?")
    name = f"_minigrad_catalog_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses looks its module up while the class is made
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        del sys.modules[name]
    return module


def excluded(rel: str, catalog) -> bool:
    """True for paths a student copy never holds: hidden files and folders, caches, compiled
    files, build outputs, and the instructor-only test folders."""
    parts = rel.split("/")
    if any(p.startswith(".") or p in _SKIP_DIRS or p.endswith(".egg-info") for p in parts):
        return True
    if rel.endswith(_SKIP_SUFFIXES):
        return True
    return any(rel == d or rel.startswith(d + "/") for d in catalog.INSTRUCTOR_ONLY)


def files(root: Path, catalog) -> list[str]:
    """Repository-relative paths (with /) of the files under minigrad/, tests/ and lessons/
    that a copy holds, sorted."""
    out: list[str] = []
    for top in COPIED:
        base = Path(root) / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            dirnames[:] = sorted(d for d in dirnames if not excluded(f"{rel_dir}/{d}", catalog))
            out.extend(f"{rel_dir}/{f}" for f in filenames
                       if not excluded(f"{rel_dir}/{f}", catalog)
                       and not os.path.islink(os.path.join(dirpath, f)))
    return sorted(out)


def is_test_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return rel.startswith("tests/") and name.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py"))


@dataclass(frozen=True)
class Found:
    path: str                 # repository-relative
    region: markers.Region
    function: str | None      # enclosing function (Python files under minigrad/ and tests/)


def find_regions(root: Path, catalog, paths=None) -> list[Found]:
    """Every region in the tree, checked: ids must be in the catalog, regions in Python code
    must be stubbable, and every catalog exercise must have a region in its file and function."""
    known = {e.id: e for e in catalog.EXERCISES}
    found = []
    for rel in paths if paths is not None else files(root, catalog):
        for r, fn in regions_of(root, rel):
            if r.exercise is not None and r.exercise not in known:
                raise markers.MarkerError(
                    f"{rel}:{r.start + 1}: {r.exercise} is not an exercise of the catalog "
                    "(minigrad/assignments/catalog.py); add it there or fix the id")
            found.append(Found(rel, r, fn))
    for e in catalog.EXERCISES:
        mine = [f for f in found if f.region.exercise == e.id]
        if not mine:
            raise markers.MarkerError(
                f"exercise {e.number} ({e.title}) has no solution region: the catalog expects "
                f"one in {e.file}, in {e.where}; mark it (see docs/INSTRUCTORS.md)")
        if not any(f.path == e.file and f.function == e.where for f in mine):
            at = ", ".join(f"{f.path} in {f.function or 'a notebook'}" for f in mine)
            raise markers.MarkerError(
                f"exercise {e.number}: the catalog puts it in {e.file}, in {e.where}, but its "
                f"regions are in {at}; update the catalog or move the markers")
    return found


def regions_of(root: Path, rel: str) -> list:
    """``[(region, enclosing function or None)]`` of one file; [] for files without regions."""
    if not rel.endswith((".py", ".ipynb")):
        return []
    text = (Path(root) / rel).read_text(encoding="utf-8")
    if not markers.TEXT_RE.search(text):
        return []
    if rel.endswith(".ipynb"):
        return [(r, None) for r in notebooks.regions_in(text, rel)]
    lesson = rel.startswith("lessons/")
    regions = markers.parse(text, rel, need_id=not lesson)
    if lesson:
        return [(r, None) for r in regions]
    names = markers.check_python(text, regions, rel)
    return [(r, names[r]) for r in regions]
