"""The exercise checks (lessons/lesson_checks) accept a correct answer and reject a wrong one.

This file is also the instructor's solution sheet: each ``SOLUTIONS`` entry is a worked answer
(short, on small data where the lesson's data would be slow), ``WRONG`` a typical mistake.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lessons"))
from lesson_checks import CHECKS, check  # noqa: E402

f64 = minigrad.float64
rng = np.random.default_rng(0)
A2, a2 = np.array([[3.0, 0.5], [0.5, 1.0]]), np.array([2.0, 0.0])
B2, b2 = np.array([[1.0, -0.2], [-0.2, 2.0]]), np.array([0.0, 2.0])
_M = rng.normal(size=(6, 6))
S6 = _M @ _M.T / 6


class V:
    """A Value with exp, pow and relu (solution of 0.1)."""

    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local

    def exp(self):
        e = math.exp(self.data)
        return V(e, (self,), (e,))

    def __pow__(self, k):
        return V(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def relu(self):
        return V(max(self.data, 0.0), (self,), (float(self.data > 0),))


def topo_iterative(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in seen)
    return order


def backward_v(root):
    order = topo_iterative(root)
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(order):
        for p, g in zip(v.parents, v.local):
            p.grad += g * v.grad


def sum_to(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    return g.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True).reshape(
        shape)


def ridge_sgd(wd):
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=40)
    w = minigrad.zeros(3, dtype=f64, requires_grad=True)
    opt = minigrad.optim.SGD([w], lr=0.2, weight_decay=wd)
    Xt, yt = minigrad.tensor(X, dtype=f64), minigrad.tensor(y, dtype=f64)
    for _ in range(2000):
        opt.zero_grad()
        ((Xt @ w - yt) ** 2).mean().backward()
        opt.step()
    return X, y, wd, w.detach().numpy()


def front_minimisers():
    grid = np.linspace(-1, 1, 4001)
    L1, L2 = 1 - np.exp(-(grid - 1) ** 2), 1 - np.exp(-(grid + 1) ** 2)
    return [grid[np.argmin(al * L1 + (1 - al) * L2)] for al in np.linspace(0, 1, 101)]


def gha(S, k=3, eta=0.05, steps=6000):
    W = np.linalg.qr(np.random.default_rng(1).normal(size=(S.shape[0], k)))[0]
    for _ in range(steps):
        W = W + eta * (S @ W - W @ np.triu(W.T @ S @ W))
    return W


class STE(minigrad.Function):
    @staticmethod
    def forward(ctx, x):
        return minigrad.tensor(np.round(x.detach().numpy()), dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return g


def pcgrad2(J):
    g = J.numpy()
    out = []
    for i, j in ((0, 1), (1, 0)):
        gi = g[i].copy()
        if gi @ g[j] < 0:
            gi -= gi @ g[j] / (g[j] @ g[j]) * g[j]
        out.append(gi)
    return minigrad.tensor(sum(out), dtype=f64)


def hooked_grad():
    W0 = np.linalg.qr(rng.normal(size=(6, 2)))[0]
    plain = rng.normal(size=(6, 2))
    return 0.5 * (plain - W0 @ (W0.T @ plain)), plain, W0


def alternating_fixed_point(eta=0.1):
    th = np.zeros(2)
    for _ in range(5000):
        th = th - eta * A2 @ (th - a2)
        th = th - eta * B2 @ (th - b2)
    return (A2, a2, B2, b2, eta, th)


def uw_total(s, L1, L2):
    return 0.5 * (minigrad.exp(-s[0]) * L1 + s[0]) + 0.5 * (minigrad.exp(-s[1]) * L2 + s[1])


SOLUTIONS = {
    "0.1": lambda: (V, backward_v),
    "0.2": lambda: 2 * (math.tanh(-0.25) + 0.5 * (1 - math.tanh(-0.25) ** 2) * -0.5),
    "2.1": lambda: topo_iterative,
    "1.4": lambda: (lambda A, B, G: (G @ B.T, np.einsum("bnk,bnm->km", A, G))),
    "1.5": lambda: sum_to,
    "1.6": lambda: {"sgd": None, "momentum": 3},
    "2.2": lambda: "same",
    "2.4": lambda: ["shared.weight", "shared.bias"],
    "2.5": lambda: {"shared.weight", "shared.bias"},
    "2.6": lambda: (1, 2),
    "3.4": lambda: ridge_sgd(0.1),
    "3.5": lambda: False,
    "3.6": lambda: (A2, a2, B2, b2, lambda al: np.linalg.solve(
        al * A2 + (1 - al) * B2, -(A2 @ (np.linalg.solve(al * A2 + (1 - al) * B2, al * A2 @ a2
                                                         + (1 - al) * B2 @ b2) - a2)
                                   - B2 @ (np.linalg.solve(al * A2 + (1 - al) * B2, al * A2 @ a2
                                                           + (1 - al) * B2 @ b2) - b2)))),
    "3.7": front_minimisers,
    "4.3": lambda: (0.02, 1 / (1 + (0.98 / 0.02) / 64)),
    "4.4": lambda: ({0.0: (0.9, 5.0), 0.1: (0.95, 2.0), 0.5: (0.93, 1.0), 0.9: (0.92, 1.5)},
                    [0.1, 0.5]),
    "4.5": lambda: [0.02, 0.03, 0.05],
    "4.1": lambda: uw_total,
    "5.1": lambda: [0.5, 0.5],       # log L1 + log L2: the constants 0.5, 0.05 drop out
    "5.2": lambda: [-9.2, -11.5],
    "5.3": lambda: ((lambda L1, L2, t: 1 / (1 + math.exp(-(L2 - L1) / t))), 1.0),
    "6.1": lambda: (S6, gha(S6)),
    "6.2": lambda: (S6, {r: (1.0 / r, math.sqrt(1 + np.linalg.eigvalsh(S6)[-1] / (2 * r)) - 1)
                         for r in (0.1, 1.0, 10.0)}),
    "6.3": lambda: (S6, 3, float(np.sort(np.linalg.eigvalsh(S6))[-3:].sum()), False),
    "7.1": lambda: (S6, np.linalg.eigh(S6)[1][:, -2:], 2),
    "7.2": lambda: {0.02: (0.95, 0.80), 0.3: (0.96, 0.70), 1.0: (0.97, 0.40)},
    "7.3": lambda: True,
    "8.1": lambda: STE,
    "8.2": lambda: (lambda W, S: -(S @ W - W @ minigrad.tensor(np.triu((W.T @ S @ W).numpy()),
                                                               dtype=f64))),
    "8.3": hooked_grad,
    "9.1": alternating_fixed_point,
    "9.2": lambda: {"sum"},
    "9.3": lambda: (A2, a2, B2, b2, 1.0),
    "4.2": lambda: pcgrad2,
    "10.1": lambda: (A2, a2, B2, b2, np.array([4.0, -3.0])),
    "10.2": lambda: (A2, a2, B2, b2, np.linalg.solve(0.5 * A2 + 2 * B2,
                                                     0.5 * A2 @ a2 + 2 * B2 @ b2)),
    "10.3": lambda: (0.93, 0.91),
    "11.1": lambda: "no gpu" if not minigrad.cuda.is_available() else 1024,
    "11.2": lambda: "cuda:0" if minigrad.cuda.is_available() else "cpu",
}

WRONG = {
    "0.2": lambda: SOLUTIONS["0.2"]() / 2,
    "2.1": lambda: (lambda root: list(reversed(topo_iterative(root)))),
    "1.4": lambda: (lambda A, B, G: (G @ B.T, np.einsum("bnk,bnm->km", A, G) / 3)),
    "1.5": lambda: (lambda g, shape: np.broadcast_to(g.mean(), shape)),
    "1.6": lambda: {"sgd": 2, "momentum": 5},
    "2.2": lambda: "new",
    "2.4": lambda: ["shared.weight"],
    "2.5": lambda: set(),
    "2.6": lambda: (2, 2),
    "3.4": lambda: (*ridge_sgd(0.1)[:3], ridge_sgd(0.1)[3] * 1.1),
    "3.5": lambda: True,
    "3.6": lambda: (A2, a2, B2, b2, lambda al: a2 - b2),
    "3.7": lambda: list(np.linspace(-1, 1, 101)),
    "4.3": lambda: (0.02, 0.02),
    "4.4": lambda: (SOLUTIONS["4.4"]()[0], [0.0, 0.1, 0.5]),
    "4.5": lambda: [0.5, 0.5],
    "4.1": lambda: (lambda s, L1, L2: minigrad.exp(-s[0]) * L1 + s[0] + minigrad.exp(-s[1]) * L2
                    + s[1]),
    "5.1": lambda: [1.0, 0.0],       # a: what the fixed weights (1, 0) would give
    "5.2": lambda: [-0.7, 0.3],
    "5.3": lambda: ((lambda L1, L2, t: 1 / (1 + math.exp(-(L1 - L2) / t))), 1.0),
    "6.1": lambda: (S6, np.linalg.qr(rng.normal(size=(6, 3)))[0]),
    "6.2": lambda: (S6, {r: (r, 0.0) for r in (0.1, 1.0, 10.0)}),
    "6.3": lambda: (S6, 3, 3 * float(np.linalg.eigvalsh(S6)[-1]), True),
    "7.1": lambda: (S6, np.linalg.eigh(S6)[1][:, :2], 2),
    "7.2": lambda: {0.02: (0.5, 0.70), 0.3: (0.9, 0.69), 1.0: (0.97, 0.68)},
    "7.3": lambda: False,
    "8.2": lambda: (lambda W, S: -(S @ W - W @ (W.T @ S @ W))),
    "8.3": lambda: (hooked_grad()[1], *hooked_grad()[1:]),
    "9.1": lambda: (A2, a2, B2, b2, 0.1, np.linalg.solve(A2 + B2, A2 @ a2 + B2 @ b2)),
    "9.2": lambda: {"sum", "same step"},
    "9.3": lambda: (A2, a2, B2, b2, 0.1),
    "4.2": lambda: (lambda J: J.sum(dim=0)),
    "10.1": lambda: (A2, a2, B2, b2, np.array([1.0, 1.0])),
    "10.2": lambda: (A2, a2, B2, b2, a2),
    "10.3": lambda: (93, 91),
    "11.1": lambda: 64 if not minigrad.cuda.is_available() else "no gpu",
    "11.2": lambda: "cuda:0" if not minigrad.cuda.is_available() else "cpu",
}


def test_every_exercise_has_a_solution_and_a_mistake():
    assert set(SOLUTIONS) == set(CHECKS)
    missing = set(CHECKS) - set(WRONG) - {"0.1", "8.1"}   # wrong classes: see below
    assert not missing, f"no wrong answer to reject for {sorted(missing)}"


@pytest.mark.parametrize("number", sorted(CHECKS, key=lambda n: tuple(map(int, n.split(".")))))
def test_check_accepts_the_solution(number, capsys):
    assert check(number, SOLUTIONS[number]()) is True
    assert f"Exercise {number}: correct" in capsys.readouterr().out


@pytest.mark.parametrize("number", sorted(WRONG, key=lambda n: tuple(map(int, n.split(".")))))
def test_check_rejects_a_mistake(number):
    with pytest.raises(AssertionError):
        check(number, WRONG[number]())


def test_wrong_local_derivative_and_wrong_backward_are_rejected():
    class BadV(V):
        def relu(self):
            return V(max(self.data, 0.0), (self,), (1.0,))   # forgot the kink

    with pytest.raises(AssertionError, match="relu"):
        check("0.1", (BadV, backward_v))

    class BadSTE(STE):
        @staticmethod
        def backward(ctx, g):
            return g * 0.0

    with pytest.raises(AssertionError, match="backward"):
        check("8.1", BadSTE)


def test_unanswered_exercise_says_what_to_hand_in(capsys):
    assert check("5.2", None) is False
    assert "not answered yet" in capsys.readouterr().out
    with pytest.raises(KeyError, match="no exercise"):
        check("99.9", 1)


def test_check_gradients_passes_a_right_gradient_and_names_a_wrong_one():
    from lesson_checks.gradients import check_gradients

    W = minigrad.tensor(rng.normal(size=(4, 3)), dtype=f64, requires_grad=True)
    x = minigrad.tensor(rng.normal(size=(5, 4)), dtype=f64)
    assert check_gradients(lambda: ((x @ W).tanh() ** 2).sum(), [W]) < 1e-6

    class DoubledSquare(minigrad.Function):    # forward x^2, backward twice too large
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 4 * a * g

    with pytest.raises(AssertionError, match=r"parameter 0 \(4, 3\)"):
        check_gradients(lambda: DoubledSquare.apply(x @ W).sum(), [W])
