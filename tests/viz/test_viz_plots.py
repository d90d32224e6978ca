"""The multi-loss plots: the data they draw, their labels, and their input checks."""
import numpy as np
import pytest
from matplotlib.image import AxesImage

import minigrad as mg
from minigrad import viz

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def _check_labelled(fig):
    """Every data Axes has a title and both axis labels; a legend when it has >1 line."""
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        if len(lines) > 1:
            assert ax.get_legend() is not None


def test_grad_norm_bars_per_head():
    norms = {"CE": {"trunk.W": 0.5, "trunk.b": 0.1, "head.W": 2.0},
             "PCA": {"trunk.W": 1.5, "trunk.b": 0.0, "head.W": 0.0}}
    fig = viz.plot_grad_norms(norms)
    ax = fig.axes[0]
    _check_labelled(fig)
    assert ax.get_legend() is not None
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CE", "PCA"]
    for container, head in zip(ax.containers, norms):
        heights = [bar.get_height() for bar in container]
        assert heights == list(norms[head].values())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["trunk.W", "trunk.b", "head.W"]
    assert [t.get_text() for t in ax.texts] == ["0", "0"]  # PCA sends exactly zero to two
    # lists with layer names work too; a mismatch is explained
    fig = viz.plot_grad_norms({"a": [1.0, 2.0]}, layers=["x", "y"], log=True)
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="2 norms per head but 3 layer names"):
        viz.plot_grad_norms({"a": [1.0, 2.0]}, layers=["x", "y", "z"])
    with pytest.raises(TypeError, match="plot_grad_norms"):
        viz.plot_grad_norms([1.0, 2.0])


def test_plots_from_head_grads():
    from minigrad.multitask import head_grads

    mg.manual_seed(0)
    X = mg.randn(16, 4)
    W = mg.randn(4, 3).requires_grad_()
    A = mg.randn(3, 2).requires_grad_()
    B = mg.randn(3, 2).requires_grad_()
    h = (X @ W).tanh()
    losses = {"up": ((h @ A) ** 2).mean(), "down": -((h @ B) ** 2).mean()}
    hg = head_grads(losses, {"W": W, "A": A, "B": B})
    fig = viz.plot_grad_norms(hg)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["W", "A", "B"]
    for container, name in zip(ax.containers, ["up", "down"]):
        expect = [hg.norms[name].per_param[p] for p in ["W", "A", "B"]]
        np.testing.assert_allclose([b.get_height() for b in container], expect)
    fig = viz.plot_cosine(hg)
    (im,) = [a for a in fig.axes[0].get_children() if isinstance(a, AxesImage)]
    np.testing.assert_allclose(np.ma.filled(im.get_array(), np.nan), hg.cosine.numpy())
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["up", "down"]


def test_cosine_heatmap_values_and_nan():
    c = np.array([[1.0, -0.5, np.nan], [-0.5, 1.0, np.nan], [np.nan, np.nan, np.nan]])
    fig = viz.plot_cosine(c, ["CE", "PCA", "dead"])
    _check_labelled(fig)
    ax = fig.axes[0]
    (im,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    np.testing.assert_array_equal(np.ma.filled(im.get_array(), np.nan), c)
    cells = [t.get_text() for t in ax.texts]
    assert cells.count("n/a") == 5 and "-0.50" in cells and cells.count("1.00") == 2
    assert im.get_clim() == (-1, 1)
    assert any(a.get_label() == "<colorbar>" for a in fig.axes)
    with pytest.raises(ValueError, match="square"):
        viz.plot_cosine(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 names"):
        viz.plot_cosine(np.eye(3), ["a", "b"])


def test_training_curves_and_weight_trajectories():
    hist = {"CE": [2.0, 1.0, 0.5], "PCA": [0.3, 0.2, 0.25]}
    fig = viz.plot_curves(hist, logy=True)
    _check_labelled(fig)
    ax = fig.axes[0]
    assert [list(ln.get_ydata()) for ln in ax.get_lines()] == list(hist.values())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CE", "PCA"]
    assert ax.get_yscale() == "log"
    single = viz.plot_curves([3.0, 2.0, 1.0], title="one", ylabel="mse")
    assert single.axes[0].get_legend() is None and single.axes[0].get_title() == "one"
    traj = np.array([[0.5, 0.5], [0.6, 0.4], [0.8, 0.2]])
    fig = viz.plot_weights(traj, ["CE", "PCA"], x=[10, 20, 30])
    _check_labelled(fig)
    lines = fig.axes[0].get_lines()
    assert list(lines[0].get_xdata()) == [10, 20, 30]
    np.testing.assert_array_equal(lines[1].get_ydata(), traj[:, 1])
    with pytest.raises(ValueError, match="2 series but 3 names"):
        viz.plot_weights(traj, ["a", "b", "c"])


def test_pareto_front_marks_exactly_the_non_dominated_points():
    # (1,5) (2,3) (4,1) are the front; (3,4) is beaten by (2,3); (5,5) by everyone; (2,6) by (1,5)
    pts = [(1, 5), (3, 4), (2, 3), (5, 5), (4, 1), (2, 6)]
    fig = viz.plot_pareto(pts, labels=list("abcdef"), names=("CE", "PCA loss"))
    _check_labelled(fig)
    assert sorted(fig.pareto_indices) == [0, 2, 4]
    ax = fig.axes[0]
    (front,) = [ln for ln in ax.get_lines() if ln.get_label() == "Pareto front"]
    assert list(zip(front.get_xdata(), front.get_ydata())) == [(1, 5), (2, 3), (4, 1)]
    dominated = ax.collections[0].get_offsets()
    assert sorted(map(tuple, np.asarray(dominated))) == [(2, 6), (3, 4), (5, 5)]
    assert [t.get_text() for t in ax.texts] == list("abcdef")
    assert ax.get_xlabel().startswith("CE") and ax.get_ylabel().startswith("PCA loss")
    # larger-is-better axes flip which points dominate
    fig = viz.plot_pareto(pts, maximize=(True, True))
    assert sorted(fig.pareto_indices) == [3, 5]
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        viz.plot_pareto([1, 2, 3])


def test_pareto_from_alpha_sweep():
    from minigrad.multitask import alpha_sweep

    # a convex trade-off: alpha moves the optimum of alpha*(w-1)^2 + (1-alpha)*(w+1)^2
    def train(alpha):
        w = 2 * alpha - 1  # its closed-form minimiser
        return (w - 1) ** 2, (w + 1) ** 2, alpha

    sweep = alpha_sweep(train, [0.0, 0.25, 0.5, 0.75, 1.0], progress=False)
    fig = viz.plot_pareto(sweep)
    assert sorted(fig.pareto_indices) == [0, 1, 2, 3, 4]  # every alpha is Pareto-optimal here
    assert [t.get_text() for t in fig.axes[0].texts] == ["α=0", "α=0.25", "α=0.5", "α=0.75",
                                                         "α=1"]
