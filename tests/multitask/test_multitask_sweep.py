"""alpha_sweep (closed-form toy, seeding, progress display) and pareto_front."""
import io
import math
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]

A_, B_ = 2.0, -1.0


def _train(alpha, inits=None):
    """GD on alpha (t - a)^2 + (1 - alpha)(t - b)^2; the minimiser is alpha a + (1 - alpha) b."""
    t = mg.randn(1, dtype=mg.float64, requires_grad=True)
    if inits is not None:
        inits.append(t.item())
    for _ in range(200):
        loss = alpha * ((t - A_) ** 2).sum() + (1 - alpha) * ((t - B_) ** 2).sum()
        (g,) = mg.grad(loss, t)
        t.array = t.array - 0.25 * g.array
    l1, l2 = ((t - A_) ** 2).sum(), ((t - B_) ** 2).sum()
    return {"loss1": l1, "loss2": l2, "metric": -l1.item(), "t": t.item()}


def test_alpha_sweep_matches_the_closed_form_and_reseeds_every_run():
    inits = []
    res = mt.alpha_sweep(lambda a: _train(a, inits), [0.0, 0.25, 0.5, 1.0], seed=3,
                         progress=False)
    assert res.alphas == [0.0, 0.25, 0.5, 1.0]
    for p in res:
        t = p.alpha * A_ + (1 - p.alpha) * B_
        np.testing.assert_allclose(p.extra["t"], t, atol=1e-12)
        np.testing.assert_allclose([p.loss1, p.loss2], [(t - A_) ** 2, (t - B_) ** 2],
                                   atol=1e-12)
    assert len(set(inits)) == 1  # the same initial weights for every alpha
    assert res.pareto() == [0, 1, 2, 3]  # a convex trade-off: every run is Pareto-optimal


def test_alpha_sweep_accepts_tuples_and_rejects_garbage():
    res = mt.alpha_sweep(lambda a: (a, 1 - a, 0.0), [0.1, 0.9], progress=False)
    assert res.loss1 == [0.1, 0.9] and res.metric == [0.0, 0.0]
    with pytest.raises(KeyError, match="metric"):
        mt.alpha_sweep(lambda a: {"loss1": 1, "loss2": 2}, [0.5], progress=False)
    with pytest.raises(TypeError, match="must return"):
        mt.alpha_sweep(lambda a: 3.0, [0.5], progress=False)


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_plain_counter_without_tqdm(monkeypatch):
    err = _TTY()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    mt.alpha_sweep(lambda a: (a, a, a), [0.1, 0.2, 0.3])
    out = err.getvalue()
    assert "alpha_sweep: 3/3" in out and "alpha=0.3" in out


def test_progress_off_when_not_a_terminal_or_disabled(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    mt.alpha_sweep(lambda a: (a, a, a), [0.1, 0.2])
    assert err.getvalue() == ""
    tty = _TTY()
    monkeypatch.setattr(sys, "stderr", tty)
    mt.alpha_sweep(lambda a: (a, a, a), [0.1, 0.2], progress=False)
    assert tty.getvalue() == ""


def test_progress_uses_tqdm_when_installed(monkeypatch):
    pytest.importorskip("tqdm")
    err = _TTY()
    monkeypatch.setattr(sys, "stderr", err)
    mt.alpha_sweep(lambda a: (a, a, a), [0.1, 0.2])
    assert "alpha_sweep" in err.getvalue() and "2/2" in err.getvalue()


def test_pareto_front_by_hand():
    pts = [(1, 5), (2, 2), (3, 3), (5, 1), (2, 2), (math.nan, 0), (1, 6)]
    assert mt.pareto_front(pts) == [0, 1, 3, 4]
    assert mt.pareto_front([]) == []
    assert mt.pareto_front([(1, 2, 3), (1, 2, 4), (0, 9, 9)]) == [0, 2]
    with pytest.raises(ValueError, match="point 1 has 3 coordinates"):
        mt.pareto_front([(1, 2), (1, 2, 3)])


def test_cv_alpha_same_folds_for_every_alpha_and_best_by_mean_score():
    rng = np.random.default_rng(0)
    n, X = 30, rng.standard_normal((30, 4))
    y = X @ [1.0, -2.0, 0.0, 0.5] + 0.5 * rng.standard_normal(30)
    calls = []  # (alpha, train rows, validation rows, a draw from minigrad's generator)

    def fit(alpha, tr):
        # alpha * mean squared error + (1 - alpha) |w|^2 (ridge), closed form
        calls.append([alpha, tuple(tr), None, mg.randn(1).item()])
        Xt, yt = X[tr], y[tr]
        return np.linalg.solve(alpha * Xt.T @ Xt / len(tr) + (1 - alpha) * np.eye(4),
                               alpha * Xt.T @ yt / len(tr))

    def score(w, va):
        calls[-1][2] = tuple(va)
        return float(np.mean((X[va] @ w - y[va]) ** 2))  # the same metric for every alpha

    alphas = [0.05, 0.3, 0.9, 1.0]
    res = mt.cv_alpha(fit, score, alphas, n=n, k=5, seed=1, maximize=False, progress=False)
    by_alpha = {a: [c[1:] for c in calls if c[0] == a] for a in alphas}
    assert all(by_alpha[a] == by_alpha[alphas[0]] for a in alphas)  # same folds and seeds
    for tr, va, _ in by_alpha[alphas[0]]:
        assert not set(tr) & set(va) and len(tr) + len(va) == n
    assert sorted(i for _, va, _ in by_alpha[alphas[0]] for i in va) == list(range(n))
    assert len({draw for _, _, draw in by_alpha[alphas[0]]}) == 5  # seed + fold differs
    assert res.best_alpha == alphas[int(np.argmin(res.scores))]
    np.testing.assert_allclose(res.scores, [np.mean(r) for r in res.fold_scores])
    expect = [[float(np.mean((X[list(va)] @ fit(a, list(tr)) - y[list(va)]) ** 2))
               for tr, va, _ in by_alpha[a]] for a in alphas]
    np.testing.assert_allclose(res.fold_scores, expect, rtol=1e-12)
    with pytest.raises(ValueError, match="2 <= k <= n"):
        mt.cv_alpha(fit, score, [0.5], n=3, k=5, progress=False)
