"""The PCA loss ``-trace(Wᵀ S W)`` as one op: value, closed-form gradients, primitives, errors."""
import numpy as np
import pytest
from oja_pca_example import covariance

import minigrad as mg
from minigrad.ops.pca import PCALoss, pca_loss
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


@pytest.fixture
def WS():
    rng = np.random.default_rng(7)
    return rng.standard_normal((5, 2)), rng.standard_normal((5, 5))  # S not symmetric on purpose


def test_value_and_closed_form_gradients(WS):
    Wa, Sa = WS
    W, S = f64(Wa), f64(Sa)
    loss = pca_loss(W, S)
    assert loss.grad_fn.fn is PCALoss and loss.shape == ()
    np.testing.assert_allclose(loss.item(), -np.trace(Wa.T @ Sa @ Wa), rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(W.grad.numpy(), -(Sa + Sa.T) @ Wa, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(S.grad.numpy(), -Wa @ Wa.T, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("compose", [
    lambda W, S: -mg.trace(W.T @ S @ W),
    lambda W, S: -(W * (S @ W)).sum(),
], ids=["trace", "elementwise"])
def test_matches_the_loss_composed_from_primitives(WS, compose):
    Wa, Sa = WS
    W1, S1, W2, S2 = f64(Wa), f64(Sa), f64(Wa), f64(Sa)
    a, b = pca_loss(W1, S1), compose(W2, S2)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-13)
    a.backward()
    b.backward()
    np.testing.assert_allclose(W1.grad.numpy(), W2.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(S1.grad.numpy(), S2.grad.numpy(), rtol=1e-13, atol=1e-14)


def test_covariance_built_in_the_graph_passes_gradient_to_the_data():
    rng = np.random.default_rng(3)
    Xa, Wa = rng.standard_normal((12, 4)), rng.standard_normal((4, 2))
    X1, W1, X2, W2 = f64(Xa), f64(Wa), f64(Xa), f64(Wa)
    pca_loss(W1, covariance(X1)).backward()
    S2 = covariance(X2)
    (-mg.trace(W2.T @ S2 @ W2)).backward()
    np.testing.assert_allclose(covariance(f64(Xa, rg=False)).numpy(), np.cov(Xa, rowvar=False),
                               rtol=1e-13)
    np.testing.assert_allclose(X1.grad.numpy(), X2.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(W1.grad.numpy(), W2.grad.numpy(), rtol=1e-12, atol=1e-14)
    # closed form for a symmetric S: dL/dW = -2 S W
    np.testing.assert_allclose(W1.grad.numpy(), -2 * np.cov(Xa, rowvar=False) @ Wa, rtol=1e-12)


def test_gradcheck_and_gradgradcheck(WS):
    Wa, Sa = WS
    assert gradcheck(pca_loss, (f64(Wa), f64(Sa)))
    assert gradgradcheck(pca_loss, (f64(Wa), f64(Sa)))
    assert gradcheck(lambda W, X: pca_loss(W, covariance(X)),
                     (f64(Wa), f64(np.random.default_rng(1).standard_normal((8, 5)))))


def test_linear_weight_convention():
    rng = np.random.default_rng(5)
    Wl, Sa = rng.standard_normal((2, 4)), rng.standard_normal((4, 4))  # nn.Linear: (out, in)
    loss = pca_loss(f64(Wl).T, f64(Sa))
    np.testing.assert_allclose(loss.item(), -np.trace(Wl @ Sa @ Wl.T), rtol=1e-14)


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match=r"pca_loss.*W \(2, 4\).*S \(4, 4\).*weight.T"):
        pca_loss(mg.zeros(2, 4), mg.zeros(4, 4))
    with pytest.raises(ValueError, match=r"pca_loss.*S \(3, 4\)"):
        pca_loss(mg.zeros(4, 2), mg.zeros(3, 4))
    with pytest.raises(TypeError, match=r"pca_loss: W is float32 but S is float64"):
        pca_loss(mg.zeros(4, 2), mg.zeros(4, 4, dtype=mg.float64))
