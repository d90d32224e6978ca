"""Student versions of lesson notebooks: outputs cleared, solutions taken out.

Works on the notebook JSON directly (standard library only). In code cells a region (nbgrader's
triple-hash marker pair; an exercise id after the begin marker is optional) becomes a
``raise NotImplementedError(...)`` line, and so does the whole source of a cell that nbgrader
metadata or a ``solution`` tag marks as a solution. Such cells get the ``raises-exception`` tag,
so a headless run (nbclient) goes on past them. In Markdown cells the solution becomes
"YOUR ANSWER HERE", as nbgrader does.
"""
from __future__ import annotations

import json

from . import markers

ANSWER = "YOUR ANSWER HERE"
PREAMBLE = ("# An exercise this lesson needs and you have not finished yet reads as one line.\n"
            "from minigrad.assignments.lesson import install; install()")
_CELL_KEYS_TO_DROP = ("execution", "collapsed", "scrolled")


def student_notebook(text: str, where: str, stub, message) -> str:
    """Return the student version of notebook JSON ``text``. ``stub(exercise_id or None)`` says
    whether a region is taken out; ``message(exercise_id or None)`` gives its stub's text."""
    nb = json.loads(text)
    for i, cell in enumerate(nb.get("cells", [])):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        regions = markers.parse(src, f"{where} cell {i + 1}", need_id=False)
        kind = cell.get("cell_type")
        meta = cell.setdefault("metadata", {})
        whole = _is_solution_cell(meta) and not regions
        if kind == "code":
            if whole:
                src = f"# YOUR CODE HERE\nraise NotImplementedError({json.dumps(message(None))})"
            elif regions:
                src = markers.rewrite(src, regions, lambda r, body: (
                    [markers.stub_line(r, message(r.exercise))] if stub(r.exercise) else body))
                whole = any(stub(r.exercise) for r in regions)
            if whole:
                tags = meta.setdefault("tags", [])
                if "raises-exception" not in tags:
                    tags.append("raises-exception")
            cell["outputs"] = []
            cell["execution_count"] = None
        elif whole:
            src = ANSWER
        elif regions:
            src = markers.rewrite(src, regions, lambda r, body: (
                [r.indent + ANSWER] if stub(r.exercise) else body))
        for key in _CELL_KEYS_TO_DROP:
            meta.pop(key, None)
        cell["source"] = src.splitlines(keepends=True)
    nb.get("metadata", {}).pop("widgets", None)
    cells = nb.setdefault("cells", [])
    if not (cells and "".join(cells[0].get("source", [])) == PREAMBLE):
        cells.insert(0, {"cell_type": "code", "execution_count": None,
                         "metadata": {"tags": ["minigrad-preamble"]}, "outputs": [],
                         "source": PREAMBLE.splitlines(keepends=True)})
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _is_solution_cell(meta: dict) -> bool:
    nbgrader = meta.get("nbgrader") or {}
    return bool(nbgrader.get("solution")) or "solution" in (meta.get("tags") or [])


def regions_in(text: str, where: str) -> list:
    """Every region of every cell of notebook JSON ``text``."""
    out = []
    for i, cell in enumerate(json.loads(text).get("cells", [])):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        out.extend(markers.parse(src, f"{where} cell {i + 1}", need_id=False))
    return out
