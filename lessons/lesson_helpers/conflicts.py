"""Lesson 10's figures: each method's direction as arrows, trajectories, and loss-based weights.

Each function only draws (the lesson computes and asserts every number plotted) and returns the
matplotlib Figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_directions(g1, g2, dirs, colours, theta):
    """One panel per method (several directions nearly coincide, so one picture would hide some)
    with the two task gradients in grey, and a last panel with all of them."""
    fig, axes = plt.subplots(2, 4, figsize=(13, 6.6), layout="constrained")
    lim = 1.15 * max(np.abs(np.array([g1, g2, *dirs.values()])).max(), 1e-9)
    for ax, name in zip(axes.flat, [*dirs, "all"]):
        for vec, style in ((g1, "0.45"), (g2, "0.75")):
            ax.annotate("", xy=vec, xytext=(0, 0),
                        arrowprops=dict(arrowstyle="-|>", color=style, lw=2.5))
        for other in (dirs if name == "all" else [name]):
            ax.annotate("", xy=dirs[other], xytext=(0, 0),
                        arrowprops=dict(arrowstyle="-|>", color=colours[other], lw=1.6))
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="0.9", zorder=0)
        ax.axvline(0, color="0.9", zorder=0)
        d_ = dirs.get(name)
        ax.set_title(name if d_ is None else f"{name}: g1.d {g1 @ d_:+.2f}, g2.d {g2 @ d_:+.2f}",
                     fontsize=9, color=colours.get(name, "k"))
        ax.set_xlabel("component 0")
        ax.set_ylabel("component 1")
    handles = [plt.Line2D([], [], color=c, lw=w) for c, w in (("0.45", 2.5), ("0.75", 2.5))]
    handles += [plt.Line2D([], [], color=colours[n]) for n in dirs]
    fig.legend(handles, ["g1 (task 1)", "g2 (task 2)", *dirs], loc="outside right center",
               fontsize=8)
    fig.suptitle(f"Directions d at theta = {np.round(theta, 2)} (a step is -lr d)")
    return fig


def plot_trajectories(losses_np, pareto_set, paths, shown, starts, colours):
    """Contours of the two objectives (``losses_np`` maps ``(n, 2)`` points to ``(f1, f2)``),
    the Pareto set, and ``paths[name, i]`` from each start for each method in ``shown``."""
    fig, ax = plt.subplots(figsize=(8.5, 6), layout="constrained")
    grid = np.linspace(-2, 2, 150)
    X1, X2 = np.meshgrid(grid, grid)
    F1, F2 = (v.reshape(X1.shape) for v in losses_np(np.stack([X1.ravel(), X2.ravel()], 1)))
    ax.contour(X1, X2, F1, levels=6, colors="0.6", linewidths=0.6)
    ax.contour(X1, X2, F2, levels=6, colors="0.8", linewidths=0.6, linestyles="dashed")
    ax.plot(*pareto_set.T, color="k", lw=3, alpha=0.3, label="Pareto set")
    for name in shown:
        for i in range(len(starts)):
            ax.plot(*paths[name, i].T, color=colours[name], lw=1.2,
                    label=name if i == 0 else None)
    ax.plot(*np.array(starts).T, "ko", ms=4, label="starts")
    ax.set_title("Trajectories (contours: f1 solid, f2 dashed)")
    ax.set_xlabel("theta[0]")
    ax.set_ylabel("theta[1]")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # clear of the starts
    return fig


def plot_weightings(gn_weights, dwa_weights, checks, epochs, steps_per_epoch):
    """GradNorm's weights per step, DWA's per epoch, and GradNorm's objective (``checks`` rows:
    step, with the learned weights, with w = (1, 1))."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4), layout="constrained")
    gw, dw = np.array(gn_weights), np.array(dwa_weights)
    axes[0].plot(gw[:, 0], label="w_CE (classifier)")
    axes[0].plot(gw[:, 1], label="w_MSE (decoder)")
    axes[0].set_title("GradNorm weights (alpha = 1.5, shared layer)")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("task weight (sum = 2)")
    axes[0].legend()
    axes[1].step(np.arange(epochs) * steps_per_epoch, dw[:, 0], where="post", label="w_CE")
    axes[1].step(np.arange(epochs) * steps_per_epoch, dw[:, 1], where="post", label="w_MSE")
    axes[1].set_title("DWA weights (T = 2, from epoch-mean losses)")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("task weight (sum = 2)")
    axes[1].legend()
    axes[2].semilogy(checks[:, 0], checks[:, 1], label="learned GradNorm weights")
    axes[2].semilogy(checks[:, 0], checks[:, 2], label="w = (1, 1)")
    axes[2].set_title("GradNorm's objective on the current batch")
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("sum_i |G_i - mean(G) r_i^1.5|")
    axes[2].legend()
    return fig
