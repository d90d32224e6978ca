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
import sys
from dataclasses import dataclass, field

from ..backend import host_xp
from ..creation import manual_seed


class _Counter:
    """The fallback progress display when tqdm is not installed: ``desc: 3/11 alpha=0.3``."""

    def __init__(self, total, desc):
        self.total, self.desc, self.n, self.post = total, desc, 0, ""

    def update(self, k=1):
        self.n += k
        sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total} {self.post}")
        sys.stderr.flush()

    def set_postfix_str(self, s, refresh=True):
        self.post = s

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Silent:
    def update(self, k=1):
        pass

    def set_postfix_str(self, s, refresh=True):
        pass

    def close(self):
        pass


def progress_bar(total: int, desc: str, progress: bool = True):
    """tqdm when it is installed (imported here, lazily), else a plain counter; nothing at all
    when ``progress=False`` or when stderr is not a terminal (logs, CI, pytest)."""
    isatty = getattr(sys.stderr, "isatty", None)
    if not progress or not (isatty and isatty()):
        return _Silent()
    try:
        from tqdm import tqdm  # noqa: PLC0415 - optional, so imported only when needed
    except ImportError:
        return _Counter(total, desc)
    return tqdm(total=total, desc=desc, file=sys.stderr)


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


def alpha_sweep(train_fn, alphas, seed: int = 0, progress: bool = True) -> SweepResult:
    """Call ``train_fn(alpha)`` for each alpha and collect what it reports.

    ``train_fn`` trains a fresh model with loss ``alpha * L1 + (1 - alpha) * L2`` and returns
    ``(loss1, loss2, metric)`` or a dict with keys ``loss1``, ``loss2``, ``metric`` (other keys
    are kept in ``extra``); report the *unweighted* losses. ``minigrad.manual_seed(seed)`` runs
    before each call, so every alpha starts from the same initial weights and data order.
    """
    alphas = [float(a) for a in alphas]
    if not alphas:
        raise ValueError("alpha_sweep: got no alphas")
    out = SweepResult()
    bar = progress_bar(len(alphas), "alpha_sweep", progress)
    try:
        for a in alphas:
            manual_seed(seed)
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
            out.append(SweepPoint(a, _as_float(l1, "loss1"), _as_float(l2, "loss2"),
                                  _as_float(met, "metric"), extra))
            bar.set_postfix_str(f"alpha={a:g}")
            bar.update(1)
    finally:
        bar.close()
    return out


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


def cv_alpha(fit, score, alphas, n: int, k: int = 5, seed: int = 0, maximize: bool = True,
             progress: bool = True) -> CVResult:
    """k-fold cross-validation of a loss weight.

    ``fit(alpha, train_idx)`` trains a model on the rows ``train_idx`` with loss
    ``alpha L1 + (1 - alpha) L2`` and returns it; ``score(model, val_idx)`` returns one number
    that must NOT depend on alpha (accuracy, or one of the losses alone), so that all alphas are
    compared on the same scale. The same folds serve every alpha, and
    ``minigrad.manual_seed(seed + fold)`` runs before each fit, so within a fold only alpha
    changes. ``maximize=False`` for scores where lower is better.
    """
    alphas = [float(a) for a in alphas]
    if not alphas:
        raise ValueError("cv_alpha: got no alphas")
    folds = kfold_indices(int(n), int(k), seed)
    table = []
    bar = progress_bar(len(alphas) * len(folds), "cv_alpha", progress)
    try:
        for a in alphas:
            row = []
            for f, (tr, va) in enumerate(folds):
                manual_seed(seed + f)
                model = fit(a, tr)
                s = score(model, va)
                s = float(s.item()) if hasattr(s, "item") else float(s)
                if math.isnan(s):
                    raise ValueError(f"cv_alpha: score is NaN for alpha={a} on fold {f}")
                row.append(s)
                bar.set_postfix_str(f"alpha={a:g} fold={f}")
                bar.update(1)
            table.append(row)
    finally:
        bar.close()
    means = [sum(r) / len(r) for r in table]
    stds = [math.sqrt(sum((x - m) ** 2 for x in r) / len(r)) for r, m in zip(table, means)]
    best = max(range(len(alphas)), key=lambda i: means[i] if maximize else -means[i])
    return CVResult(alphas, means, stds, table, alphas[best], maximize)
