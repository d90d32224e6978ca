"""The tour's figures, drawn with :mod:`minigrad.viz` and saved as PNG files."""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
from minigrad import viz
from minigrad.viz.plots import new_figure

from .experiment import Run, TwoHeadNet, layer_grads, losses

DPI = 120


def _save(fig, out, name) -> str:
    path = os.path.join(out, name)
    fig.savefig(path, dpi=DPI)
    return path


def _middle(runs):
    """The run whose alpha is closest to 0.5: both heads matter there."""
    return min(runs, key=lambda r: abs(r.alpha - 0.5))


def pareto_figure(runs, best_share):
    """Test error (log axis: alpha=0's untrained head sits far right) against explained
    variance, one point per alpha, the non-dominated ones joined. Close alphas land on top of
    each other, so each alpha gets its own colour and a legend entry instead of a text label."""
    import matplotlib

    fig = viz.plot_pareto([(1.0 - r.accuracy, r.explained) for r in runs],
                          names=("test error of the CE head", "explained variance of W"),
                          maximize=(False, True), xscale="log",
                          title="What alpha trades: test error against explained variance")
    fig.set_size_inches(8.5, 4.8)
    ax = fig.axes[0]
    cmap = matplotlib.colormaps["viridis"]
    for i, r in enumerate(runs):
        ax.scatter([1.0 - r.accuracy], [r.explained], s=28, zorder=5,
                   color=cmap(i / max(1, len(runs) - 1)), label=f"α={r.alpha:g}")
    ax.axhline(best_share, color="#2ca02c", ls="--", lw=1, label="best possible (top-k PCA)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return fig


def weighted_grad_norms(run, task):
    """Per parameter: |α gCE|, |(1-α) gPCA| and |α gCE + (1-α) gPCA| (what the optimizer
    sees), as in the tour's table. Returns (parameter names, {bar label: [norm per param]})."""
    hg = layer_grads(run.model, task)
    names = list(hg.norms["CE"].per_param)
    weights = {"CE": run.alpha, "PCA": 1.0 - run.alpha}
    bars = {f"|α·gCE| (α={run.alpha:g})": [], "|(1-α)·gPCA|": [], "|sum| (the step)": []}
    keys = list(bars)
    for i, _ in enumerate(names):
        g_ce = weights["CE"] * hg.grads["CE"][i].numpy().astype(np.float64)
        g_pca = weights["PCA"] * hg.grads["PCA"][i].numpy().astype(np.float64)
        for key, g in zip(keys, (g_ce, g_pca, g_ce + g_pca)):
            bars[key].append(float(np.linalg.norm(g)))
    return names, bars


def gradient_flow_figure(runs, task, k, seed, device):
    """Weighted gradient norm of each head per parameter, and of their sum, for the run nearest
    alpha = 0.5, at initialisation and after training: the numbers of the table, per layer. At
    a minimum of the total the two weighted gradients on the shared layer cancel (sum ~ 0)."""
    mg.manual_seed(seed)
    trained = _middle(runs)
    fresh = Run(trained.alpha, TwoHeadNet(k, device), 0, 0, 0, 0, 0, 0, 0, {})
    fig, axes = new_figure((11.0, 4.4), ncols=2)
    colours = ("#1f77b4", "#ff7f0e", "#333333")
    for ax, run, when in ((axes[0], fresh, "at initialisation"),
                          (axes[1], trained, "after training")):
        names, bars = weighted_grad_norms(run, task)
        x = np.arange(len(names))
        for j, (label, values) in enumerate(bars.items()):
            shown = np.maximum(values, 1e-12)  # a zero bar (no path) at the bottom of the log axis
            ax.bar(x + (j - 1) * 0.27, shown, 0.27, label=label, color=colours[j])
        ax.set_yscale("log")
        ax.set_xticks(x, names, fontsize=8)
        ax.set_title(f"Weighted gradient per parameter, {when}", fontsize=10)
        ax.set_xlabel("parameter")
        ax.set_ylabel("gradient norm (log scale)")
        ax.legend(fontsize=8)
    fig.suptitle(f"total = {trained.alpha:g}·CE + {1 - trained.alpha:g}·PCA: both heads reach "
                 "reduce.weight and cancel there after training; only CE reaches the head")
    return fig


def graph_figure(runs, task):
    """The computation graph of both losses on 4 training images, after one backward."""
    run = _middle(runs)
    model = run.model
    ls = losses(model, task, task.X_train[:4, :], task.y_train[:4])
    model.zero_grad()
    (run.alpha * ls["CE"] + (1 - run.alpha) * ls["PCA"]).backward()
    fig = viz.draw_graph(ls, params=dict(model.named_parameters()),
                         title=f"total = {run.alpha:g}·CE + {1 - run.alpha:g}·PCA "
                               "(gradients after one backward on 4 images)")
    model.zero_grad()
    return fig


def curves_figure(runs):
    """CE on a log axis; the PCA loss (negative, with an early spike at alpha near 1) as its
    excess over the best value any run reached, also on a log axis, so the curves separate."""
    fig, (ax0, ax1) = new_figure((11.5, 4.2), ncols=2)
    viz.plot_curves({f"α={r.alpha:g}": r.history["CE"] for r in runs}, ax=ax0, logy=True,
                    title="Cross-entropy during training", ylabel="CE (train, log scale)")
    shown = [r for r in runs if r.alpha < 1]  # at alpha=1 nothing holds the PCA loss down
    floor = min(min(r.history["PCA"]) for r in shown)
    viz.plot_curves({f"α={r.alpha:g}": np.asarray(r.history["PCA"]) - floor + 1e-4
                     for r in shown}, ax=ax1, logy=True,
                    title="PCA loss during training (α<1)",
                    ylabel=f"PCA - ({floor:.3f}) + 1e-4 (log scale)")
    for ax in (ax0, ax1):
        ax.get_legend().remove()
    handles, labels = ax0.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    return fig


def write_figures(runs, task, k, seed, device, out) -> list:
    """Draw and save the four figures into ``out`` (created if missing); return their paths."""
    os.makedirs(out, exist_ok=True)
    return [
        _save(pareto_figure(runs, task.top_k_share), out, "pareto_front.png"),
        _save(gradient_flow_figure(runs, task, k, seed, device), out, "gradient_flow.png"),
        _save(graph_figure(runs, task), out, "graph.png"),
        _save(curves_figure(runs), out, "training_curves.png"),
    ]
