"""A toy repository with marked solution regions, built fresh in a temporary folder, so the
assignment tools are tested without depending on markers in minigrad's own source."""
import json
import shutil
import textwrap
from pathlib import Path

import pytest

import minigrad.assignments

PKG = Path(minigrad.assignments.__file__).resolve().parent
B, E = "# BEGIN " + "SOLUTION", "# END " + "SOLUTION"  # kept out of this file's own lines

TOY_EXERCISES = '''
ASSIGNMENTS = {1: "Toy rules", 2: "Toy engine"}

EXERCISES = (
    Exercise("ex1_1", "Product rule", "return g * b and g * a", 2, "minigrad/ops.py",
             "mul_backward"),
    Exercise("ex1_2", "Square", "x times x", 1, "minigrad/ops.py", "square"),
    Exercise("ex2_1", "Counter", "add n to self.total (start at 0)", 3, "minigrad/ops.py",
             "Counter.add"),
)

INSTRUCTOR_ONLY = ("tests/instructor",)


def by_id() -> dict:
    return {e.id: e for e in EXERCISES}
'''

OPS = f'''
"""Toy ops."""


def mul_backward(a, b, g):
    """Gradient of a * b."""
    {B} ex1_1
    return g * b, g * a
    {E}


def square(x):
    """x squared."""
    if x is None:
        raise TypeError("square: x is None")
    {B} ex1_2
    y = x * x
    return y
    {E} ex1_2


class Counter:
    def add(self, n):
        """Add n and return the total."""
        if n < 0:
            raise ValueError("n < 0")
        {B} ex2_1
        self.total = getattr(self, "total", 0) + n
        return self.total
        {E}
'''

TEST_OPS = '''
import pytest

from minigrad.ops import Counter, mul_backward, square


@pytest.mark.ex1_1
def test_mul_backward():
    assert mul_backward(2.0, 3.0, 1.0) == (3.0, 2.0)


@pytest.mark.ex1_2
def test_square():
    assert square(3) == 9


@pytest.mark.ex1_1
@pytest.mark.ex1_2
def test_both():
    ga, _ = mul_backward(2.0, 3.0, 1.0)
    assert square(ga) == 9


def test_unmarked():
    with pytest.raises(TypeError):
        square(None)


@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.ex2_1)])
def test_param_marked(n):
    assert Counter().add(n) == n


@pytest.mark.ex1_2
@pytest.mark.ex2_1
def test_needs_later():
    assert Counter().add(square(2)) == 4


class TestCounter:
    pytestmark = pytest.mark.ex2_1

    def test_add(self):
        c = Counter()
        c.add(2)
        assert c.add(3) == 5


class TestMixed:
    def test_plain(self):
        with pytest.raises(ValueError):
            Counter().add(-1)

    @pytest.mark.ex2_1
    def test_marked(self):
        assert Counter().add(1) == 1
'''

TEST_LATER = '''
import pytest

from minigrad.ops import Counter

pytestmark = [pytest.mark.ex2_1]


def test_counter_twice():
    c = Counter()
    assert c.add(1) + c.add(1) == 3
'''

PYPROJECT = '''
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "toy-minigrad"
version = "0.0.1"
readme = "README.md"

[tool.hatch.build.targets.wheel]
packages = ["minigrad"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-ra --strict-markers"
markers = [
    "ex1_1: exercise 1.1",
    "ex1_2: exercise 1.2",
    "ex2_1: exercise 2.1",
]
'''


def _notebook():
    code = lambda src, **kw: {"cell_type": "code", "metadata": kw.pop("metadata", {}),
                              "source": src, "outputs": [{"output_type": "stream",
                              "name": "stdout", "text": ["42\\n"]}], "execution_count": 3}
    md = lambda src, **kw: {"cell_type": "markdown", "metadata": kw.get("metadata", {}),
                            "source": src}
    cells = [
        md("# Lesson 1\n"),
        code("x = 6 * 7\nprint(x)\n"),
        code(f"def f(x):\n    ### BEGIN {'SOLUTION'}\n    return 2 * x\n    "
             f"### END {'SOLUTION'}\n"),
        code(f"### BEGIN {'SOLUTION'} ex1_1\ny = 1\n### END {'SOLUTION'}\n"),
        code("z = 3\n", metadata={"nbgrader": {"solution": True, "grade_id": "z"}}),
        md(f"Answer:\n### BEGIN {'SOLUTION'}\nBecause of the chain rule.\n"
           f"### END {'SOLUTION'}\n"),
    ]
    return {"cells": cells, "metadata": {"widgets": {"state": {}}}, "nbformat": 4,
            "nbformat_minor": 5}


def make_toy(root: Path) -> Path:
    """Write the toy repository under ``root`` and return it."""
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": "# instructor README\n",
        "LICENSE": "MIT License\n\nCopyright (c) toy\n",
        "minigrad/__init__.py": '"""Toy minigrad."""\n',
        "minigrad/ops.py": OPS,
        "minigrad/data/readme.txt": "data\n",
        "tests/conftest.py": "",
        "tests/test_toy_ops.py": TEST_OPS,
        "tests/test_toy_later.py": TEST_LATER,
        "tests/helpers.py": "VALUE = 1\n",
        "tests/instructor/test_toy_secret.py": f"TEXT = '{B} ex1_1'\n\ndef test_x():\n"
                                               "    pass\n",
        "lessons/01_toy.ipynb": json.dumps(_notebook(), indent=1),
        "lessons/_src/01_toy.py": f"# %%\n{B.replace('# ', '### ')}\nanswer = 42\n"
                                  f"{E.replace('# ', '### ')}\n",
        "benchmarks/bench_toy.py": "print('bench')\n",
        "docs/notes.md": "notes\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        "minigrad/.hidden": "x\n",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n") if rel.endswith(".py") else text)
    (root / "minigrad/data/blob.bin").write_bytes(bytes(range(256)))
    (root / "minigrad/__pycache__").mkdir()
    (root / "minigrad/__pycache__/ops.cpython-311.pyc").write_bytes(b"\0pyc")
    (root / "minigrad/native.so").write_bytes(b"\0so")
    shutil.copytree(PKG, root / "minigrad/assignments",
                    ignore=shutil.ignore_patterns("__pycache__"))
    real = (PKG / "catalog.py").read_text()
    (root / "minigrad/assignments/catalog.py").write_text(
        real[:real.index("ASSIGNMENTS = {")] + TOY_EXERCISES.lstrip("\n"))
    return root


@pytest.fixture
def toy(tmp_path) -> Path:
    return make_toy(tmp_path / "toy")


@pytest.fixture(scope="module")
def toy_module(tmp_path_factory) -> Path:
    return make_toy(tmp_path_factory.mktemp("toyrepo") / "toy")
