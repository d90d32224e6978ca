"""aggregate (parameter space) and aggregate_rep (representation space, MGDA-UB)."""
import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def test_aggregate_writes_direction_into_shared_and_own_gradients_into_heads():
    (W, A, B), losses = two_heads()
    J = mt.jacobian(losses(), [W])
    w = mt.MGDA().weights_for(J).numpy()
    ga = mg.grad(losses()["a"], [W, A])
    gb = mg.grad(losses()["b"], [W, B])
    res = mt.aggregate(losses(), [W], [A, B], mt.MGDA())
    np.testing.assert_allclose(W.grad.numpy(), w[0] * ga[0].numpy() + w[1] * gb[0].numpy(),
                               rtol=1e-12)
    np.testing.assert_array_equal(A.grad.numpy(), ga[1].numpy())  # unweighted, own loss only
    np.testing.assert_array_equal(B.grad.numpy(), gb[1].numpy())
    assert res.weights == pytest.approx({"a": w[0], "b": w[1]}, abs=1e-15)
    assert res.jacobian.shape == (2, W.numel())
    # it accumulates, like backward
    mt.aggregate(losses(), [W], [A, B], mt.MGDA())
    np.testing.assert_allclose(A.grad.numpy(), 2 * ga[1].numpy(), rtol=1e-14)


def test_aggregate_with_the_sum_equals_backward_of_the_summed_loss():
    (W, A, B), losses = two_heads()
    mt.aggregate(losses(), {"W": W}, {"A": A, "B": B}, lambda J: J.sum(0))
    got = [p.grad.numpy() for p in (W, A, B)]
    for p in (W, A, B):
        p.grad = None
    L = losses()
    (L["a"] + L["b"]).backward()
    for g, p in zip(got, (W, A, B)):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12)


def test_aggregate_bad_input_is_named():
    (W, A, B), losses = two_heads()
    with pytest.raises(ValueError, match="'A' is in both shared_params and head_params"):
        mt.aggregate(losses(), {"W": W, "A": A}, {"A": A}, mt.MGDA())
    with pytest.raises(ValueError, match="head parameter 'W' is reached by losses 'a', 'b'"):
        mt.aggregate(losses(), {"A": A}, {"W": W, "B": B}, mt.MGDA())
    with pytest.raises(ValueError, match="expected shape"):
        mt.aggregate(losses(), [W], [A, B], lambda J: J)
    C = mg.zeros(2, dtype=mg.float64, requires_grad=True)
    C.name = "C"
    with pytest.raises(ValueError, match="'C' is not reached"):
        mt.aggregate(losses(), [W, C], [A, B], mt.UPGrad())


def test_aggregate_rep_is_mgda_on_the_representation_then_one_trunk_pass():
    mg.manual_seed(1)
    X = mg.randn(6, 3, dtype=mg.float64)
    ya, yb = mg.randn(6, 1, dtype=mg.float64), mg.randn(6, 1, dtype=mg.float64)
    W = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    A = mg.randn(4, 1, dtype=mg.float64, requires_grad=True)
    B = mg.randn(4, 1, dtype=mg.float64, requires_grad=True)

    def forward():
        z = (X @ W).tanh()
        return z, {"a": ((z @ A - ya) ** 2).mean(), "b": ((z @ B - yb) ** 2).mean()}

    # by hand: gradients w.r.t. z, the two-task MGDA closed form, then z's VJP into W
    z, L = forward()
    za, = mg.grad(L["a"], z, retain_graph=True)
    zb, = mg.grad(L["b"], z, retain_graph=True)
    g1, g2 = za.numpy().ravel(), zb.numpy().ravel()
    gamma = np.clip((g2 @ g2 - g1 @ g2) / ((g1 - g2) @ (g1 - g2)), 0, 1)
    dz = mg.tensor(gamma * za.numpy() + (1 - gamma) * zb.numpy(), dtype=mg.float64)
    (expect_W,) = mg.grad(z, W, grad_outputs=dz)

    z, L = forward()
    res = mt.aggregate_rep(L, z, [W], [A, B], mt.MGDA())
    assert res.jacobian.shape == (2, z.numel())
    np.testing.assert_allclose(res.weights["a"], gamma, atol=1e-14)
    np.testing.assert_allclose(W.grad.numpy(), expect_W.numpy(), rtol=1e-12)
    z, L = forward()
    (ga,) = mg.grad(L["a"], A)
    np.testing.assert_array_equal(A.grad.numpy(), ga.numpy())


def test_aggregate_rep_rejects_a_representation_without_graph():
    (W, A, B), losses = two_heads()
    with pytest.raises(ValueError, match="shared representation"):
        mt.aggregate_rep(losses(), mg.zeros(3), [W], [A, B], mt.MGDA())


def test_mgda_ub_is_aggregate_rep_with_mgda():
    (W, A, B), _ = two_heads()
    X = mg.randn(5, 3, dtype=mg.float64)

    def forward():
        z = (X @ W).tanh()
        return z, {"a": (z @ A).sum(), "b": ((z @ B) ** 2).mean()}

    z, L = forward()
    mt.mgda_ub(L, z, [W], [A, B])
    first = W.grad.numpy().copy()
    W.grad = None
    z, L = forward()
    mt.aggregate_rep(L, z, [W], [A, B], mt.MGDA())
    np.testing.assert_array_equal(W.grad.numpy(), first)
