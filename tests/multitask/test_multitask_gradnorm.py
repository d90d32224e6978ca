"""GradNorm: the weight gradient by hand, and the double-backward and analytic forms agree."""
import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def test_gradnorm_weight_gradient_by_hand_on_linear_losses():
    # L_i = c_i (W . v_i): grad_W L_i = c_i v_i, so n_i = c_i |v_i|, known in closed form
    W = mg.tensor([1.0, 2.0, 0.5], dtype=mg.float64, requires_grad=True)
    v1, v2 = np.array([1.0, 0.0, 2.0]), np.array([0.0, 3.0, 0.0])

    def losses(c1, c2):
        return [c1 * (W * mg.tensor(v1, dtype=mg.float64)).sum(),
                c2 * (W * mg.tensor(v2, dtype=mg.float64)).sum()]

    for analytic in (False, True):
        gn = mt.GradNorm([W], alpha=1.5, analytic=analytic, dtype=mg.float64)
        gn(losses(1.0, 1.0))  # records L(0) = (2, 6); r = 1, so target = mean G
        gn.w.grad = None
        gn.w.array = np.array([0.8, 1.2])
        L = losses(0.5, 2.0)  # L = (1, 12): L/L0 = (0.5, 2), r = (0.4, 1.6)
        total = gn(L)
        n = np.array([0.5 * np.linalg.norm(v1), 2.0 * np.linalg.norm(v2)])
        G = np.array([0.8, 1.2]) * n
        r = np.array([0.5, 2.0]) / 1.25
        target = G.mean() * r ** 1.5
        np.testing.assert_allclose(gn.w.grad.numpy(), np.sign(G - target) * n, rtol=1e-12)
        np.testing.assert_allclose(gn.last_grad_loss, np.abs(G - target).sum(), rtol=1e-12)
        np.testing.assert_allclose(total.item(), 0.8 * 1.0 + 1.2 * 12.0, rtol=1e-14)
        assert mg.grad(total, gn.w, allow_unused=True) == (None,)  # w is constant for the model


def test_double_backward_and_analytic_forms_agree_on_a_two_head_network():
    (W, A, B), losses = two_heads()
    grads = []
    for analytic in (False, True):
        gn = mt.GradNorm([W], alpha=0.7, analytic=analytic, dtype=mg.float64)
        gn.initial_losses = [2.0, 3.0]
        gn.w.array = np.array([0.7, 1.3])
        gn(losses())
        grads.append(gn.w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    assert np.all(grads[0] != 0)


def test_gradnorm_update_renormalises_and_trains_the_model_with_constant_weights():
    (W, A, B), losses = two_heads()
    gn = mt.GradNorm({"W": W}, dtype=mg.float64)
    total = gn(losses())
    total.backward()  # the graph was kept for this
    assert W.grad is not None and A.grad is not None
    gn.w.array = np.array([0.5, 2.5])
    gn.update()
    np.testing.assert_allclose(gn.weights, [2 * 0.5 / 3, 2 * 2.5 / 3])
    with pytest.raises(ValueError, match="built for 2 losses but got 1"):
        gn([losses()["a"]])
