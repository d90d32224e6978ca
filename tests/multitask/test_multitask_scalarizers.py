"""FixedWeights, LearnedAlpha (collapses to a vertex), UncertaintyWeighting (s* = log L)."""
import math

import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex4_1]


def _sgd(params, lr):
    for p in params:
        p.array = p.array - lr * p.grad.array
        p.grad = None


def test_fixed_weights_is_the_weighted_sum_of_gradients():
    (W, A, B), losses = two_heads()
    L = losses()
    total = mt.FixedWeights({"a": 0.3, "b": 0.7})(L)
    np.testing.assert_allclose(total.item(), 0.3 * L["a"].item() + 0.7 * L["b"].item())
    got = mg.grad(total, [W, A, B])
    ga = mg.grad(losses()["a"], [W, A, B], allow_unused=True)
    gb = mg.grad(losses()["b"], [W, A, B], allow_unused=True)
    np.testing.assert_allclose(got[0].numpy(), 0.3 * ga[0].numpy() + 0.7 * gb[0].numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(got[1].numpy(), 0.3 * ga[1].numpy(), rtol=1e-12)


def test_alpha_zero_sends_exactly_zero_gradient_from_loss_one():
    (W, A, B), losses = two_heads()
    total = mt.FixedWeights([0.0, 1.0])(losses())
    total.backward()
    assert np.all(A.grad.numpy() == 0.0)  # head a's parameters get nothing
    (gb,) = mg.grad(losses()["b"], W)
    np.testing.assert_array_equal(W.grad.numpy(), gb.numpy())


def test_fixed_weights_bad_input():
    (W, A, B), losses = two_heads()
    with pytest.raises(ValueError, match="built for 3 losses but got 2"):
        mt.FixedWeights([1, 1, 1])(losses())
    with pytest.raises(ValueError, match="keyed"):
        mt.FixedWeights({"a": 1, "c": 1})(losses())
    with pytest.raises(ValueError, match="not a finite"):
        mt.FixedWeights([1, float("nan")])


def test_learned_alpha_gradient_closed_form_and_collapse_to_a_vertex():
    la = mt.LearnedAlpha(init=0.0, dtype=mg.float64)
    L1, L2 = 2.0, 0.5
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)  # losses need a graph
    (g,) = mg.grad(la([L1 * x, L2 * x]), la.beta)
    a = la.alpha
    np.testing.assert_allclose(g.item(), a * (1 - a) * (L1 - L2), rtol=1e-14)
    alphas = []
    for _ in range(400):
        la([L1 * x, L2 * x]).backward(inputs=la.parameters())
        _sgd(la.parameters(), lr=5.0)
        alphas.append(la.alpha)
    assert all(b < a for a, b in zip(alphas, alphas[1:]))  # monotone towards the vertex
    assert alphas[-1] < 1e-3  # the larger loss is switched off
    assert la.weights[1] > 0.999


def test_uncertainty_weighting_formula_and_optimum_is_log_L():
    uw = mt.UncertaintyWeighting(2, init=0.3, dtype=mg.float64)
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    Ls = [4.0, 0.25]
    total = uw([Ls[0] * x, Ls[1] * x])
    expect = sum(0.5 * math.exp(-0.3) * L + 0.5 * 0.3 for L in Ls)
    np.testing.assert_allclose(total.item(), expect, rtol=1e-14)
    # gradient in s vanishes exactly at s* = log L
    uw.log_vars.array = np.log(np.array(Ls))
    (g,) = mg.grad(uw([Ls[0] * x, Ls[1] * x]), uw.log_vars)
    np.testing.assert_allclose(g.numpy(), [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(uw.weights, [1 / (2 * L) for L in Ls], rtol=1e-14)
    # and gradient descent from s = 0 finds it
    uw = mt.UncertaintyWeighting(2, dtype=mg.float64)
    for _ in range(300):
        uw([Ls[0] * x, Ls[1] * x]).backward(inputs=uw.parameters())
        _sgd(uw.parameters(), lr=1.0)
    np.testing.assert_allclose(uw.log_vars.detach().numpy(), np.log(Ls), atol=1e-9)


def test_uncertainty_weighting_at_equilibrium_is_the_log_loss_gradient():
    (W, A, B), losses = two_heads()
    L = losses()
    uw = mt.UncertaintyWeighting(2, dtype=mg.float64)
    uw.log_vars.array = np.log(np.array([L["a"].item(), L["b"].item()]))
    g_uw = mg.grad(uw(L), W)[0]
    L = losses()
    g_log = mg.grad(0.5 * L["a"].log() + 0.5 * L["b"].log(), W)[0]
    np.testing.assert_allclose(g_uw.numpy(), g_log.numpy(), rtol=1e-12)


def test_scalarizer_device_mismatch_is_explained():
    pytest.importorskip("array_api_strict")
    uw = mt.UncertaintyWeighting(1)
    x = mg.tensor(1.0, requires_grad=True).to("strict")
    with pytest.raises(ValueError, match="parameters are on cpu but loss 'losses.0.' is on strict"):
        uw([x * 2])
