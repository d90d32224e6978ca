"""Lesson 3's figures: two quadratics' Pareto set and front, alpha vs lambda, ridge, held-out data.

Each function only draws (the lesson computes every number it plots and asserts on it), and
returns the matplotlib Figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

LEVELS = [0.25, 1, 2.5, 5]


def _contours(ax, grid, lw):
    g1, g2, l1g, l2g = grid
    ax.contour(g1, g2, l1g, levels=LEVELS, colors="#1f77b4", linewidths=lw)
    ax.contour(g1, g2, l2g, levels=LEVELS, colors="#ff7f0e", linewidths=lw)


def loss_grid(losses_np, lo=-1.5, hi=3.0, n=120):
    """``(g1, g2, L1 on the grid, L2 on the grid)`` for contour plots; ``losses_np`` maps an
    ``(m, 2)`` array of thetas to the two losses' ``(m,)`` values."""
    g1, g2 = np.meshgrid(np.linspace(lo, hi, n), np.linspace(lo, hi, n))
    l1g, l2g = (v.reshape(g1.shape) for v in losses_np(np.stack([g1.ravel(), g2.ravel()], 1)))
    return g1, g2, l1g, l2g


def plot_quadratic_front(grid, pareto_set, front, found, a, b, cloud_losses, marked):
    """Parameter space (contours, Pareto set, GD results, the two minimisers) and loss space
    (random points, the front, the points ``marked``: {alpha: (L1, L2)})."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained")
    ax = axes[0]
    _contours(ax, grid, 0.8)
    ax.plot(pareto_set[:, 0], pareto_set[:, 1], "k-", lw=2, label="Pareto set theta*(alpha)")
    ax.plot(*np.array(list(found.values())).T, "o", color="C2", label="GD result, alpha=0.1..0.9")
    ax.plot(*a, "s", color="#1f77b4", label="a: minimiser of L1 (alpha=1)")
    ax.plot(*b, "s", color="#ff7f0e", label="b: minimiser of L2 (alpha=0)")
    ax.set_title("Parameter space: contours of L1 (blue) and L2 (orange)")
    ax.set_xlabel("theta[0]")
    ax.set_ylabel("theta[1]")
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1]
    ax.scatter(*cloud_losses, s=2, color="0.8", label="random theta (all dominated)")
    ax.plot(*front, "k-", lw=2, label="Pareto front")
    for al, (p1, p2) in marked.items():
        ax.plot(p1, p2, "o", color="C2")
        ax.annotate(f"alpha={al}", (p1, p2), textcoords="offset points", xytext=(6, 4),
                    fontsize=8)
    ax.set_xlim(0, 6)
    ax.set_ylim(0, 6)
    ax.set_title("Loss space: each alpha picks one point of the front")
    ax.set_xlabel("L1")
    ax.set_ylabel("L2")
    ax.legend(fontsize=8)
    return fig


def alpha_point_figure(alpha, theta, l1, l2, grid, pareto_set, front):
    """The slider's figure: where theta*(alpha) sits, and which point of the front it picks.
    A bare ``Figure`` (not pyplot's), so that redrawing under a slider leaves nothing open."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax0, ax1 = fig.subplots(1, 2)
    _contours(ax0, grid, 0.8)
    ax0.plot(pareto_set[:, 0], pareto_set[:, 1], "k-", lw=1.5, label="Pareto set")
    ax0.plot(*theta, "o", color="C3", ms=9, label=f"theta*({alpha:.2f})")
    ax0.set_title(f"alpha = {alpha:.2f}: the optimum in parameter space")
    ax0.set_xlabel("theta[0]")
    ax0.set_ylabel("theta[1]")
    ax0.legend(fontsize=8, loc="lower left")
    ax1.plot(*front, "k-", lw=1.5, label="Pareto front")
    ax1.plot([l1], [l2], "o", color="C3", ms=9, label=f"L1 = {l1:.3f}, L2 = {l2:.3f}")
    ax1.set_xlim(0, 6)
    ax1.set_ylim(0, 6)
    ax1.set_title("... and the point of the front it picks")
    ax1.set_xlabel("L1")
    ax1.set_ylabel("L2")
    ax1.legend(fontsize=8)
    return fig


def plot_alpha_vs_lambda(alpha, lam, eta, paths, target):
    """The map lambda = (1-alpha)/alpha, and the distance to ``target`` along the three GD
    ``paths`` (lambda form at lr eta, alpha form at lr eta/alpha, alpha form at lr eta)."""
    path_lam, path_alpha, path_same_lr = paths
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax = axes[0]
    al = np.linspace(0.02, 0.98, 200)
    ax.semilogy(al, (1 - al) / al, label="lambda = (1 - alpha) / alpha")
    ax.axvline(0.5, color="0.6", ls=":", label="alpha = 0.5  <->  lambda = 1")
    ax.set_title("The map between alpha and lambda")
    ax.set_xlabel("alpha (weight of L1 in alpha*L1 + (1-alpha)*L2)")
    ax.set_ylabel("lambda (weight of L2 in L1 + lambda*L2)")
    ax.legend()
    ax = axes[1]
    def dist(p):
        return np.linalg.norm(p - target, axis=1)
    ax.semilogy(dist(path_lam), "-", lw=3, alpha=0.5, label=f"L1 + {lam:g}*L2, lr {eta}")
    ax.semilogy(dist(path_alpha), "k--", label=f"{alpha}*L1 + {1 - alpha:g}*L2, lr {eta / alpha:g}")
    ax.semilogy(dist(path_same_lr), "-", label=f"{alpha}*L1 + {1 - alpha:g}*L2, lr {eta}")
    ax.set_title("Same minimiser; the alpha form needs lr / alpha")
    ax.set_xlabel("GD step")
    ax.set_ylabel("distance to theta*(alpha)")
    ax.legend(fontsize=8)
    return fig


def plot_ridge(fit, size, marked, lams, W, w_true):
    """The ridge front (fit vs size, with ``marked``: {lambda: (fit, size)}) and the weights
    along lambda."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax = axes[0]
    ax.plot(fit, size, "k-", label="ridge front, lambda from 1e-3 to 100")
    for lm, (f, s) in marked.items():
        ax.plot(f, s, "o", label=f"lambda={lm:g}  (alpha={1 / (1 + lm):.3f})")
    ax.set_title("Regularisation as a second loss: the ridge front")
    ax.set_xlabel("L1 = mean squared error")
    ax.set_ylabel("L2 = ||w||^2")
    ax.legend(fontsize=8)
    ax = axes[1]
    for j in range(W.shape[1]):
        ax.semilogx(lams, W[:, j], label=f"w[{j}] (true {w_true[j]:g})")
    ax.set_title("The optimum moves as lambda (or alpha) moves")
    ax.set_xlabel("lambda = (1 - alpha) / alpha")
    ax.set_ylabel("ridge weight")
    ax.legend(fontsize=8)
    return fig


def plot_held_out(lam_grid, train_mse, fresh_mse, best_lam, n_train, n_fresh):
    """Training and held-out MSE along lambda, with the held-out optimum marked."""
    fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
    ax.loglog(lam_grid, train_mse, label=f"training MSE ({n_train} points)")
    ax.loglog(lam_grid, fresh_mse, label=f"held-out MSE ({n_fresh} fresh points)")
    ax.axvline(best_lam, color="k", ls=":", label=f"best on held-out data, lambda = {best_lam:.2g}")
    ax.set_title("Regularisation judged on held-out data")
    ax.set_xlabel("lambda = (1 - alpha) / alpha")
    ax.set_ylabel("mean squared error")
    ax.legend(fontsize=8)
    return fig
