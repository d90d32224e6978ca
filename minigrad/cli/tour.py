"""``python -m minigrad tour``: two losses on one shared layer, swept over their weight alpha.

It trains the two-head digits network of :mod:`minigrad.cli.experiment` once per alpha, prints
a table (alpha, test accuracy, explained variance of the shared layer, each head's weighted
gradient norm on the shared layer, and the cosine between the heads' gradients there), and
writes four figures to an output folder: the Pareto front, the gradient flow per head, the
computation graph drawn with one colour per head, and the training curves.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

K = 8  # width of the reduction layer
QUICK: dict[str, Any] = {"alphas": (0.0, 0.05, 0.25, 0.5, 0.9, 1.0), "steps": 300}
FULL: dict[str, Any] = {"alphas": (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0),
                        "steps": 600}

INTRO = """\
minigrad tour: two losses, one shared layer (8x8 digits, 64 pixels -> {k} -> 10 classes)

  shared layer   z = x W^T, W of shape ({k}, 64)
  CE head        logits = head(z), CE = cross-entropy(logits, labels)
  PCA loss       PCA = -tr(V^T S V) + rho ||V^T V - I||^2 with V = W^T (penalty form, rho = 1;
                 S = training covariance / tr(S)); minimised by the top-{k} principal subspace
  training       alpha * CE + (1 - alpha) * PCA, Adam, {steps} full-batch steps per alpha

Both losses reach W and the engine adds their gradients there; only CE reaches the head.
"""

NOTES = """\
  test acc   accuracy of the CE head on the held-out quarter of the digits
  expl. var  tr(P_W S) / tr(S): the share of pixel variance in the span of W's {k} directions
             (the best {k}-dimensional subspace explains {best:.3f})
  |a gCE|, |(1-a) gPCA|   norms of each head's weighted gradient on W after training; at a
             minimum of the total they cancel: equal norms, cosine -1
"""


@dataclass
class TourResult:
    """What one tour produced: the trained runs by alpha, the table text, the figure paths."""

    runs: dict
    table: str
    out: str
    figures: list = field(default_factory=list)
    best_share: float = 0.0


def format_table(runs) -> str:
    header = (f"{'alpha':>6}  {'test acc':>8}  {'expl. var':>9}  {'|a gCE|':>9}  "
              f"{'|(1-a) gPCA|':>12}  {'cos(gCE, gPCA)':>14}")
    lines = [header, "-" * len(header)]
    for r in runs:
        lines.append(f"{r.alpha:>6.2f}  {r.accuracy:>8.3f}  {r.explained:>9.3f}  "
                     f"{r.grad_ce:>9.4f}  {r.grad_pca:>12.4f}  {r.cosine:>14.3f}")
    return "\n".join(lines)


def format_spread(by_seed: dict, alphas) -> str:
    """Per alpha: test accuracy and explained variance as mean ± std (min-max) over seeds."""
    import numpy as np

    seeds = list(by_seed)
    header = (f"{'alpha':>6}  {'test acc: mean ± std (min-max)':>32}  "
              f"{'expl. var: mean ± std':>22}")
    lines = [f"over {len(seeds)} seeds ({', '.join(map(str, seeds))}): split, initial weights",
             header, "-" * len(header)]
    for a in alphas:
        acc = np.array([by_seed[s][a].accuracy for s in seeds])
        ev = np.array([by_seed[s][a].explained for s in seeds])
        lines.append(f"{a:>6.2f}  {acc.mean():>11.3f} ± {acc.std(ddof=1):.3f} "
                     f"({acc.min():.3f}-{acc.max():.3f})  {ev.mean():>13.3f} ± "
                     f"{ev.std(ddof=1):.3f}")
    return "\n".join(lines)


def sweep_seeds(seeds, quick: bool = False, device: str = "cpu") -> dict:
    """``{seed: {alpha: Run}}``: the tour's sweep repeated for each seed (no figures)."""
    from minigrad import multitask

    from .experiment import DigitsTask, train

    cfg = QUICK if quick else FULL
    out = {}
    for seed in seeds:
        task = DigitsTask.load(seed, K, device)
        runs: dict = {}

        def train_fn(alpha, task=task, runs=runs):
            runs[alpha] = train(alpha, task, K, cfg["steps"], device=device)
            return {"loss1": runs[alpha].ce, "loss2": runs[alpha].pca,
                    "metric": runs[alpha].accuracy}

        multitask.alpha_sweep(train_fn, cfg["alphas"], seed=seed)
        out[seed] = runs
    return out


def run_tour(quick: bool = False, out: str = "minigrad-tour", seed: int = 0,
             device: str = "cpu", file=None, seeds: int = 1) -> TourResult:
    """Run the sweep, print the table, write the figures; return a :class:`TourResult`.
    With ``seeds > 1`` also repeat the sweep for seeds ``seed+1 ...`` and print the spread."""
    from minigrad import multitask

    from .experiment import DigitsTask, train

    file = file or sys.stdout
    cfg = QUICK if quick else FULL
    start = time.perf_counter()
    print(INTRO.format(k=K, steps=cfg["steps"]), file=file)
    task = DigitsTask.load(seed, K, device)
    runs = {}

    def train_fn(alpha):
        run = train(alpha, task, K, cfg["steps"], device=device)
        runs[alpha] = run
        return {"loss1": run.ce, "loss2": run.pca, "metric": run.accuracy}

    multitask.alpha_sweep(train_fn, cfg["alphas"], seed=seed)
    ordered = [runs[a] for a in cfg["alphas"]]
    table = format_table(ordered)
    print(table, file=file)
    print(file=file)
    print(NOTES.format(k=K, best=task.top_k_share), file=file)
    if seeds > 1:
        more = sweep_seeds(range(seed + 1, seed + seeds), quick, device)
        print(format_spread({seed: runs, **more}, cfg["alphas"]), file=file)
        print(file=file)
    from .figures import write_figures

    figures = write_figures(ordered, task, K, seed, device, out)
    where = os.path.abspath(out)
    print(f"figures ({', '.join(os.path.basename(f) for f in figures)}) written to {where}",
          file=file)
    print(f"done in {time.perf_counter() - start:.1f} s", file=file)
    return TourResult(runs, table, where, figures, task.top_k_share)
