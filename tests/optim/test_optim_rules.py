"""Each optimizer, step by step, against closed-form values on tiny problems.

Two kinds of problems have closed forms: a constant gradient g (the loss g * theta), where
Adam's bias-corrected moments are exactly g and g**2, and the quadratic theta**2 / 2, where plain
gradient descent contracts geometrically. Where no closed form is short (momentum, weight decay,
centered RMSprop), a few steps are written out by hand in scalar arithmetic from PyTorch's
published pseudo-code.
"""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_4,
              pytest.mark.ex3_5]


def param(*values):
    return mg.tensor(list(values), dtype=mg.float64, requires_grad=True)


def run(opt, p, grad_fn, steps):
    """Take ``steps`` steps with gradient ``grad_fn(theta)``; return the theta after each."""
    out = []
    for _ in range(steps):
        p.grad = mg.tensor(grad_fn(p.detach().numpy()), dtype=mg.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


# ----------------------------------------------------------------------------- SGD
def test_sgd_on_a_quadratic_contracts_geometrically():
    p = param(2.0, -1.0)
    traj = run(optim.SGD([p], lr=0.1), p, lambda th: th, 5)
    for t in range(5):
        np.testing.assert_allclose(traj[t], 0.9 ** (t + 1) * np.array([2.0, -1.0]), rtol=1e-14)


def test_sgd_default_lr_and_maximize():
    p = param(1.0)
    opt = optim.SGD([p])
    assert opt.defaults["lr"] == 1e-3
    run(opt, p, lambda th: np.array([2.0]), 1)
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 2e-3])
    q = param(1.0)
    run(optim.SGD([q], lr=0.5, maximize=True), q, lambda th: np.array([2.0]), 1)
    np.testing.assert_allclose(q.detach().numpy(), [2.0])


def test_sgd_momentum_dampening_weight_decay_by_hand():
    lr, mu, tau, lam, g = 0.1, 0.9, 0.3, 0.01, 0.5
    p = param(1.0)
    traj = run(optim.SGD([p], lr=lr, momentum=mu, dampening=tau, weight_decay=lam), p,
               lambda th: np.array([g]), 3)
    th, b = 1.0, None
    for t in range(3):
        d = g + lam * th
        b = d if b is None else mu * b + (1 - tau) * d  # first step: b = g (no dampening)
        th = th - lr * b
        np.testing.assert_allclose(traj[t, 0], th, rtol=1e-14)


def test_sgd_nesterov_by_hand():
    lr, mu = 0.05, 0.8
    p = param(3.0)
    traj = run(optim.SGD([p], lr=lr, momentum=mu, nesterov=True), p, lambda th: th, 3)
    th, b = 3.0, None
    for t in range(3):
        g = th
        b = g if b is None else mu * b + g
        th = th - lr * (g + mu * b)
        np.testing.assert_allclose(traj[t, 0], th, rtol=1e-14)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([param(1.0)], lr=0.1, nesterov=True)


# ----------------------------------------------------------------------------- Adam
def test_adam_defaults():
    opt = optim.Adam([param(1.0)])
    d = opt.defaults
    assert (d["lr"], d["betas"], d["eps"], d["weight_decay"], d["amsgrad"]) == (
        1e-3, (0.9, 0.999), 1e-8, 0, False)
    assert optim.AdamW([param(1.0)]).defaults["weight_decay"] == 1e-2
    r = optim.RMSprop([param(1.0)]).defaults
    assert (r["lr"], r["alpha"], r["eps"], r["momentum"], r["centered"]) == (
        1e-2, 0.99, 1e-8, 0, False)


@pytest.mark.parametrize("g", [0.5, -3.0, 1e-3])
def test_adam_with_a_constant_gradient_moves_lr_per_step(g):
    # m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2, so m_hat = g, v_hat = g^2 exactly:
    # theta_t = theta_0 - t * lr * g / (|g| + eps)
    lr, eps = 0.01, 1e-8
    p = param(1.0)
    traj = run(optim.Adam([p], lr=lr), p, lambda th: np.array([g]), 6)
    for t in range(6):
        np.testing.assert_allclose(traj[t, 0], 1.0 - (t + 1) * lr * g / (abs(g) + eps),
                                   rtol=1e-12)


def test_adam_weight_decay_amsgrad_by_hand():
    lr, b1, b2, eps, lam = 0.1, 0.8, 0.9, 1e-6, 0.05
    grads = [1.0, -2.0, 0.5, 0.1]
    p = param(0.7)
    it = iter(grads)
    traj = run(optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=lam, amsgrad=True),
               p, lambda th: np.array([next(it)]), 4)
    th, m, v, vmax = 0.7, 0.0, 0.0, 0.0
    for t, g in enumerate(grads, 1):
        g = g + lam * th
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        th = th - lr * (m / (1 - b1 ** t)) / (math.sqrt(vmax / (1 - b2 ** t)) + eps)
        np.testing.assert_allclose(traj[t - 1, 0], th, rtol=1e-13)


def test_adamw_decays_decoupled_from_the_moments():
    # with a zero gradient the moments stay 0 and only the decay acts: (1 - lr*lam)^t theta_0
    lr, lam = 0.1, 0.2
    p = param(5.0, -2.0)
    traj = run(optim.AdamW([p], lr=lr, weight_decay=lam), p, lambda th: np.zeros(2), 4)
    for t in range(4):
        np.testing.assert_allclose(traj[t], (1 - lr * lam) ** (t + 1) * np.array([5.0, -2.0]),
                                   rtol=1e-14)
    # with a gradient: decay first, then the Adam step (which is lr * sign(g) at t = 1)
    q = param(1.0)
    run(optim.AdamW([q], lr=lr, weight_decay=lam, eps=0.0), q, lambda th: np.array([3.0]), 1)
    np.testing.assert_allclose(q.detach().numpy(), [1.0 * (1 - lr * lam) - lr], rtol=1e-14)


def test_adam_maximize_climbs():
    p = param(0.0)
    run(optim.Adam([p], lr=0.1, maximize=True), p, lambda th: np.array([2.0]), 1)
    np.testing.assert_allclose(p.detach().numpy(), [0.1], rtol=1e-7)


# ----------------------------------------------------------------------------- RMSprop
def test_rmsprop_with_a_constant_gradient():
    # v_k = (1 - alpha^k) g^2, so step k moves lr * g / (sqrt(1 - alpha^k) |g| + eps)
    lr, alpha, eps, g = 0.01, 0.9, 1e-8, 2.0
    p = param(1.0)
    traj = run(optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps), p, lambda th: np.array([g]), 5)
    th = 1.0
    for k in range(1, 6):
        th -= lr * g / (math.sqrt(1 - alpha ** k) * abs(g) + eps)
        np.testing.assert_allclose(traj[k - 1, 0], th, rtol=1e-13)


def test_rmsprop_centered_momentum_weight_decay_by_hand():
    lr, alpha, eps, mu, lam = 0.05, 0.7, 1e-4, 0.5, 0.1
    grads = [1.0, 3.0, -1.0]
    p = param(2.0)
    it = iter(grads)
    traj = run(optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps, momentum=mu, weight_decay=lam,
                             centered=True), p, lambda th: np.array([next(it)]), 3)
    th, v, gavg, b = 2.0, 0.0, 0.0, 0.0
    for t, g in enumerate(grads):
        g = g + lam * th
        v = alpha * v + (1 - alpha) * g * g
        gavg = alpha * gavg + (1 - alpha) * g
        b = mu * b + g / (math.sqrt(v - gavg * gavg) + eps)
        th = th - lr * b
        np.testing.assert_allclose(traj[t, 0], th, rtol=1e-13)


# ----------------------------------------------------------------------------- all of them
@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1),
    lambda ps: optim.AdamW(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.01),
], ids=["sgd", "adam", "adamw", "rmsprop"])
def test_optimizers_minimise_a_quadratic_in_float32(make):
    p = mg.tensor([3.0, -2.0], requires_grad=True)
    opt = make([p])
    for _ in range(600):
        opt.zero_grad()
        ((p - 1.0) ** 2).sum().backward()
        opt.step()
    assert p.dtype == mg.float32
    np.testing.assert_allclose(p.detach().numpy(), [1.0, 1.0], atol=0.05)


@pytest.mark.parametrize("cls,kw", [
    (optim.SGD, {"lr": -1.0}), (optim.Adam, {"betas": (1.0, 0.9)}),
    (optim.Adam, {"eps": -1.0}), (optim.RMSprop, {"alpha": -0.1}),
    (optim.SGD, {"momentum": -0.5}), (optim.AdamW, {"weight_decay": -1}),
])
def test_invalid_hyperparameters_are_refused(cls, kw):
    with pytest.raises(ValueError, match=f"{cls.__name__}: invalid"):
        cls([param(1.0)], **kw)
