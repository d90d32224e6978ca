"""The Pareto front of a loss-weight sweep: which trade-offs between two objectives are best.

A run is on the front when no other run is at least as good on both objectives and better on
one. Sweeping ``alpha`` in ``alpha L1 + (1 - alpha) L2`` only reaches the *convex* part of the
front; points between are reachable by no weighting.
"""
from __future__ import annotations

import numpy as np

from .plots import _host, new_axes


def _points_from(points, labels):
    """``(xy (n, 2), labels, default axis names)`` from an alpha_sweep result or raw points."""
    if hasattr(points, "alphas") and hasattr(points, "loss1") and hasattr(points, "loss2"):
        xy = np.column_stack([_host(points.loss1), _host(points.loss2)])
        if labels is None:
            labels = [f"α={a:g}" for a in points.alphas]
        return xy, labels, ("loss 1", "loss 2")
    xy = _host(points)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"plot_pareto: needs points of shape (n, 2) or an alpha_sweep result, "
                         f"got shape {tuple(xy.shape)}")
    return xy, labels, ("objective 1", "objective 2")


def front_indices(xy, maximize=(False, False)) -> list[int]:
    """Indices of the non-dominated rows of ``xy`` (minimised unless ``maximize``)."""
    from ..multitask import pareto_front

    signs = np.array([-1.0 if m else 1.0 for m in maximize])
    return pareto_front((xy * signs).tolist())


def plot_pareto(points, labels=None, *, names=None, maximize=(False, False),
                title="Pareto front over the loss weight", xscale="linear", yscale="linear",
                ax=None):
    """Scatter every run, join the non-dominated ones, label each point (e.g. with its alpha).

    ``points``: an :func:`~minigrad.multitask.alpha_sweep` result (x = loss1, y = loss2) or an
    (n, 2) array-like. ``names``: the two axis labels. ``maximize``: per axis, whether larger is
    better (e.g. accuracy). ``xscale``/``yscale``: "linear" or "log" (a log axis spreads
    points crowded near zero, e.g. error rates). The figure carries ``fig.pareto_indices``.
    """
    xy, labels, default_names = _points_from(points, labels)
    names = names or default_names
    if labels is not None and len(labels) != len(xy):
        raise ValueError(f"plot_pareto: {len(xy)} points but {len(labels)} labels")
    front = front_indices(xy, maximize)
    fig, ax = new_axes(ax, (6.0, 4.5))
    others = [i for i in range(len(xy)) if i not in front]
    if others:
        ax.scatter(xy[others, 0], xy[others, 1], s=40, facecolors="none",
                   edgecolors="#7f7f7f", label="dominated", zorder=3)
    f = sorted(front, key=lambda i: (xy[i, 0], xy[i, 1]))
    ax.plot(xy[f, 0], xy[f, 1], "-o", color="#d62728", lw=1.8, ms=6, label="Pareto front",
            zorder=4)
    arrows = ["↑ better" if m else "↓ better" for m in maximize]
    ax.set_xlabel(f"{names[0]} ({arrows[0].replace('↑', '→').replace('↓', '←')})")
    ax.set_ylabel(f"{names[1]} ({arrows[1]})")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    ax.margins(0.12)
    if labels is not None:
        _label_points(fig, ax, xy, [str(t) for t in labels])
    fig.pareto_indices = front
    return fig


# (dx, dy) in points and the horizontal alignment: right of the point first, then around it
_SPOTS = [((6, 4), "left"), ((6, -11), "left"), ((-6, 4), "right"), ((-6, -11), "right"),
          ((0, 9), "center"), ((0, -17), "center"), ((10, -3), "left"), ((-10, -3), "right")]


def _label_points(fig, ax, xy, labels):
    """Annotate each point, choosing for each label the first spot around its point where it
    overlaps no label placed before and no other point (so close alphas stay readable)."""
    fig.canvas.draw()  # settle the layout so display coordinates are final
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(xy)
    placed = []
    for i, text in enumerate(labels):
        chosen = None
        for (dx, dy), ha in _SPOTS:
            ann = ax.annotate(text, xy[i], textcoords="offset points", xytext=(dx, dy),
                              fontsize=8, ha=ha)
            bb = ann.get_window_extent(renderer)
            hits_label = any(bb.overlaps(o) for o in placed)
            hits_point = any(bb.x0 - 4 < px < bb.x1 + 4 and bb.y0 - 4 < py < bb.y1 + 4
                             for j, (px, py) in enumerate(pts) if j != i)
            if not hits_label and not hits_point:
                chosen = (ann, bb)
                break
            ann.remove()
        if chosen is None:  # crowded everywhere: the first spot
            (dx, dy), ha = _SPOTS[0]
            ann = ax.annotate(text, xy[i], textcoords="offset points", xytext=(dx, dy),
                              fontsize=8, ha=ha)
            chosen = (ann, ann.get_window_extent(renderer))
        placed.append(chosen[1])
