"""Build the lesson notebooks from their plain-Python sources.

Each lesson is written as ``lessons/_src/NN_topic.py`` in the "percent" format: a line
``# %%`` starts a code cell and ``# %% [markdown]`` starts a Markdown cell whose lines are
comments (``# `` is stripped). In a code cell, a comment line ``# %magic ...`` becomes the IPython
magic ``%magic ...`` (so the source stays valid Python). Keeping the source as ordinary Python
makes diffs readable and lets linters see the code; the ``.ipynb`` files are generated from it,
without outputs, with stable cell ids, so regenerating an unchanged lesson gives a byte-identical
file.

    python lessons/_src/build.py            # rebuild every lesson
    python lessons/_src/build.py 03 05      # rebuild the lessons whose names start so
    python lessons/_src/build.py --check    # exit 1 if a notebook is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

SRC = Path(__file__).resolve().parent
LESSONS = SRC.parent
MARKER = "# %%"


def parse_cells(text: str) -> list[tuple[str, str]]:
    """Split percent-format text into ``(kind, source)`` pairs, kind "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith(MARKER):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, []))
            continue
        if not cells:  # the module docstring/header before the first cell is not part of it
            continue
        kind, lines = cells[-1]
        if kind == "code" and line.startswith("# %"):
            line = line[2:]  # "# %matplotlib inline" -> "%matplotlib inline"
        if kind == "markdown":
            if line.startswith("# "):
                line = line[2:]
            elif line.startswith("#"):
                line = line[1:]
        lines.append(line)
    out = []
    for kind, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines:
            out.append((kind, "\n".join(lines)))
    return out


def build_notebook(src: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(parse_cells(src.read_text(encoding="utf-8"))):
        cell = (nbformat.v4.new_markdown_cell(source) if kind == "markdown"
                else nbformat.v4.new_code_cell(source))
        cell.id = f"{src.stem[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(src: Path) -> str:
    return nbformat.writes(build_notebook(src)) + "\n"


def sources(prefixes=()) -> list[Path]:
    files = sorted(p for p in SRC.glob("[0-9][0-9]_*.py"))
    return [p for p in files if not prefixes or p.name.startswith(tuple(prefixes))]


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    stale = []
    for src in sources(args):
        target = LESSONS / (src.stem + ".ipynb")
        text = render(src)
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(LESSONS.parent)}")
    if stale:
        print("out of date (run python lessons/_src/build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
