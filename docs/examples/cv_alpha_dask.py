"""Cross-validate the loss weight alpha of the digits two-head model on a Dask cluster.

The model of the tour (``minigrad.cli.experiment.TwoHeadNet``): a shared 64 -> 8 reduction
layer trained by ``alpha * CE + (1 - alpha) * PCA`` (the PCA loss in penalty form) and a
10-class head. Each alpha is scored by 5-fold CV on one alpha-independent metric, validation
accuracy, and the whole CV is repeated for 3 seeds (other folds, other initial weights) to see
how stable the chosen alpha is. The 5 alphas x 5 folds x 3 seeds = 75 fits run on a Dask
``LocalCluster``; point ``Client(...)`` at a real scheduler (``Client("tcp://host:8786")``)
to run the same grid on a cluster. Each fit seeds itself, so the scores are the same on any
number of workers (and the same as ``n_jobs=None``, the serial loop).

    pip install "minigrad-edu[dask]"
    python docs/examples/cv_alpha_dask.py
"""
import statistics
import time

import numpy as np

import minigrad as mg
import minigrad.multitask as mt
from minigrad.cli.experiment import TwoHeadNet
from minigrad.nn import functional as F

ALPHAS = [0.05, 0.25, 0.5, 0.9, 1.0]
SEEDS = [0, 1, 2]
K, STEPS, LR = 8, 120, 0.02

X_ALL, Y_ALL = mg.data.load_digits()
X_ALL = X_ALL.numpy().astype(np.float64) / 16.0
Y_ALL = Y_ALL.numpy().astype(np.int64)


def fit(alpha, train_idx):
    """A fresh two-head model trained full-batch on the rows ``train_idx``."""
    X = X_ALL[train_idx]
    mean = X.mean(axis=0)
    Xc = X - mean
    S = Xc.T @ Xc / len(Xc)
    S = mg.tensor((S / np.trace(S)).astype(np.float32))
    Xt, yt = mg.tensor(Xc.astype(np.float32)), mg.tensor(Y_ALL[train_idx])
    model = TwoHeadNet(K)
    opt = mg.optim.Adam(model.parameters(), lr=LR)
    eye = mg.eye(K)
    for _ in range(STEPS):
        V = model.reduce.weight.T
        gram = V.T @ V - eye
        pca = F.pca_loss(V, S) + (gram * gram).sum()
        loss = alpha * F.cross_entropy(model(Xt), yt) + (1 - alpha) * pca
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, mean


def score(fitted, val_idx):
    """Validation accuracy: the same scale for every alpha."""
    model, mean = fitted
    with mg.no_grad():
        logits = model(mg.tensor((X_ALL[val_idx] - mean).astype(np.float32)))
    return float((logits.numpy().argmax(axis=1) == Y_ALL[val_idx]).mean())


def main():
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        results = [mt.cv_alpha(fit, score, ALPHAS, n=len(Y_ALL), k=5, seed=s,
                               client=client, progress=False) for s in SEEDS]
    wall = time.perf_counter() - t0
    print(f"{len(ALPHAS)} alphas x 5 folds x {len(SEEDS)} seeds = "
          f"{len(ALPHAS) * 5 * len(SEEDS)} fits on a 2-worker LocalCluster in {wall:.1f} s")
    print("alpha   " + "  ".join(f"seed {s}: acc +- std" for s in SEEDS))
    for i, a in enumerate(ALPHAS):
        print(f"{a:5.2f}   " + "  ".join(f"{r.scores[i]:.3f} +- {r.std[i]:.3f}      "
                                          for r in results))
    chosen = [r.best_alpha for r in results]
    means = [statistics.mean(r.scores[i] for r in results) for i in range(len(ALPHAS))]
    best = ALPHAS[int(np.argmax(means))]
    spread = statistics.stdev(r.scores[ALPHAS.index(best)] for r in results)
    print(f"chosen alpha per seed: {chosen}")
    print(f"alpha {best} has the best mean CV accuracy over the seeds, "
          f"{max(means):.3f} (spread over seeds {spread:.3f})")
    serial = mt.cv_alpha(fit, score, ALPHAS[:1], n=len(Y_ALL), k=5, seed=SEEDS[0],
                         progress=False)
    assert serial.fold_scores[0] == results[0].fold_scores[0]  # the cluster changed nothing
    print("serial re-run of alpha", ALPHAS[0], "seed", SEEDS[0], "matches the cluster exactly")


if __name__ == "__main__":
    main()
