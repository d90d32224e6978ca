"""The worked example: Oja's subspace direction swapped in for the PCA loss's gradient, four ways,
inside a model with a cross-entropy head (see oja_pca_example.py)."""
import itertools

import numpy as np
import pytest
from oja_pca_example import WAYS, make_problem, model_grads

import minigrad as mg
from minigrad.ops.pca import oja_direction, oja_rule, pca_loss

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_2]

ALPHA = 0.3


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


def oja_np(W, S):
    return -(S @ W - W @ (W.T @ S @ W))  # the override's direction, as in the issue


@pytest.fixture(scope="module")
def problem():
    return make_problem(seed=0)


@pytest.mark.parametrize("S_in_graph", [True, False], ids=["S-in-graph", "S-constant"])
@pytest.mark.parametrize("way", sorted(WAYS))
def test_only_the_pca_share_of_W_grad_changes(problem, way, S_in_graph):
    X, _, W, _ = problem
    S = np.cov(X, rowvar=False)
    plain = model_grads(pca_loss, problem, ALPHA, S_in_graph)
    swapped = model_grads(WAYS[way], problem, ALPHA, S_in_graph)
    np.testing.assert_array_equal(swapped["V"], plain["V"])  # the CE head is untouched
    change = ALPHA * (oja_np(W, S) - (-(S + S.T) @ W))  # PCA share: Oja in, gradient out
    np.testing.assert_allclose(swapped["W"] - plain["W"], change, rtol=0, atol=1e-12)
    assert np.abs(change).max() > 0.1  # and the change is not negligible


def test_the_four_ways_agree_to_1e_12(problem):
    grads = {name: model_grads(fn, problem, ALPHA, S_in_graph=True, x_requires_grad=True)
             for name, fn in WAYS.items()}
    for a, b in itertools.combinations(sorted(grads), 2):
        for leaf in ("W", "V", "X"):  # X: S's gradient (-g W Wᵀ) is kept by every way
            np.testing.assert_allclose(grads[a][leaf], grads[b][leaf], rtol=0, atol=1e-12,
                                       err_msg=f"{a} vs {b}, {leaf}.grad")


def test_scoped_swap_covers_only_the_pca_call(problem):
    X, y, Wa, Va = problem
    W, V = f64(Wa), f64(Va)
    with mg.override_gradient(pca_loss, oja_rule):
        pca = pca_loss(W, f64(np.cov(X, rowvar=False), rg=False))
    later = pca_loss(W, f64(np.cov(X, rowvar=False), rg=False))  # outside: plain gradient
    assert pca.grad_fn.custom_rule is oja_rule and later.grad_fn.custom_rule is None
    assert V.grad is None


def test_one_sgd_step_on_the_pca_loss_is_oja_update():
    rng = np.random.default_rng(11)
    A = rng.standard_normal((6, 6))
    S, Wa, lr = A @ A.T / 6, np.linalg.qr(rng.standard_normal((6, 2)))[0], 0.05
    W = f64(Wa)
    with mg.override_gradient(pca_loss, oja_rule):
        loss = pca_loss(W, f64(S, rg=False))
    loss.backward()
    stepped = Wa - lr * W.grad.numpy()
    oja = Wa + lr * (S @ Wa - Wa @ (Wa.T @ S @ Wa))  # Oja (1989), expected form
    np.testing.assert_allclose(stepped, oja, rtol=0, atol=1e-14)


def test_oja_sgd_finds_the_top_subspace_while_the_gradient_diverges():
    rng = np.random.default_rng(2)
    Q = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    S = Q @ np.diag([5.0, 3.0, 1.0, 0.5, 0.2]) @ Q.T
    St = f64(S, rg=False)
    W0 = 0.3 * rng.standard_normal((5, 2))
    lr = 0.05

    def run(rule, steps):
        W = f64(W0)
        for _ in range(steps):
            with mg.override_gradient(pca_loss, rule):
                pca_loss(W, St).backward()
            W.array = W.array - lr * W.grad.array
            W.grad = None
        return W.detach().numpy()

    W = run(oja_rule, 300)
    top = Q[:, :2]
    np.testing.assert_allclose(W.T @ W, np.eye(2), atol=1e-8)  # orthonormal columns
    np.testing.assert_allclose(W @ W.T, top @ top.T, atol=1e-8)  # spanning the top-2 subspace
    W_plain = run(None, 40)  # the true gradient of the unbounded loss: W grows without limit
    assert np.linalg.norm(W_plain) > 100 * np.linalg.norm(W0)


def test_oja_field_is_not_a_gradient():
    """Its Jacobian is not symmetric, so no loss has it as gradient (hence an override)."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((4, 4))
    S, Wa, eps = A @ A.T, rng.standard_normal((4, 2)), 1e-6

    def field(w):
        return oja_direction(f64(w.reshape(4, 2), rg=False), f64(S, rg=False)).numpy().ravel()

    J = np.stack([(field(Wa.ravel() + eps * e) - field(Wa.ravel() - eps * e)) / (2 * eps)
                  for e in np.eye(8)], axis=1)
    assert np.abs(J - J.T).max() > 1e-2 * np.abs(J).max()
    np.testing.assert_allclose(field(Wa.ravel()), oja_np(Wa, S).ravel(), rtol=1e-13, atol=1e-13)
