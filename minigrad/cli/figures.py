"""The tour's figures, drawn with :mod:`minigrad.viz` and saved as PNG files."""
from __future__ import annotations

import os

import minigrad as mg
from minigrad import viz
from minigrad.viz.plots import new_figure

from .experiment import TwoHeadNet, layer_grads, losses

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
    variance, one point per alpha, the non-dominated ones joined."""
    fig = viz.plot_pareto([(1.0 - r.accuracy, r.explained) for r in runs],
                          labels=[f"α={r.alpha:g}" for r in runs],
                          names=("test error of the CE head", "explained variance of W"),
                          maximize=(False, True), xscale="log",
                          title="What alpha trades: test error against explained variance")
    ax = fig.axes[0]
    ax.axhline(best_share, color="#2ca02c", ls="--", lw=1, label="best possible (top-k PCA)")
    ax.legend(loc="lower right")
    return fig


def gradient_flow_figure(runs, task, k, seed, device):
    """Per-parameter gradient norm of each head, at initialisation and after training."""
    mg.manual_seed(seed)
    fresh = TwoHeadNet(k, device)
    trained = _middle(runs)
    fig, (ax0, ax1) = new_figure((10.0, 4.2), ncols=2)
    viz.plot_grad_norms(layer_grads(fresh, task), ax=ax0, log=True,
                        title="Gradient per head, at initialisation")
    viz.plot_grad_norms(layer_grads(trained.model, task), ax=ax1, log=True,
                        title=f"... after training with α={trained.alpha:g}")
    fig.suptitle("Both heads reach the shared layer (reduce.weight); only CE reaches the head")
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
    fig, (ax0, ax1) = new_figure((10.0, 4.0), ncols=2)
    viz.plot_curves({f"α={r.alpha:g}": r.history["CE"] for r in runs}, ax=ax0, logy=True,
                    title="Cross-entropy during training", ylabel="CE (train)")
    shown = [r for r in runs if r.alpha < 1]  # at alpha=1 nothing holds the PCA loss down
    viz.plot_curves({f"α={r.alpha:g}": r.history["PCA"] for r in shown}, ax=ax1,
                    title="PCA loss during training (α<1)", ylabel="PCA loss (train)")
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
