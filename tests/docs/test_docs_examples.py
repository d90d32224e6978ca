"""Every code example in the docs runs: docstring ``>>>`` examples and the guides' code blocks.

- Docstrings: every module of minigrad (found by walking the package) is searched with
  :mod:`doctest`; each module with examples is one test. Output is compared with ``ELLIPSIS``
  and ``NORMALIZE_WHITESPACE``.
- Guides: every fenced ``python`` block in the Markdown pages under docs/ (the lesson copies
  excluded: the lessons have their own tests) and in the parts of other files they
  ``{include}`` is run, in a fresh namespace, in a temporary working directory. A block that
  must not run here is listed in ``RUN_ELSEWHERE`` with the test that runs it instead.
"""
from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import minigrad

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# A block containing this text -> the test that runs it (it installs from a zip with pip).
RUN_ELSEWHERE = {'ZIP = "minigrad.zip"': "tests/lessons/test_colab_cell.py"}


def _modules() -> list[str]:
    names = ["minigrad"]
    names += [m.name for m in pkgutil.walk_packages(minigrad.__path__, "minigrad.")
              if not m.name.endswith("__main__")]
    return names


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in _modules():
        tests = [t for t in finder.find(importlib.import_module(name), name) if t.examples]
        if tests:
            yield pytest.param(tests, id=name)


DOCTESTS = list(_doctests())


def test_docstring_examples_are_found():
    ids = {p.id for p in DOCTESTS}
    assert {"minigrad", "minigrad.nn", "minigrad.multitask.weightings"} <= ids


@pytest.mark.parametrize("tests", DOCTESTS)
def test_docstring_examples(tests):
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for t in tests:
        runner = doctest.DocTestRunner(optionflags=flags)
        out: list[str] = []
        runner.run(t, out=out.append)
        assert runner.failures == 0, f"{t.name}:\n" + "".join(out)


FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^\n]*)\n"
                   r"(?P<body>.*?)^(?P=indent)(?P=fence)\s*$", re.M | re.S)
INCLUDE = re.compile(r"^```\{include\}\s+(?P<path>\S+)\n(?P<opts>(?::[^\n]*\n)*)```", re.M)


def _included(page: Path, text: str) -> list[tuple[str, str]]:
    """(label, text) of each file part that ``page`` includes with MyST's ``{include}``."""
    parts = []
    for m in INCLUDE.finditer(text):
        path = (page.parent / m["path"]).resolve()
        part = path.read_text(encoding="utf-8")
        opts = dict(re.findall(r':([\w-]+):\s*"?(.*?)"?\s*$', m["opts"], re.M))
        if "start-after" in opts:
            part = part.split(opts["start-after"], 1)[1]
        if "end-before" in opts:
            part = part.split(opts["end-before"], 1)[0]
        parts.append((f"{page.relative_to(ROOT)} <- {path.relative_to(ROOT)}", part))
    return parts


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md")
                  if not {"lessons", "_build"} & set(p.relative_to(DOCS).parts))


def _blocks():
    seen = set()  # a page included into another (INSTRUCTORS.md) runs once
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for label, part in [(str(page.relative_to(ROOT)), text), *_included(page, text)]:
            for i, m in enumerate(b for b in FENCE.finditer(part)
                                  if b["info"].strip() in ("python", "{code-cell} python")):
                code = textwrap.dedent(m["body"])
                if code not in seen:
                    seen.add(code)
                    yield pytest.param(code, id=f"{label}#{i + 1}")


BLOCKS = list(_blocks())


def test_guide_blocks_are_found():
    ids = " ".join(p.id for p in BLOCKS)
    for page in ("index.md", "guides/install.md", "guides/pytorch.md",
                 "guides/reading-the-engine.md"):
        assert f"docs/{page}#1" in ids
    assert "<- lessons/README.md" in ids  # the Colab cell, included into the install guide


@pytest.mark.parametrize("code", BLOCKS)
def test_guide_block_runs(code, tmp_path, monkeypatch):
    for marker, elsewhere in RUN_ELSEWHERE.items():
        if marker in code:
            assert (ROOT / elsewhere).exists(), f"{elsewhere} should run this block"
            pytest.skip(f"run by {elsewhere}")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<docs block>", "exec"), {"__name__": "__docs__"})
