"""Exercise checks for lessons 00-05. Each checker raises AssertionError with a hint."""
from __future__ import annotations

import math

import numpy as np

import minigrad

f64 = minigrad.float64


def _close(got, want, tol, what):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert err <= tol, f"{what}: off by {err:.3g} (allowed {tol:g})"


# ------------------------------------------------------------------------------- lesson 00
def _c0_1(answer):
    Value, backward = answer
    for x0 in (-0.7, 0.3, 1.2):
        for name, op, ref in (("exp", lambda v: v.exp(), minigrad.exp),
                              ("**3", lambda v: v ** 3, lambda t: t ** 3),
                              ("relu", lambda v: v.relu(), minigrad.relu)):
            v = Value(x0)
            out = op(v)
            backward(out)
            t = minigrad.tensor(x0, dtype=f64, requires_grad=True)
            r = ref(t)
            r.backward()
            _close(out.data, r.item(), 1e-12, f"{name} at {x0}: value")
            _close(v.grad, t.grad.item(), 1e-12,
                   f"{name} at {x0}: gradient (is the local derivative right?)")


def _c0_2(answer):
    x = minigrad.tensor(0.5, dtype=f64, requires_grad=True)
    y = minigrad.tensor(-1.5, dtype=f64)
    ((x * y + x).tanh() * x).backward()
    once = x.grad.item()
    _close(answer, 2 * once, 1e-9, "x.grad after two backward calls without the reset "
           "(hint: each call adds df/dx once more)")


def _c0_topo(answer):
    class Node:
        def __init__(self, parents=()):
            self.parents = parents

    x = Node()
    node = x
    for _ in range(5000):
        node = Node((node, x))
    order = answer(node)
    assert len(order) == 5001, f"the order has {len(order)} nodes; the chain has 5001"
    seen = set()
    for n in order:
        assert all(id(p) in seen for p in n.parents), (
            "a node comes before one of its parents: post-order means push a node to the "
            "order only after all its parents are in it")
        seen.add(id(n))


# ------------------------------------------------------------------------------- lesson 01
def _c1_4(answer):
    rng = np.random.default_rng(4)
    A, B, G = rng.normal(size=(3, 4, 5)), rng.normal(size=(5, 2)), rng.normal(size=(3, 4, 2))
    dA, dB = answer(A, B, G)
    _close(dA, G @ B.T, 1e-10, "dA")
    _close(dB, np.einsum("bnk,bnm->km", A, G), 1e-10,
           "dB (hint: B is shared by every batch entry: sum over the batch axis)")


def _c1_5(answer):
    rng = np.random.default_rng(5)
    for gshape, shape in (((4, 3), (3,)), ((4, 3), (4, 1)), ((2, 4, 3), (1, 3)), ((4, 3), ()),
                          ((5,), (5,))):
        g = rng.normal(size=gshape)
        want = g
        while want.ndim > len(shape):
            want = want.sum(axis=0)
        want = want.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True)
        _close(np.reshape(answer(g, shape), shape), want.reshape(shape), 1e-12,
               f"sum_to(g of shape {gshape}, {shape})")
        assert np.shape(answer(g, shape)) == tuple(shape), f"sum_to must return shape {shape}"


def _c1_6(answer):
    sgd, mom = answer["sgd"], answer["momentum"]
    assert mom is not None, "with momentum 0.9 the network reaches 0.93 within 10 epochs"
    assert sgd is None or mom < sgd, (
        "momentum should need fewer epochs than plain SGD at the same learning rate")


# ------------------------------------------------------------------------------- lesson 02
def _c2_2(answer):
    from minigrad import nn

    minigrad.manual_seed(0)
    lin = nn.Linear(3, 2)
    x = minigrad.randn(4, 3)
    out = lin(x)
    out.sum().backward(retain_graph=True)
    first = lin.weight.grad
    (out * out).sum().backward()
    truth = "same" if lin.weight.grad is first else "new"
    assert answer == truth, (f"answer 'same' or 'new': minigrad's second backward gives a "
                             f"{truth!r} tensor (check `is` on the two .grad references)")


def _c2_params(answer):
    assert set(answer) == {"shared.weight", "shared.bias"}, (
        "only the parameters below h are reached by every loss: give their names as in "
        "model.named_parameters()")


def _c2_6(answer):
    x = minigrad.randn(5, 3, requires_grad=True)
    h = x.tanh()
    l1, l2 = h.sum(), (h * h).sum()
    runs = []
    h.register_hook(lambda g: runs.append(1))
    (l1 + l2).backward(retain_graph=True)
    summed = len(runs)
    l1.backward(retain_graph=True)
    l2.backward()
    truth = (summed, len(runs) - summed)
    assert tuple(answer) == truth, (f"(runs in (ce + mse).backward(), runs in the two "
                                    f"separate backward calls) should be {truth}: a hook "
                                    "runs once per backward pass that reaches its tensor")


# ------------------------------------------------------------------------------- lesson 03
def _c3_4(answer):
    X, y, wd, w = answer
    X, y = np.asarray(X), np.asarray(y)
    n, d = X.shape
    ridge = np.linalg.solve(X.T @ X / n + wd / 2 * np.eye(d), X.T @ y / n)
    _close(w, ridge, 1e-6, "the weights after SGD with weight_decay (should be ridge(wd / 2) "
           "once converged: run more steps?)")


def _c3_5(answer):
    assert answer is False or answer == "same", (
        "Adam divides m by sqrt(v): multiplying the loss by alpha multiplies both by alpha "
        "and alpha^2, so the step is unchanged (up to eps): the iterates are the same; answer "
        "False (not different)")


def _c3_6(answer):
    A, a, B, b, dtheta = answer
    A, a, B, b = (np.asarray(v, dtype=float) for v in (A, a, B, b))

    def star(al):
        return np.linalg.solve(al * A + (1 - al) * B, al * A @ a + (1 - al) * B @ b)

    for al in (0.2, 0.5, 0.8):
        fd = (star(al + 1e-6) - star(al - 1e-6)) / 2e-6
        _close(dtheta(al), fd, 1e-5, f"d theta*/d alpha at alpha = {al}")


def _c3_7(answer):
    grid = np.linspace(-1.0, 1.0, 4001)
    L1, L2 = 1 - np.exp(-(grid - 1) ** 2), 1 - np.exp(-(grid + 1) ** 2)
    alphas = np.linspace(0, 1, 101)
    want = np.array([grid[np.argmin(al * L1 + (1 - al) * L2)] for al in alphas])
    got = np.asarray(answer, dtype=float)
    assert got.shape == want.shape, "one global minimiser per alpha in np.linspace(0, 1, 101)"
    _close(np.abs(got), np.abs(want), 2e-3, "global minimisers (hint: compare the two local "
           "minima; the middle of the front, near theta = 0, is never chosen)")


# ------------------------------------------------------------------------------- lesson 04
def _c4_3(answer):
    a_sum, a_mean = answer
    lam_sum, lam_mean = (1 - a_sum) / a_sum, (1 - a_mean) / a_mean
    assert abs(lam_mean * 64 / lam_sum - 1) < 1e-4, (
        "dividing L1 by 64 (mean over pixels) multiplies lambda = (1 - alpha) / alpha at the "
        "balance point by 1/64: check alpha* for each reduction")


def _c4_4(answer):
    points, front = answer
    from minigrad.multitask import pareto_front

    alphas = list(points)
    keep = pareto_front([(-points[a][0], points[a][1]) for a in alphas])
    assert sorted(front) == sorted(alphas[i] for i in keep), (
        "the front is the alphas whose (accuracy, reconstruction error) no other alpha beats "
        "on both: higher accuracy and lower error")


def _c4_5(answer):
    vals = np.asarray(answer, dtype=float)
    assert vals.ndim == 1 and len(vals) >= 2, "one balance_alpha per epoch (at least two)"
    assert np.all((vals > 0) & (vals < 1)), "balance_alpha lies strictly between 0 and 1"
    assert np.ptp(vals) > 0, "the balance point should move between epochs"


# ------------------------------------------------------------------------------- lesson 05
def _c4_1(answer):
    from minigrad.multitask import UncertaintyWeighting

    uw = UncertaintyWeighting(2, dtype=f64)
    uw.log_vars.data = minigrad.tensor([0.3, -0.8], dtype=f64).data
    L = [minigrad.tensor(v, dtype=f64, requires_grad=True) for v in (1.7, 0.4)]
    s = minigrad.tensor([0.3, -0.8], dtype=f64, requires_grad=True)
    ref = uw(L)
    mine = answer(s, *L)
    _close(mine.item(), ref.item(), 1e-12, "the total 1/2 sum exp(-s_i) L_i + s_i")
    g_ref = minigrad.grad(ref, [uw.log_vars, *L])
    g_mine = minigrad.grad(answer(s, *L), [s, *L])
    for gm, gr, what in zip(g_mine, g_ref, ("s", "L1", "L2")):
        _close(gm.numpy(), gr.numpy(), 1e-12, f"gradient in {what}")


def _c5_1(answer):
    t1 = np.linspace(-0.5, 1.5, 801)
    g1, g2 = np.meshgrid(t1, t1, indexing="ij")
    log_sum = (np.log(0.5 * ((g1 - 1) ** 2 + g2 ** 2 + 1))
               + np.log(0.05 * (g1 ** 2 + (g2 - 1) ** 2 + 1)))
    i, j = np.unravel_index(log_sum.argmin(), log_sum.shape)
    _close(answer, [t1[i], t1[j]], 5e-3, "the final theta (hint: every variant's minimum over "
           "s leaves a function of log L_i plus constants)")


def _c5_2(answer):
    s = np.asarray(answer, dtype=float)
    assert s.shape == (2,), "the two final s_i"
    assert np.all(s < -5), ("with losses that reach 0, s_i = log L_i goes to -infinity: the "
                            "final s_i should be far below 0 and still falling")


def _c5_3(answer):
    alpha_of, tau = answer
    for L1, L2, t in ((1.0, 0.3, 0.5), (0.2, 0.9, 2.0)):
        _close(alpha_of(L1, L2, t), 1 / (1 + math.exp(-(L2 - L1) / t)), 1e-10,
               f"optimal alpha for L1 = {L1}, L2 = {L2}, tau = {t}")
    a = alpha_of(0.5, 0.05, tau)
    assert 0.05 < a < 0.95, (f"with tau = {tau} the optimal alpha at L1 = 0.5, L2 = 0.05 (the "
                             f"irreducible parts) is {a:.3g}: a task is switched off")


CHECKS = {
    "0.1": ("(Value, backward): your Value class with exp, __pow__ and relu", _c0_1),
    "0.2": ("x.grad (a float) after calling the no-reset backward twice on f(0.5, -1.5)", _c0_2),
    "2.1": ("your iterative topological_order(root) (nodes need only .parents)", _c0_topo),
    "1.4": ("a function (A, B, G) -> (dA, dB) for A (b, n, k), B (k, m)", _c1_4),
    "1.5": ("your sum_to(g, shape)", _c1_5),
    "1.6": ('{"sgd": epochs, "momentum": epochs} to reach 0.93 (None: never in 10)', _c1_6),
    "2.2": ("'same' or 'new'", _c2_2),
    "2.4": ("the names of the parameters carrying all three colours", _c2_params),
    "2.5": ("the names of the parameters whose MSE bar disappears", _c2_params),
    "2.6": ("(runs in (ce + mse).backward(), runs in the two separate backward calls)", _c2_6),
    "3.4": ("(X_np, y_np, wd, w) with w the weights after SGD with weight_decay=wd", _c3_4),
    "3.5": ("True or False: are the Adam iterates of the two forms different?", _c3_5),
    "3.6": ("(A, a, B, b, dtheta) with dtheta(alpha) your closed form", _c3_6),
    "3.7": ("the global minimisers for alpha in np.linspace(0, 1, 101)", _c3_7),
    "4.3": ("(alpha* with the pixel sum, alpha* with the pixel mean)", _c4_3),
    "4.4": ("({alpha: (accuracy, reconstruction error)}, [alphas on the front])", _c4_4),
    "4.5": ("the list of balance_alpha values, one per epoch", _c4_5),
    "4.1": ("your total(s, L1, L2) -> Tensor", _c4_1),
    "5.1": ("the final theta (2 numbers) with e^{-s} L + s", _c5_1),
    "5.2": ("the two final s_i after 20 000 steps", _c5_2),
    "5.3": ("(alpha_of(L1, L2, tau), tau) with your closed form and your tau", _c5_3),
}
