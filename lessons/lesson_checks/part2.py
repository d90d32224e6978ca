"""Exercise checks for lessons 06-11. Each checker raises AssertionError with a hint."""
from __future__ import annotations

import numpy as np

import minigrad

from .part1 import _close

f64 = minigrad.float64


def _top(S, k):
    val, vec = np.linalg.eigh(np.asarray(S, dtype=float))
    return val[::-1][:k], vec[:, ::-1][:, :k]


def _explained(S, W):
    Q = np.linalg.qr(np.asarray(W, dtype=float))[0]
    S = np.asarray(S, dtype=float)
    return float(np.trace(Q.T @ S @ Q) / np.trace(S))


# ------------------------------------------------------------------------------- lesson 06
def _c6_1(answer):
    S, W = answer
    W = np.asarray(W, dtype=float)
    _, vec = _top(S, W.shape[1])
    cos = np.abs(np.sum(W * vec, axis=0)) / np.linalg.norm(W, axis=0)
    assert np.all(cos > 0.99), (f"|cos| between column j and eigenvector j: {cos.round(3)}; "
                                "GHA's columns converge to the eigenvectors in order (more "
                                "steps, or a smaller eta?)")


def _c6_2(answer):
    S, results = answer
    lam1 = _top(S, 1)[0][0]
    rhos = sorted(results)
    for rho in rhos:
        _, bias = results[rho]
        _close(bias, np.sqrt(1 + lam1 / (2 * rho)) - 1, 1e-4, f"sigma_1 - 1 at rho = {rho}")
    lrs = [results[r][0] for r in rhos]
    assert all(a >= b for a, b in zip(lrs, lrs[1:])), (
        "the largest stable learning rate should fall as rho grows (the penalty's curvature "
        "grows with rho)")


def _c6_3(answer):
    S, k, value, collapses = answer
    _close(value, _top(S, k)[0].sum(), 1e-6, "the maximum of tr((W^T W)^-1 W^T S W)")
    assert collapses is False, "the loss depends only on span(W): nothing pushes the columns "\
                               "together, so no collapse (answer False)"


# ------------------------------------------------------------------------------- lesson 07
def _c7_1(answer):
    S, W, k = answer
    W = np.asarray(W, dtype=float)
    _close(W.T @ W, np.eye(k), 1e-6, "W^T W after the QR retraction (should be I)")
    best = _top(S, k)[0].sum() / np.trace(np.asarray(S, dtype=float))
    ev = _explained(S, W)
    assert ev > best - 0.02, (f"explained variance {ev:.3f} with mostly PCA weight; the best "
                              f"{k}-dimensional subspace explains {best:.3f}")


def _c7_2(answer):
    accs = np.array([a for a, _ in answer.values()])
    evs = np.array([e for _, e in answer.values()])
    assert len(answer) >= 3, "one (accuracy, explained variance) per alpha, at least 3 alphas"
    assert np.ptp(accs) < np.ptp(evs), (
        "with k = 8 the accuracy should vary less across alpha than the explained variance")


def _c7_3(answer):
    assert answer is True, (
        "accuracy + explained variance is computed the same way for every alpha (it does not "
        "contain alpha), so it is alpha-independent in lesson 4's sense: answer True; but it "
        "adds two different units and so fixes a trade-off of its own")


# ------------------------------------------------------------------------------- lesson 08
def _c8_1(answer):
    x = minigrad.tensor([0.2, 1.7, -0.6, 2.5], dtype=f64, requires_grad=True)
    out = answer.apply(x)
    _close(out.detach().numpy(), np.round(x.detach().numpy()), 0, "forward (should round)")
    (out * minigrad.tensor([1.0, 2.0, 3.0, 4.0], dtype=f64)).sum().backward()
    _close(x.grad.numpy(), [1.0, 2.0, 3.0, 4.0], 0, "backward (the identity: pass g through)")
    ref = minigrad.straight_through_round(x.detach())
    _close(out.detach().numpy(), ref.detach().numpy(), 0,
           "agreement with minigrad.straight_through_round")


def _c8_2(answer):
    rng = np.random.default_rng(8)
    A = rng.normal(size=(6, 6))
    S = A @ A.T / 6
    W = rng.normal(size=(6, 3))
    got = answer(minigrad.tensor(W, dtype=f64), minigrad.tensor(S, dtype=f64))
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    _close(got, -(S @ W - W @ np.triu(W.T @ S @ W)), 1e-10,
           "GHA direction -(SW - W triu(W^T S W)) (the sign of a gradient: SGD subtracts it)")


def _c8_3(answer):
    grad_hooked, plain_total, W = (np.asarray(v, dtype=float) for v in answer)
    want = 0.5 * (plain_total - W @ (W.T @ plain_total))
    _close(grad_hooked, want, 1e-10, "W.grad with the hook on W: the hook projects the *total* "
           "gradient (CE part included), 1/2 (g - W W^T g)")


# ------------------------------------------------------------------------------- lesson 09
def _c9_1(answer):
    A, a, B, b, eta, theta = (np.asarray(v, dtype=float) for v in answer)
    eta = float(eta)
    I2 = np.eye(2)
    M = (I2 - eta * B) @ (I2 - eta * A)
    c = (I2 - eta * B) @ (eta * A @ a) + eta * B @ b
    _close(theta, np.linalg.solve(I2 - M, c), 1e-8, "the fixed point of alternating SGD")


def _c9_2(answer):
    assert set(answer) == {"sum"}, (
        "RMSprop normalises each optimizer's own gradient like Adam: only one optimizer on "
        "the sum reaches theta* and follows w; answer {'sum'}")


def _c9_3(answer):
    from minigrad.multitask import admm

    A, a, B, b, fastest = answer
    A, a, B, b = (np.asarray(v, dtype=float) for v in (A, a, B, b))
    At, Bt, at, bt = (minigrad.tensor(v, dtype=f64) for v in (A, B, a, b))
    star = np.linalg.solve(A + B, A @ a + B @ b)

    def prox(M, cc, rho):
        K = np.linalg.inv(M + rho * np.eye(2))
        return lambda v: minigrad.tensor(K @ (M @ cc + rho * v.detach().numpy()), dtype=f64)

    iters = {}
    for rho in (0.1, 1.0, 10.0):
        r = admm(lambda t: 0.5 * ((t - at) @ At @ (t - at)),
                 lambda t: 0.5 * ((t - bt) @ Bt @ (t - bt)),
                 minigrad.tensor([-1.0, -1.0], dtype=f64), rho=rho, steps=300,
                 prox_f=prox(A, a, rho), prox_g=prox(B, b, rho), tol=1e-10)
        assert np.linalg.norm(r.z.numpy() - star) < 1e-6
        iters[rho] = len(r.primal_residuals)
    want = min(iters, key=iters.get)
    assert float(fastest) == want, (f"iterations to residuals 1e-10: {iters}; the fastest rho "
                                    f"is {want}")


# ------------------------------------------------------------------------------- lesson 10
def _c4_2(answer):
    from minigrad.multitask import PCGrad

    J = np.array([[1.0, 0.5, -0.2, 0.0, 0.3], [-0.8, 0.4, 0.1, 0.6, -0.5]])
    got = answer(minigrad.tensor(J, dtype=f64))
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    _close(got, PCGrad(seed=0)(minigrad.tensor(J, dtype=f64)).numpy(), 1e-10,
           "PCGrad on two conflicting tasks")


def _c10_1(answer):
    A, a, B, b, theta = (np.asarray(v, dtype=float) for v in answer)
    g1, g2 = A @ (theta - a), 4 * B @ (theta - b)
    assert g1 @ g2 > 0, (f"at theta = {theta} the gradients have dot {g1 @ g2:.3g}: they "
                         "conflict; try a point outside the region between a and b")


def _c10_2(answer):
    A, a, B, b, end_c0 = (np.asarray(v, dtype=float) for v in answer)
    M = 0.5 * A + 0.5 * 4 * B
    want = np.linalg.solve(M, 0.5 * A @ a + 0.5 * 4 * B @ b)
    _close(end_c0, want, 1e-3, "the end of CAGrad(c=0): the minimiser of the averaged sum")


def _c10_3(answer):
    acc_sum, acc_mgda = answer
    assert 0.5 < acc_sum <= 1 and 0.5 < acc_mgda <= 1, (
        "two test accuracies (fractions) after the same number of steps, both well above chance")


# ------------------------------------------------------------------------------- lesson 11
def _c11_1(answer):
    if not minigrad.cuda.is_available():
        assert answer == "no gpu", "no GPU here: answer 'no gpu'"
        return
    assert answer in (64, 1024, 16384, "never"), "one of 64, 1024, 16384, or 'never'"


def _c11_2(answer):
    want = "cuda:0" if minigrad.cuda.is_available() else "cpu"
    assert str(answer) in (want, want.split(":")[0]), (
        f"the combined direction's device should be {want!r}: MGDA solves on the host but "
        "returns the direction on J's device")


CHECKS = {
    "6.1": ("(S, W): the covariance and your GHA result with 3 columns", _c6_1),
    "6.2": ("(S, {rho: (largest stable lr, sigma_1 - 1)})", _c6_2),
    "6.3": ("(S, k, the maximum you found, True/False: do the columns collapse?)", _c6_3),
    "7.1": ("(S_full, W, k): W after training with alpha = 0.02 and the QR retraction", _c7_1),
    "7.2": ("{alpha: (test accuracy, explained variance)} with k = 8", _c7_2),
    "7.3": ("True or False: is accuracy + explained variance alpha-independent?", _c7_3),
    "8.1": ("your Function subclass (straight-through round)", _c8_1),
    "8.2": ("gha_direction(W, S) -> Tensor, the backward direction for GHA", _c8_2),
    "8.3": ("(W.grad with the hook on W, plain_W, W_start)", _c8_3),
    "9.1": ("(A, a, B, b, eta, your fixed point)", _c9_1),
    "9.2": ("the set of patterns ('sum', 'same step', 'alternating') reaching theta*", _c9_2),
    "9.3": ("(A, a, B, b, the fastest rho among 0.1, 1, 10)", _c9_3),
    "4.2": ("your pcgrad(J) -> combined direction", _c4_2),
    "10.1": ("(A, a, B, b, a start theta where the gradients do not conflict)", _c10_1),
    "10.2": ("(A, a, B, b, the end point of CAGrad(c=0))", _c10_2),
    "10.3": ("(test accuracy with the sum, test accuracy with MGDA)", _c10_3),
    "11.1": ("the batch size from which the GPU wins (or 'never', or 'no gpu')", _c11_1),
    "11.2": ("the device of the combined direction (e.g. str(d.device))", _c11_2),
}
