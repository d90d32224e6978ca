"""ADMM reaches the joint minimiser on a convex toy; alternation ends in a computable bias."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def _ridge():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 3))
    y = rng.standard_normal(8)
    lam = 0.7
    At, yt = mg.tensor(A, dtype=mg.float64), mg.tensor(y, dtype=mg.float64)
    f = lambda x: 0.5 * ((At @ x - yt) ** 2).sum()  # noqa: E731
    g = lambda z: 0.5 * lam * (z ** 2).sum()  # noqa: E731
    joint = np.linalg.solve(A.T @ A + lam * np.eye(3), A.T @ y)
    return A, y, lam, f, g, joint


def test_admm_with_exact_proxes_converges_to_the_joint_minimiser():
    A, y, lam, f, g, joint = _ridge()
    rho = 1.0
    M = np.linalg.inv(A.T @ A + rho * np.eye(3))
    prox_f = lambda v: mg.tensor(M @ (A.T @ y + rho * v.numpy()), dtype=mg.float64)  # noqa
    prox_g = lambda v: v * (rho / (lam + rho))  # noqa: E731
    res = mt.admm(f, g, mg.zeros(3, dtype=mg.float64), rho=rho, steps=500, prox_f=prox_f,
                  prox_g=prox_g, tol=1e-13)
    np.testing.assert_allclose(res.x.numpy(), joint, atol=1e-10)
    np.testing.assert_allclose(res.z.numpy(), joint, atol=1e-10)
    assert res.primal_residuals[-1] <= 1e-13
    # the dual variable is the multiplier of x = z: rho u = grad g(z*) = lam z*
    np.testing.assert_allclose(rho * res.u.numpy(), lam * joint, atol=1e-9)


def test_admm_with_gradient_proxes_gets_close():
    A, y, lam, f, g, joint = _ridge()
    L = np.linalg.eigvalsh(A.T @ A).max()  # f is L-smooth: inner steps of 1 / (L + rho)
    res = mt.admm(f, g, mg.zeros(3, dtype=mg.float64), rho=2.0, steps=30, inner_steps=10,
                  lr=1 / (L + 2.0))
    np.testing.assert_allclose(res.x.numpy(), joint, atol=1e-5)
    assert res.primal_residuals[-1] < 1e-5 and res.dual_residuals[-1] < 1e-5


def test_alternating_steps_end_in_a_biased_limit_cycle():
    a, b, eta = np.array([1.0, -2.0]), np.array([3.0, 0.5]), 0.4
    fa = lambda x: 0.5 * ((x - mg.tensor(a, dtype=mg.float64)) ** 2).sum()  # noqa: E731
    fb = lambda x: 0.5 * ((x - mg.tensor(b, dtype=mg.float64)) ** 2).sum()  # noqa: E731
    path = mt.alternate([fa, fb], mg.zeros(2, dtype=mg.float64), lr=eta, steps=200)
    # fixed point of x -> (1-eta)((1-eta) x + eta a) + eta b
    limit = ((1 - eta) * a + b) / (2 - eta)
    np.testing.assert_allclose(path[-1].numpy(), limit, atol=1e-12)
    assert np.linalg.norm(limit - (a + b) / 2) > 0.1  # not the minimiser of the sum
