"""Plots for training with several losses: where each head's gradient goes, and what it costs.

* :func:`plot_grad_norms`: per-layer gradient norm, one bar per head (who drives which layer);
* :func:`plot_cosine`: cosine similarity between the heads' gradients on the shared layers
  (negative: the heads pull the shared weights in conflicting directions);
* :func:`plot_curves`: training curves; :func:`plot_weights`: task weights over training;
* :func:`plot_pareto`: the trade-off between two objectives over a sweep of ``alpha``.

Each takes plain numbers (dicts, lists, arrays or Tensors) and returns a matplotlib Figure, or
draws into ``ax=`` when given. Colours follow the roots of :func:`minigrad.viz.draw_graph`.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from .graph import ROOT_COLOURS


def _host(x) -> np.ndarray:
    if isinstance(x, Tensor):
        return backend.to_numpy(x.detach().array)
    if isinstance(x, (list, tuple)):
        return np.asarray([float(_host(v)) if isinstance(v, Tensor) else v for v in x],
                          dtype=np.float64)
    return np.asarray(x, dtype=np.float64)


def new_figure(size=(6.0, 4.0), ncols: int = 1):
    """``(fig, axes)``: an off-screen Figure (not registered with pyplot, so nothing leaks or
    pops up) with ``ncols`` Axes side by side (one Axes when ``ncols == 1``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols)


def new_axes(ax=None, size=(6.0, 4.0)):
    """``(fig, ax)``: the given axes and its figure, or a fresh off-screen figure."""
    if ax is not None:
        return ax.figure, ax
    return new_figure(size)


def plot_grad_norms(norms, layers=None, *, title="Gradient norm per layer, by head", log=False,
                    ax=None):
    """Grouped bars: for each layer (parameter), one bar per head.

    ``norms``: ``{head: {layer: norm}}``, ``{head: [norm per layer]}`` (with ``layers`` names),
    or an object with ``.norms`` (``multitask.head_grads``'s result: one bar per parameter).
    """
    if hasattr(norms, "norms"):
        norms = norms.norms
    if not isinstance(norms, dict) or not norms:
        raise TypeError("plot_grad_norms: norms must be a non-empty dict {head: {layer: norm}} "
                        f"or {{head: [norms]}}, got {type(norms).__name__}")
    heads = list(norms)
    first = norms[heads[0]]
    if hasattr(first, "per_param"):  # multitask.GradNorms
        norms = {h: v.per_param for h, v in norms.items()}
        first = norms[heads[0]]
    if isinstance(first, dict):
        layers = list(layers or [k for k in first if k != "total"])
        table = np.array([[float(_host(norms[h].get(name, 0.0))) for name in layers]
                          for h in heads])
    else:
        table = np.array([_host(norms[h]) for h in heads], dtype=np.float64)
        layers = list(layers) if layers is not None else [str(i) for i in
                                                          range(table.shape[1])]
        if table.shape[1] != len(layers):
            raise ValueError(f"plot_grad_norms: {table.shape[1]} norms per head but "
                             f"{len(layers)} layer names")
    fig, ax = new_axes(ax, (max(5.0, 1.1 * len(layers) + 2), 4.0))
    width = 0.8 / len(heads)
    x = np.arange(len(layers))
    for j, h in enumerate(heads):
        colour = ROOT_COLOURS[j % len(ROOT_COLOURS)]
        xs = x - 0.4 + width * (j + 0.5)
        ax.bar(xs, table[j], width, label=str(h), color=colour)
        for xi, v in zip(xs, table[j]):  # exactly zero (not reached): say so, a bar can't
            if v == 0.0:
                ax.text(xi, 0.01, "0", transform=ax.get_xaxis_transform(), ha="center",
                        va="bottom", fontsize=8, color=colour)
    ax.set_xticks(x, layers, rotation=30 if max(map(len, layers)) > 6 else 0, ha="right"
                  if max(map(len, layers)) > 6 else "center")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("layer (parameter)")
    ax.set_ylabel("gradient norm")
    if len(heads) > 1:
        ax.legend(title="head")
    return fig


def plot_cosine(cosine, names=None, *, title="Cosine similarity of the heads' gradients",
                ax=None):
    """Heatmap of an m x m cosine-similarity matrix (NaN, e.g. a zero gradient, shown as n/a).

    ``cosine``: a matrix (array, nested list or Tensor) or an object with ``.cosine`` (and
    ``.names`` or ``.grads`` giving the head names).
    """
    if hasattr(cosine, "cosine"):
        names = names or list(getattr(cosine, "names", None) or getattr(cosine, "grads", {}))
        cosine = cosine.cosine
    c = _host(cosine)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"plot_cosine: needs a square matrix, got shape {tuple(c.shape)}")
    m = c.shape[0]
    names = [str(n) for n in (names or [f"head {i}" for i in range(m)])]
    if len(names) != m:
        raise ValueError(f"plot_cosine: {m} x {m} matrix but {len(names)} names")
    fig, ax = new_axes(ax, (1.0 * m + 3.0, 0.9 * m + 2.2))
    import matplotlib

    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#dddddd")
    im = ax.imshow(np.ma.masked_invalid(c), cmap=cmap, vmin=-1, vmax=1)
    for i in range(m):
        for j in range(m):
            v = c[i, j]
            ax.text(j, i, "n/a" if np.isnan(v) else f"{v:.2f}", ha="center", va="center",
                    color="white" if abs(v) > 0.6 else "black", fontsize=10)
    ax.set_xticks(range(m), names)
    ax.set_yticks(range(m), names)
    ax.set_title(title)
    ax.set_xlabel("head")
    ax.set_ylabel("head")
    fig.colorbar(im, ax=ax, label="cosine similarity")
    return fig


def _series(data, names):
    """``{name: 1-D array}`` from a dict, a 2-D array (columns) or a single sequence."""
    if isinstance(data, dict):
        return {str(k): _host(v) for k, v in data.items()}
    arr = _host(data)
    if arr.ndim == 1:
        return {str(names[0]) if names else "": arr}
    if arr.ndim != 2:
        raise ValueError(f"expected a sequence or a (steps, series) array, got shape {arr.shape}")
    names = list(names or [f"task {i}" for i in range(arr.shape[1])])
    if len(names) != arr.shape[1]:
        raise ValueError(f"{arr.shape[1]} series but {len(names)} names")
    return {str(n): arr[:, i] for i, n in enumerate(names)}


def _lines(ax, series, x, title, xlabel, ylabel, logy):
    for j, (name, ys) in enumerate(series.items()):
        xs = np.arange(len(ys)) if x is None else _host(x)
        ax.plot(xs, ys, label=name or None, color=ROOT_COLOURS[j % len(ROOT_COLOURS)], lw=1.6)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend()
    ax.grid(alpha=0.3)


def plot_curves(curves, names=None, *, x=None, title="Training curves", xlabel="step",
                ylabel="loss", logy=False, ax=None):
    """One line per curve: ``{name: values}``, a (steps, k) array with ``names``, or one list."""
    series = _series(curves, names)
    fig, ax = new_axes(ax)
    _lines(ax, series, x, title, xlabel, ylabel, logy)
    return fig


def plot_weights(trajectory, names=None, *, x=None, title="Task weights during training",
                 xlabel="step", ylabel="weight", ax=None):
    """Weighting trajectories: each task's weight per step (``{task: values}`` or (steps, m))."""
    series = _series(trajectory, names)
    fig, ax = new_axes(ax)
    _lines(ax, series, x, title, xlabel, ylabel, False)
    return fig
