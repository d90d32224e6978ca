"""Choosing a loss weight: sweep it, look at the Pareto front, cross-validate it.

* :func:`alpha_sweep` trains once per ``alpha`` (same seed each time, so only ``alpha``
  changes) and collects both losses and a metric;
* :func:`pareto_front` keeps the runs no other run beats on every loss at once;
* :func:`cv_alpha` scores every ``alpha`` by k-fold cross-validation on *one* metric that does
  not depend on ``alpha`` (accuracy, or one loss alone). Comparing ``alpha L1 + (1-alpha) L2``
  across alphas is meaningless: its scale changes with ``alpha``.

Each weight vector reaches a point on the *convex* part of the Pareto front only; where the
front is non-convex, no weighted sum reaches it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..backend import host_xp
from .parallel import progress_bar, run_grid  # noqa: F401 - progress_bar re-exported


@dataclass
class SweepPoint:
    alpha: float
    loss1: float
    loss2: float
    metric: float
    extra: dict = field(default_factory=dict)


class SweepResult(list):
    """The :class:`SweepPoint` of every alpha, in order, plus column views."""

    @property
    def alphas(self):
        return [p.alpha for p in self]

    @property
    def loss1(self):
        return [p.loss1 for p in self]

    @property
    def loss2(self):
        return [p.loss2 for p in self]

    @property
    def metric(self):
        return [p.metric for p in self]

    def pareto(self) -> list[int]:
        """Indices of the runs on the Pareto front of ``(loss1, loss2)``."""
        return pareto_front([(p.loss1, p.loss2) for p in self])


def _as_float(v, what):
    try:
        return float(v.item()) if hasattr(v, "item") else float(v)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"alpha_sweep: {what} must be a number (or a one-element Tensor), got "
                        f"{type(v).__name__}") from exc


def _sweep_point(train_fn, a):
    """Run one alpha and turn what ``train_fn`` reports into a :class:`SweepPoint`."""
    res = train_fn(a)
    if isinstance(res, dict):
        missing = {"loss1", "loss2", "metric"} - set(res)
        if missing:
            raise KeyError(f"alpha_sweep: train_fn(alpha={a}) returned a dict without "
                           f"{sorted(missing)}")
        extra = {k: v for k, v in res.items() if k not in ("loss1", "loss2", "metric")}
        l1, l2, met = res["loss1"], res["loss2"], res["metric"]
    else:
        try:
            l1, l2, met = res
        except (TypeError, ValueError) as exc:
            raise TypeError(f"alpha_sweep: train_fn(alpha={a}) must return (loss1, "
                            f"loss2, metric) or a dict, got {res!r}") from exc
        extra = {}
    return SweepPoint(a, _as_float(l1, "loss1"), _as_float(l2, "loss2"),
                      _as_float(met, "metric"), extra)


def alpha_sweep(train_fn, alphas, seed: int = 0, progress: bool = True,
                n_jobs: int | None = None, client=None, backend: str | None = None
                ) -> SweepResult:
    """Call ``train_fn(alpha)`` for each alpha and collect what it reports.

    ``train_fn`` trains a fresh model with loss ``alpha * L1 + (1 - alpha) * L2`` and returns
    ``(loss1, loss2, metric)`` or a dict with keys ``loss1``, ``loss2``, ``metric`` (other keys
    are kept in ``extra``); report the *unweighted* losses. ``minigrad.manual_seed(seed)`` runs
    before each call, so every alpha starts from the same initial weights and data order.
    ``n_jobs``/``client``/``backend`` run the alphas in parallel processes or on a Dask
    cluster, with the same results (:func:`minigrad.multitask.run_grid`).
    """
    alphas = [float(a) for a in alphas]
    if not alphas:
        raise ValueError("alpha_sweep: got no alphas")
    pts = run_grid(_sweep_point, [(train_fn, a) for a in alphas], seed, n_jobs, client, backend,
                progress, "alpha_sweep", [f"alpha={a:g}" for a in alphas])
    return SweepResult(pts)


def pareto_front(points) -> list[int]:
    """Indices (ascending) of the points no other point dominates, every coordinate minimised.

    ``q`` dominates ``p`` when ``q <= p`` everywhere and ``q < p`` somewhere; equal points do
    not dominate each other (both stay). Points with a NaN are never on the front.
    """
    pts = [tuple(float(v) for v in p) for p in points]
    if not pts:
        return []
    dim = len(pts[0])
    for k, p in enumerate(pts):
        if len(p) != dim:
            raise ValueError(f"pareto_front: point {k} has {len(p)} coordinates, point 0 has "
                             f"{dim}")
    front = []
    for i, p in enumerate(pts):
        if any(math.isnan(v) for v in p):
            continue
        dominated = any(
            j != i and not any(math.isnan(v) for v in q)
            and all(a <= b for a, b in zip(q, p)) and any(a < b for a, b in zip(q, p))
            for j, q in enumerate(pts))
        if not dominated:
            front.append(i)
    return front


@dataclass
class CVResult:
    """Per-alpha mean and standard deviation of the validation score over the folds."""
    alphas: list
    scores: list
    std: list
    fold_scores: list  # fold_scores[a][f]
    best_alpha: float
    maximize: bool


def kfold_indices(n: int, k: int, seed: int = 0):
    """``k`` (train, validation) index arrays (host int64, sorted) from one seeded shuffle of
    ``range(n)``; every index is in exactly one validation fold."""
    if k < 2 or k > n:
        raise ValueError(f"kfold: need 2 <= k <= n, got k={k}, n={n}")
    perm = host_xp.random.default_rng(seed).permutation(n)
    folds = host_xp.array_split(perm, k)
    return [(host_xp.sort(host_xp.concatenate([f for j, f in enumerate(folds) if j != i])),
             host_xp.sort(folds[i])) for i in range(k)]


def _cv_point(fit, score, a, f, tr, va):
    """Fit on the training rows of one fold and score on its validation rows."""
    s = score(fit(a, tr), va)
    s = float(s.item()) if hasattr(s, "item") else float(s)
    if math.isnan(s):
        raise ValueError(f"cv_alpha: score is NaN for alpha={a} on fold {f}")
    return s


def cv_alpha(fit, score, alphas, n: int, k: int = 5, seed: int = 0, maximize: bool = True,
             progress: bool = True, n_jobs: int | None = None, client=None,
             backend: str | None = None) -> CVResult:
    """k-fold cross-validation of a loss weight.

    ``fit(alpha, train_idx)`` trains a model on the rows ``train_idx`` with loss
    ``alpha L1 + (1 - alpha) L2`` and returns it; ``score(model, val_idx)`` returns one number
    that must NOT depend on alpha (accuracy, or one of the losses alone), so that all alphas are
    compared on the same scale. The same folds serve every alpha, and
    ``minigrad.manual_seed(seed + fold)`` runs before each fit, so within a fold only alpha
    changes. ``maximize=False`` for scores where lower is better.

    The ``len(alphas) * k`` fits are independent: ``n_jobs=4`` runs them in 4 processes,
    ``client=`` on a Dask cluster (:func:`minigrad.multitask.run_grid`); each fit seeds itself,
    so the scores are bit-identical to the serial run. ``fit`` and ``score`` then run in the
    workers (the model never travels back, only the score).
    """
    alphas = [float(a) for a in alphas]
    if not alphas:
        raise ValueError("cv_alpha: got no alphas")
    folds = kfold_indices(int(n), int(k), seed)
    grid = [(a, f) for a in alphas for f in range(len(folds))]
    flat = run_grid(_cv_point, [(fit, score, a, f, *folds[f]) for a, f in grid],
                 [seed + f for _, f in grid], n_jobs, client, backend, progress, "cv_alpha",
                 [f"alpha={a:g} fold={f}" for a, f in grid])
    table = [flat[i * len(folds):(i + 1) * len(folds)] for i in range(len(alphas))]
    means = [sum(r) / len(r) for r in table]
    stds = [math.sqrt(sum((x - m) ** 2 for x in r) / len(r)) for r, m in zip(table, means)]
    best = max(range(len(alphas)), key=lambda i: means[i] if maximize else -means[i])
    return CVResult(alphas, means, stds, table, alphas[best], maximize)
