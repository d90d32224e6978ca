"""Toy data sets: shapes, labels, geometry, seeds."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import make_blobs, make_moons, make_regression


def test_moons_geometry_and_labels():
    X, y = make_moons(101, seed=0)
    assert X.shape == (101, 2) and X.dtype == mg.float32 and y.dtype == mg.int64
    x, lab = X.numpy().astype(np.float64), y.numpy()
    assert (lab == 0).sum() == 50 and (lab == 1).sum() == 51
    np.testing.assert_allclose(np.hypot(*x[lab == 0].T), 1.0, rtol=1e-6)  # upper unit arc
    np.testing.assert_allclose(np.hypot(x[lab == 1, 0] - 1, x[lab == 1, 1] - 0.5), 1.0,
                               rtol=1e-6)
    assert (x[lab == 0, 1] >= -1e-7).all() and (x[lab == 1, 1] <= 0.5 + 1e-7).all()


def test_moons_noise_and_seed():
    a = make_moons(50, noise=0.1, seed=1)[0].numpy()
    np.testing.assert_array_equal(make_moons(50, noise=0.1, seed=1)[0].numpy(), a)
    assert not np.array_equal(make_moons(50, noise=0.1, seed=2)[0].numpy(), a)
    clean = make_moons(50, seed=1, shuffle=False)[0].numpy()
    assert not np.allclose(np.sort(a, 0), np.sort(clean, 0))


def test_blobs_cluster_around_their_centres():
    X, y, c = make_blobs(300, n_features=3, centers=4, cluster_std=0.5, seed=0,
                         return_centers=True)
    assert X.shape == (300, 3) and c.shape == (4, 3)
    assert np.bincount(y.numpy()).tolist() == [75, 75, 75, 75]
    for k in range(4):
        pts = X.numpy()[y.numpy() == k]
        np.testing.assert_allclose(pts.mean(0), c.numpy()[k], atol=0.2)
        assert np.abs(pts.std(0) - 0.5).max() < 0.15
    X2, y2 = make_blobs(10, centers=[[0.0, 0.0], [5.0, 5.0], [9.0, 0.0]], seed=0)
    assert np.bincount(y2.numpy()).tolist() == [4, 3, 3]
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=[1.0, 2.0])


def test_regression_is_linear_without_noise():
    X, y, w = make_regression(50, n_features=4, n_informative=2, bias=3.0, coef=True, seed=0,
                              dtype=mg.float64)
    np.testing.assert_allclose(y.numpy(), X.numpy() @ w.numpy() + 3.0, rtol=1e-12)
    assert (w.numpy() != 0).sum() == 2 and (w.numpy() >= 0).all()
    Xn, yn = make_regression(2000, n_features=2, noise=2.0, seed=0, dtype=mg.float64)
    Xm, ym, wm = make_regression(2000, n_features=2, coef=True, seed=0, dtype=mg.float64)
    assert abs((yn.numpy() - ym.numpy()).std() - 2.0) < 0.15
    Y = make_regression(10, n_targets=3, seed=0)[1]
    assert Y.shape == (10, 3)
