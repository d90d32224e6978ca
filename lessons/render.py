"""Execute the lessons and write readable HTML copies, for people who want to read without running.

    python lessons/render.py OUT              # every lesson -> OUT/NN_topic.html (+ index.html)
    python lessons/render.py OUT 02 06        # only the lessons whose names start with 02 or 06

OUT must lie outside ``lessons/`` (the notebooks there stay committed without outputs). Each
lesson runs in a fresh temporary working directory with the inline matplotlib backend, so its
figures are embedded as PNG. The HTML is self-contained apart from MathJax (loaded from a CDN
to typeset the formulas; without network the TeX source stays readable).

The test suite (``tests/lessons/test_lessons.py``) runs the lessons through :func:`execute`
too, headless with ``MPLBACKEND=Agg``.
"""
from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat

LESSONS = Path(__file__).resolve().parent


def lesson_paths(prefixes=()) -> list[Path]:
    """The lesson notebooks, in order (``lessons/NN_topic.ipynb``)."""
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not prefixes or p.name.startswith(tuple(prefixes))]


@contextmanager
def _environ(**changes):
    old = {k: os.environ.get(k) for k in changes}
    try:
        for k, v in changes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(nb, workdir, *, mpl_backend=None, cell_timeout=120, before=(), after=()):
    """Run a notebook top to bottom in ``workdir``; return ``(executed notebook, seconds)``.

    ``before``/``after`` are extra code cells run first/last (the lesson test injects its checks
    this way; they are not part of the lesson). ``mpl_backend`` sets ``MPLBACKEND`` for the
    kernel (None: the notebook default, inline figures). Raises ``nbclient`` 's
    ``CellExecutionError`` naming the failing cell when any cell raises.
    """
    from nbclient import NotebookClient

    nb = nbformat.from_dict(nb) if isinstance(nb, dict) else nb
    nb = nbformat.from_dict(nb.copy())  # leave the caller's notebook untouched
    nb.cells = ([nbformat.v4.new_code_cell(s) for s in before] + list(nb.cells)
                + [nbformat.v4.new_code_cell(s) for s in after])
    for i, cell in enumerate(nb.cells):  # injected cells need ids that do not clash
        cell.id = f"run-{i:03d}"
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    # The exercise cells import lessons/lesson_checks; the kernel runs in `workdir`.
    lessons = os.environ.get("MINIGRAD_LESSONS", str(Path(__file__).resolve().parent))
    with _environ(MPLBACKEND=mpl_backend, PYTHONHASHSEED="0", MINIGRAD_LESSONS=lessons):
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    return nb, seconds


# ---------------------------------------------------------------- HTML (no nbconvert needed)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _inline(text: str) -> str:
    """Inline Markdown: code spans, links, bold, italic (after escaping; math is left alone)."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        s = html.escape(part, quote=False)
        s = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"(?<![\w*$\\])\*([^*\s][^*]*)\*(?!\w)", r"<em>\1</em>", s)
        out.append(s)
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """The Markdown the lessons use: headings, paragraphs, lists, fenced code, tables."""
    out, para, lst, table = [], [], None, []
    lines = text.splitlines() + [""]
    i = 0

    def flush():
        nonlocal para, lst, table
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para = []
        if lst:
            tag, items = lst
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(x)}</li>" for x in items) + f"</{tag}>")
            lst = None
        if table:
            rows = [r.strip().strip("|").split("|") for r in table
                    if not re.match(r"^\s*\|?[\s:|-]+$", r)]  # skip the |---| line
            head, body = rows[0], rows[1:]
            out.append("<table><tr>" + "".join(f"<th>{_inline(c.strip())}</th>" for c in head)
                       + "</tr>" + "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>"
                                                            for c in r) + "</tr>" for r in body)
                       + "</table>")
            table = []

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1:j])) + "</code></pre>")
            i = j + 1
            continue
        m_head = re.match(r"^(#{1,6})\s+(.*)$", line)
        m_item = re.match(r"^\s*(?:[-*]|(\d+)\.)\s+(.*)$", line)
        if m_head:
            flush()
            n = len(m_head.group(1))
            out.append(f"<h{n}>{_inline(m_head.group(2))}</h{n}>")
        elif line.strip().startswith("|"):
            if para or lst:
                flush()
            table.append(line)
        elif m_item:
            if para or table:
                flush()
            tag = "ol" if m_item.group(1) else "ul"
            if lst is None or lst[0] != tag:
                flush()
                lst = (tag, [])
            lst[1].append(m_item.group(2))
        elif not line.strip():
            flush()
        elif lst is not None and line.startswith("  "):
            lst[1][-1] += " " + line.strip()  # continuation of a list item
        else:
            if lst or table:
                flush()
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def _output_html(out) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        cls = "stderr" if out.get("name") == "stderr" else "stream"
        return f'<pre class="{cls}">{html.escape(_ANSI.sub("", out.get("text", "")))}</pre>'
    if kind == "error":
        tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
        return f'<pre class="error">{html.escape(tb)}</pre>'
    data = out.get("data", {})
    if "image/png" in data:
        return f'<img alt="figure" src="data:image/png;base64,{data["image/png"].strip()}">'
    if "text/html" in data:
        return f'<div class="html">{data["text/html"]}</div>'
    if "text/plain" in data:
        return f'<pre class="result">{html.escape(data["text/plain"])}</pre>'
    return ""


_STYLE = """body{max-width:60rem;margin:2rem auto;font:16px/1.5 system-ui,sans-serif;color:#222}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;border-radius:4px}
pre.source{border-left:3px solid #1f77b4}pre.stderr{background:#fff5e6}
pre.error{background:#fde8e8}img{max-width:100%}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem}code{background:#f0f0f0;padding:0 .2rem}"""
_MATHJAX = ('<script>window.MathJax={tex:{inlineMath:[["$","$"]]}};</script>'
            '<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>')


def to_html(nb, title: str) -> str:
    """One self-contained HTML page for an executed notebook."""
    body = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            body.append(markdown_to_html(cell.source))
        elif cell.cell_type == "code":
            body.append(f'<pre class="source"><code>{html.escape(cell.source)}</code></pre>')
            body.extend(_output_html(o) for o in cell.get("outputs", []))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{_STYLE}</style>{_MATHJAX}</head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    out = Path(args[0]).resolve()
    if out == LESSONS or LESSONS in out.parents:
        print(f"render: OUT must be outside {LESSONS} (the notebooks stay without outputs)")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for path in lesson_paths(args[1:]):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory(prefix="minigrad-lesson-") as work:
            executed, seconds = execute(nb, work, mpl_backend=None)
        target = out / (path.stem + ".html")
        target.write_text(to_html(executed, path.stem), encoding="utf-8")
        index.append(f'<li><a href="{target.name}">{html.escape(path.stem)}</a> '
                     f"({seconds:.1f} s)</li>")
        print(f"{path.name}: {seconds:5.1f} s -> {target}")
    (out / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>minigrad lessons</title>"
        f"<style>{_STYLE}</style></head><body><h1>minigrad lessons</h1><ul>{''.join(index)}"
        "</ul></body></html>\n", encoding="utf-8")
    print(f"wrote {len(index)} lesson(s) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
