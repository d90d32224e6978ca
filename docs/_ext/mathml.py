"""Sphinx extension: math rendered to MathML when the site is built (no JavaScript, no network).

Browsers display MathML natively, so the pages need no MathJax or KaTeX download. The LaTeX is
converted by ``latex2mathml`` (pure Python); an expression it cannot convert is a build warning
(an error under ``-W``) naming the expression, never a silently broken formula.
"""
from __future__ import annotations

import html

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.util import logging

logger = logging.getLogger(__name__)


def to_mathml(latex: str, display: str, node=None) -> str:
    """``latex`` as a ``<math>`` element (``display`` is "inline" or "block")."""
    try:
        return convert(latex.strip(), display=display)
    except Exception as e:  # latex2mathml raises several kinds
        logger.warning("math: cannot convert %r to MathML: %s", latex, e, location=node)
        return f"<code>{html.escape(latex)}</code>"


def visit_inline(self, node) -> None:
    self.body.append(f'<span class="math">{to_mathml(node.astext(), "inline", node)}</span>')
    raise nodes.SkipNode


def visit_block(self, node) -> None:
    if node.get("label"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    parts = [node.astext()] if node.get("nowrap") else node.astext().split("\n\n")
    html = "".join(to_mathml(p, "block", node) for p in parts if p.strip())
    self.body.append(f'<div class="math notranslate">{html}</div>\n')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "version": "1"}
