"""Student copies of minigrad's own assignments, built once per session for the grader's tests
(instructor-only: a student copy holds no reference to graft from)."""
import shutil
from pathlib import Path

import pytest

from minigrad.assignments import build, tree

ROOT = Path(__file__).resolve().parents[3]
CATALOG = tree.load_catalog(ROOT)


def ids_of(n):
    return [e.id for e in CATALOG.EXERCISES if e.assignment == n]


def later(n):
    return {e.id for e in CATALOG.EXERCISES if e.assignment > n}


@pytest.fixture(scope="session")
def copies(tmp_path_factory):
    """{n: the untouched student copy of assignment n}."""
    out = tmp_path_factory.mktemp("copies")
    return {n: Path(out / f"a{n}") for n in CATALOG.ASSIGNMENTS
            if build.build(ROOT, out / f"a{n}", n)}


@pytest.fixture
def submission(copies, tmp_path):
    """``make(n, solved=())``: a fresh submission of assignment n with the exercises in
    ``solved`` answered with the reference code (the rest still stubbed)."""
    def make(n, solved=()):
        sub = tmp_path / f"sub{n}-{'-'.join(sorted(solved)) or 'none'}"
        shutil.copytree(copies[n], sub)
        if solved:
            build.restub(ROOT, sub, (set(ids_of(n)) - set(solved)) | later(n))
        return sub
    return make
