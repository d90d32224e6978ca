"""The lessons are part of the product: each one runs top to bottom here, headless, and is checked.

Per lesson (one test each, so a failure names the lesson):

- structure, read from the committed notebook: no outputs or execution counts; the first cell
  states objectives, prerequisites and an estimated time; the first code cell seeds with
  ``manual_seed(0)``; at least one ``assert``; it ends with 2-4 exercises numbered ``L.k``, or
  ``A.B`` when one overlaps exercise A.B of the assignments (minigrad/assignments/catalog.py;
  a lesson's own L.k never reuses an assignment's number), each followed by a code cell that
  ends with ``check("L.k", answer)`` (lessons/lesson_checks, tested in
  test_exercise_checks.py); data
  only through ``minigrad.data`` (no file or network reads);
- execution, with nbclient in a fresh temporary working directory, headless (``MPLBACKEND=Agg``
  for the kernel, and a lesson's ``%matplotlib inline`` is a no-op here; every figure is drawn
  once at the end instead, so a figure that cannot be drawn fails; a figure changed after the
  cell that created it fails too, since Jupyter would show it incomplete): no cell
  raises; it takes at most ``MINIGRAD_LESSON_BUDGET_S`` seconds (30 by default, kernel start
  included, measured); it shows at least one figure, and every Axes has a title and axis labels
  (the labels are waived only for an Axes drawn with its axis switched off, e.g. a graph drawing;
  a figure with a single Axes may carry the title as its suptitle),
  and a legend when it holds more than one line; files are written only under the temporary
  folder, and nothing is left in the working directory.

Two cells are injected at run time (not stored in the notebooks): one first, that records every
file opened for writing and every matplotlib Figure created (with pyplot or directly, as
``minigrad.viz`` does, so closing a figure does not hide it), and one last, that reports the
writes and the figures as JSON.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON_DIR = ROOT / "lessons"
BUDGET_S = float(os.environ.get("MINIGRAD_LESSON_BUDGET_S", "30"))
REPORT = "@@MINIGRAD-LESSON-REPORT@@"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


render = _load("minigrad_lessons_render", LESSON_DIR / "render.py")
_CATALOG = ROOT / "minigrad" / "assignments" / "catalog.py"  # standard library only
ASSIGNMENT_NUMBERS = ({e.number: e.title for e in _load("minigrad_catalog", _CATALOG).EXERCISES}
                      if _CATALOG.exists() else {})
build = _load("minigrad_lessons_build", LESSON_DIR / "_src" / "build.py")
sys.path.insert(0, str(LESSON_DIR))
from lesson_checks import CHECKS as _LESSON_CHECKS  # noqa: E402

CHECK_NUMBERS = set(_LESSON_CHECKS)
LESSONS = render.lesson_paths()

GUARD_CELL = r'''
import builtins as _mg_b, io as _mg_io, os as _mg_os
_MG_WRITES = []
def _mg_recording(open0):
    def _mg_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, _mg_os.PathLike)) and any(c in mode for c in "wax+"):
            _MG_WRITES.append(_mg_os.path.realpath(_mg_os.fsdecode(file)))
        return open0(file, mode, *args, **kwargs)
    return _mg_open
_mg_b.open = _mg_io.open = _mg_recording(_mg_b.open)
open = _mg_recording(open)  # IPython gives the notebook its own `open`
# Stay on Agg: a lesson's `%matplotlib inline` would render every figure to PNG after its cell;
# the report cell draws each figure once instead (drawing errors still fail the lesson).
get_ipython().register_magic_function(lambda line: None, "line", "matplotlib")
# Every Figure made, with pyplot or without (minigrad.viz builds Figures directly).
import matplotlib.figure as _mg_mf
_MG_FIGURES = []
_mg_fig_init0 = _mg_mf.Figure.__init__
def _mg_fig_init(self, *args, **kwargs):
    _mg_fig_init0(self, *args, **kwargs)
    _MG_FIGURES.append(self)
_mg_mf.Figure.__init__ = _mg_fig_init
# Jupyter shows a pyplot figure when the cell that made it ends: one changed in a later cell
# shows incomplete. Remember each figure's contents when its cell ends.
def _mg_signature(fig):
    return [(len(ax.get_children()), ax.get_title(), ax.get_xlabel(), ax.get_ylabel())
            for ax in fig.axes]
_MG_SEALED = {}
def _mg_seal(result=None):
    for _f in _MG_FIGURES:
        if id(_f) not in _MG_SEALED:
            _MG_SEALED[id(_f)] = _mg_signature(_f)
get_ipython().events.register("post_run_cell", _mg_seal)
'''

REPORT_CELL = r'''
import json as _mg_json, tempfile as _mg_tf, os as _mg_os2
_mg_rep = {"writes": list(_MG_WRITES), "tmp": _mg_os2.path.realpath(_mg_tf.gettempdir()),
           "figures": [], "problems": []}
for _num, _fig in enumerate(_MG_FIGURES, 1):
    if _fig.axes:
        _mg_rep["figures"].append(_num)
        if _MG_SEALED.get(id(_fig), _mg_signature(_fig)) != _mg_signature(_fig):
            _mg_rep["problems"].append(
                f"figure {_num} was changed after the cell that created it ended (Jupyter "
                "shows it incomplete): draw each figure in one cell")
        try:
            _fig.canvas.draw()
        except Exception as _err:  # a label that is bad TeX, data matplotlib cannot draw, ...
            _mg_rep["problems"].append(f"figure {_num} cannot be drawn: {_err!r}")
        _axes = [a for a in _fig.axes if a.get_label() != "<colorbar>" and a.get_visible()]
        # A figure with one Axes may carry its title as the figure's suptitle.
        _sup = _fig.get_suptitle() if len(_axes) == 1 else ""
        for _i, _ax in enumerate(_axes):
            _where = f"figure {_num}, axes {_i}"
            _title = _ax.get_title() or _ax.get_title("left") or _ax.get_title("right") or _sup
            if not _title.strip():
                _mg_rep["problems"].append(f"{_where}: no title")
            if _ax.axison:
                if not _ax.get_xlabel().strip():
                    _mg_rep["problems"].append(f"{_where} ({_title!r}): no x label")
                if not _ax.get_ylabel().strip():
                    _mg_rep["problems"].append(f"{_where} ({_title!r}): no y label")
            if len(_ax.get_lines()) > 1 and _ax.get_legend() is None and not _fig.legends:
                _mg_rep["problems"].append(
                    f"{_where} ({_title!r}): {len(_ax.get_lines())} lines but no legend")
print("@@MINIGRAD-LESSON-REPORT@@" + _mg_json.dumps(_mg_rep))
'''

# Reading data any other way than through minigrad.data (files, network, other libraries).
FORBIDDEN_READS = re.compile(
    r"\bopen\(|\bnp\.load|\bnumpy\.load|loadtxt|genfromtxt|read_csv|\bpd\.read|pandas|"
    r"urllib|urlopen|requests\.|sklearn|fetch_openml|torchvision|tensorflow_datasets")


# Calls whose return value Jupyter would print as "<matplotlib.legend.Legend at 0x...>".
STRAY_OUTPUT_CALLS = {"legend", "colorbar", "plot", "set_title", "set_xlabel", "set_ylabel",
                      "annotate", "text", "axhline", "axvline", "imshow", "scatter", "bar"}


def _lesson_number(path: Path) -> int:
    return int(path.name[:2])


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _python_source(cell) -> str:
    """The cell's source without IPython magics and shell escapes, for ``ast``."""
    return "\n".join(line for line in cell.source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def test_there_are_lessons():
    assert LESSONS, f"no lessons/NN_topic.ipynb found in {LESSON_DIR}"
    numbers = [_lesson_number(p) for p in LESSONS]
    assert len(numbers) == len(set(numbers)), f"two lessons share a number: {numbers}"


def test_notebooks_are_built_from_their_sources():
    """``lessons/_src/NN_topic.py`` is the source; the committed notebook must match it."""
    for path in LESSONS:
        src = LESSON_DIR / "_src" / (path.stem + ".py")
        assert src.exists(), f"{path.name} has no source {src.relative_to(ROOT)}"
        assert path.read_text(encoding="utf-8") == build.render(src), (
            f"{path.name} differs from {src.relative_to(ROOT)}: run python lessons/_src/build.py")


def test_readme_lists_every_lesson():
    text = (LESSON_DIR / "README.md").read_text(encoding="utf-8")
    for path in LESSONS:
        assert path.name in text, f"lessons/README.md does not list {path.name}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_structure(path):
    nb = nbformat.read(path, as_version=4)
    name, number = path.name, _lesson_number(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{name} cell {i} is committed with outputs"
            assert cell.execution_count is None, f"{name} cell {i} has an execution count"

    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{name}: the first cell must be Markdown"
    for word in ("objectives", "prerequisites", "estimated time"):
        assert word in first.source.lower(), f"{name}: the first cell does not state {word!r}"
    assert re.search(r"\d+\s*min", first.source), f"{name}: the estimated time has no minutes"

    code = _code_cells(nb)
    assert code, f"{name} has no code"
    assert re.search(r"\bmanual_seed\(0\)", code[0].source), (
        f"{name}: the first code cell must seed with minigrad.manual_seed(0)")
    asserts = sum(isinstance(node, ast.Assert) for cell in code
                  for node in ast.walk(ast.parse(_python_source(cell))))
    assert asserts >= 1, f"{name} states no claim as an assert"

    heading = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "markdown" and re.search(r"(?m)^## Exercises", c.source)]
    assert heading, f"{name} has no '## Exercises' section"
    ex_cells = nb.cells[heading[-1]:]
    tail = "\n".join(c.source for c in ex_cells if c.cell_type == "markdown")
    found = [f"{a}.{b}" for a, b in re.findall(r"\*\*Exercise\s+(\d+)\.(\d+)", tail)]
    assert 2 <= len(found) <= 4 and len(found) == len(set(found)), (
        f"{name} must end with 2-4 distinct exercises '**Exercise {number}.k**'; found {found}")
    # Every exercise is followed by a cell the student runs: it ends with check("L.k", ...)
    # (lessons/lesson_checks), and nothing after the Exercises heading is lesson code.
    for num in found:
        at = next(i for i, c in enumerate(ex_cells) if c.cell_type == "markdown"
                  and f"**Exercise {num}" in c.source)
        nxt = ex_cells[at + 1] if at + 1 < len(ex_cells) else None
        assert nxt is not None and nxt.cell_type == "code" and (
            nxt.source.strip().splitlines()[-1].startswith(f'check("{num}"')), (
            f"{name}: Exercise {num} must be followed by a code cell ending with "
            f'check("{num}", answer)')
        assert num in CHECK_NUMBERS, f"{name}: lessons/lesson_checks has no check for {num}"
    for num in found:
        # Either the lesson's own L.k, or an assignment exercise it overlaps (same number);
        # never a lesson's own exercise that reuses an assignment's number for something else.
        own = num.split(".")[0] == str(number) and num not in ASSIGNMENT_NUMBERS
        assert own or num in ASSIGNMENT_NUMBERS, (
            f"{name}: Exercise {num} is neither {number}.k (k not taken by an assignment "
            f"exercise: {sorted(n for n in ASSIGNMENT_NUMBERS if n.startswith(f'{number}.'))}) "
            "nor an assignment exercise's number (minigrad/assignments/catalog.py)")
        if num in ASSIGNMENT_NUMBERS:
            title = ASSIGNMENT_NUMBERS[num]
            text = tail.split(f"**Exercise {num}", 1)[1].split("**Exercise", 1)[0]
            assert "assignment" in text.lower(), (
                f"{name}: Exercise {num} shares its number with assignment exercise {num} "
                f"({title!r}); say so in the text")

    for i, cell in enumerate(code):
        body = ast.parse(_python_source(cell)).body
        last = body[-1] if body else None
        assert not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and isinstance(last.value.func, ast.Attribute)
                    and last.value.func.attr in STRAY_OUTPUT_CALLS), (
            f"{name} code cell {i} ends with .{last.value.func.attr}(...), which Jupyter prints "
            "as <matplotlib...>: end the cell with plt.show() (or assign the result)")
        bad = FORBIDDEN_READS.search(cell.source)
        assert not bad, (f"{name} code cell {i} reads data with {bad.group(0)!r}: load data only "
                         "through minigrad.data")


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    work = tmp_path / "cwd"
    work.mkdir()
    executed, seconds = render.execute(nb, work, mpl_backend="Agg",
                                       cell_timeout=int(BUDGET_S * 3),
                                       before=[GUARD_CELL], after=[REPORT_CELL])
    print(f"{path.name}: {seconds:.1f} s")
    lines = [line for o in executed.cells[-1].outputs if o.get("output_type") == "stream"
             for line in o.get("text", "").splitlines() if line.startswith(REPORT)]
    assert lines, f"{path.name}: the report cell printed nothing"
    report = json.loads(lines[-1][len(REPORT):])

    assert seconds <= BUDGET_S, (
        f"{path.name} took {seconds:.1f} s to run; the budget is {BUDGET_S:.0f} s per lesson")
    assert report["figures"], f"{path.name} shows no matplotlib figure (or closed them all)"
    assert not report["problems"], f"{path.name} figures: " + "; ".join(report["problems"])
    tmp = report["tmp"]
    outside = [w for w in report["writes"] if os.path.commonpath([w, tmp]) != tmp]
    assert not outside, f"{path.name} wrote outside the temporary folder: {outside}"
    left = sorted(p.name for p in work.iterdir())
    assert not left, (f"{path.name} left files in its working directory: {left}; write to a "
                      "tempfile.TemporaryDirectory() instead")


def test_render_writes_html_with_figures_and_refuses_lessons_dir(tmp_path):
    """The HTML writer (no execution here: an in-memory notebook with a stored PNG output)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n- one `x < y`\n- two **bold**\n\n"
                                              "| a | b |\n|---|---|\n| 1 | 2 |"),
                nbformat.v4.new_code_cell("print(1)")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                           nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K"})]
    page = render.to_html(nb, "demo")
    assert "<h1>Title</h1>" in page and "<code>x &lt; y</code>" in page
    assert "<strong>bold</strong>" in page and "<td>2</td>" in page
    assert 'src="data:image/png;base64,iVBORw0K"' in page and "<pre class=\"stream\">1\n" in page
    assert render.main([str(LESSON_DIR / "out")]) == 2
    assert not (LESSON_DIR / "out").exists()


WITHOUT_WIDGETS = """
import runpy, sys
sys.modules["ipywidgets"] = None          # import ipywidgets now raises ImportError
runpy.run_path(sys.argv[1], run_name="__main__")
"""


@pytest.mark.slow
@pytest.mark.parametrize("number", ["02", "03"])
def test_interactive_lessons_run_without_ipywidgets(number, tmp_path):
    """Lesson 02's backward step-through and 03's alpha slider fall back to static figures."""
    import subprocess

    src = next((LESSON_DIR / "_src").glob(f"{number}_*.py"))
    env = dict(os.environ, MPLBACKEND="Agg", MINIGRAD_LESSONS=str(LESSON_DIR))
    proc = subprocess.run([sys.executable, "-c", WITHOUT_WIDGETS, str(src)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Figure" in proc.stdout          # the static figures were displayed
