"""Draw the computation graph with matplotlib alone (no Graphviz binary needed).

Boxes are sized from their measured text, then placed by :mod:`minigrad.viz.layout`; the axes
span the whole figure in inch units, so a box drawn 2 inches wide is 2 inches wide on the page and
the text always fits. With several roots (a dict of named losses) every box carries a band in the
colours of the roots that depend on it and every edge is drawn once per such root: a shared layer
shows both heads' colours, because both heads' gradients flow back through it and add up there.
"""
from __future__ import annotations

from .graph import build_traced_graph

_FILL = {"op": "#fdf0c2", "leaf": "#d9f2d0", "tensor": "#ffffff", "const": "#eeeeee"}
_KIND_NAMES = {"op": "op (backward rule)", "leaf": "leaf tensor", "tensor": "intermediate tensor",
               "const": "constant (no grad)"}
_PAD = 0.07  # inches of padding around a label
_BAND = 0.07  # height of the root-colour band


def draw_graph(roots, *, params=None, trace=None, step=None, rankdir="TB", small=4, fontsize=9,
               show_constants=True, title=None, max_nodes=400):
    """Draw the graph behind ``roots`` and return the matplotlib Figure.

    ``roots``: a Tensor, or a dict of named losses such as ``{"CE": ce, "PCA": pca}``.
    ``params``: {name: Tensor} to label leaves (e.g. ``dict(model.named_parameters())``).
    ``trace``: a :class:`~minigrad.viz.BackwardTrace`; intermediate gradients come from it, and
    with ``step`` only the first ``step + 1`` steps are shown (the current op outlined in red).
    Leaves show ``.grad`` after backward; tensors with at most ``small`` elements show values.
    The figure carries ``fig.minigrad_graph`` (the drawn :class:`Graph`, each node with its
    ``patch`` and ``text`` artists). Nothing is shown: display or save the figure yourself.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .layout import layout

    graph, current = build_traced_graph(roots, trace, step, params=params, small=small,
                                        show_constants=show_constants, max_nodes=max_nodes)
    several = len(graph.root_names) > 1

    fig = Figure(dpi=100)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    sizes = {}
    for key, node in graph.nodes.items():
        weight = "bold" if key in graph.root_keys else "normal"
        t = fig.text(0, 0, node.label, fontsize=fontsize, multialignment="center", weight=weight)
        bb = t.get_window_extent(renderer)
        t.remove()
        sizes[key] = (bb.width / fig.dpi + 2 * _PAD,
                      bb.height / fig.dpi + 2 * _PAD + (_BAND if several else 0.0))
    lay = layout(graph, sizes, rankdir=rankdir)

    legend = _legend(fig, graph, several)
    lb = legend.get_window_extent(renderer)
    top = lb.height / fig.dpi + 0.15 + (0.3 if title else 0.0)
    title_w = 0.0
    if title:
        t = fig.text(0, 0, title, fontsize=fontsize + 3)
        title_w = t.get_window_extent(renderer).width / fig.dpi + 0.3
        t.remove()
    width = max(lay.width, lb.width / fig.dpi + 0.3, title_w, 3.0)
    height = lay.height + top
    fig.set_size_inches(width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    dx, dy = (width - lay.width) / 2, top
    if title:
        fig.suptitle(title, y=1 - 0.08 / height, va="top", fontsize=fontsize + 3)
        legend.set_bbox_to_anchor((0.5, 1 - 0.4 / height))
    else:
        legend.set_bbox_to_anchor((0.5, 1 - 0.05 / height))

    for edge, pts in lay.routes.items():
        cols = [graph.colours[r] for r in graph.edge_reached(edge)] or ["#555555"]
        for j, c in enumerate(cols):
            off = (j - (len(cols) - 1) / 2) * 0.035
            shifted = [(x + dx + (off if rankdir == "TB" else 0.0),
                        y + dy + (off if rankdir == "LR" else 0.0)) for x, y in pts]
            _arrow(ax, shifted, c)
    for key, node in graph.nodes.items():
        (x, y), (w, h) = lay.centres[key], sizes[key]
        _box(ax, node, x + dx, y + dy, w, h, graph, several, fontsize, current == key)
    fig.minigrad_graph = graph
    fig.minigrad_layout = lay
    return fig


def _legend(fig, graph, several):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=c, lw=2.5, label=n)
               for n, c in zip(graph.root_names, graph.colours)]
    kinds = [k for k in _FILL if any(n.kind == k for n in graph.nodes.values())]
    handles += [Patch(facecolor=_FILL[k], edgecolor="#444444", label=_KIND_NAMES[k])
                for k in kinds]
    return fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 4),
                      fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))


def _arrow(ax, pts, colour):
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    codes = [Path.MOVETO] + [Path.LINETO] * (len(pts) - 1)
    ax.add_patch(FancyArrowPatch(path=Path(pts, codes), arrowstyle="-|>", mutation_scale=9,
                                 color=colour, lw=1.1, zorder=1, shrinkA=0, shrinkB=0))


def _box(ax, node, x, y, w, h, graph, several, fontsize, is_current):
    from matplotlib.patches import FancyBboxPatch, Rectangle

    cols = [graph.colours[r] for r in node.reached]
    edge = cols[0] if len(cols) == 1 else "#444444"
    lw = 2.0 if node.key in graph.root_keys else 1.0
    if is_current:
        edge, lw = "#d62728", 3.0
    rounding = 0.12 if node.kind == "op" else 0.03
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                           boxstyle=f"round,pad=0,rounding_size={rounding}",
                           facecolor=_FILL[node.kind], edgecolor=edge, lw=lw, zorder=2,
                           linestyle="--" if node.kind == "const" else "-")
    ax.add_patch(patch)
    band = _BAND if several else 0.0
    if several and cols:
        seg = (w - 0.12) / len(cols)
        for j, c in enumerate(cols):
            ax.add_patch(Rectangle((x - w / 2 + 0.06 + j * seg, y + h / 2 - band - 0.03), seg,
                                   band, facecolor=c, edgecolor="none", zorder=3))
    weight = "bold" if node.key in graph.root_keys else "normal"
    node.text = ax.text(x, y - band / 2, node.label, ha="center", va="center",
                        multialignment="center", fontsize=fontsize, zorder=4, weight=weight)
    node.patch = patch
