"""The tour's experiment: one reduction layer trained by two losses at once.

Model (8x8 digits, 64 pixels, centred with the training mean):

    z = x W^T            the shared reduction layer, W of shape (k, 64), no bias
    logits = head(z)     a linear classifier head, 10 classes

Losses:

* ``CE``  = cross-entropy of the logits (the classifier's loss);
* ``PCA`` = -tr(V^T S V) + rho ||V^T V - I||_F^2 with V = W^T (64, k) and S the training
  covariance scaled to trace 1. This is the *penalty form* of a PCA objective: the first term
  (``nn.functional.pca_loss``) rewards variance captured by V's columns but is unbounded
  (scale V up and it falls forever); the penalty keeps V near orthonormal, which bounds it.
  Its minimisers span the top-k principal subspace (with column norms slightly above 1).

Training minimises ``alpha * CE + (1 - alpha) * PCA`` with Adam, full batch. Both losses send
gradients into W and the engine adds them up; only CE reaches the head.

Explained variance of W: ``tr(P_W S) / tr(S)``, P_W the orthogonal projector onto the span of
V's columns (computed on the host from a QR factorisation), 1 for the whole space, and at most
the top-k eigenvalues' share for k directions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minigrad as mg
from minigrad import multitask, nn
from minigrad.nn import functional as F

RHO = 1.0  # weight of the orthonormality penalty inside the PCA loss


@dataclass
class DigitsTask:
    """The data of the tour, on one device: centred inputs, labels, the scaled covariance."""

    X_train: mg.Tensor
    y_train: mg.Tensor
    X_test: mg.Tensor
    y_test: np.ndarray  # host labels, for accuracy
    S: mg.Tensor  # training covariance / its trace (64 x 64), on the device
    S_host: np.ndarray  # the unscaled covariance in float64, for explained variance
    top_k_share: float  # what the best k-dimensional subspace explains

    @classmethod
    def load(cls, seed: int, k: int, device: str = "cpu") -> DigitsTask:
        X, y = mg.data.load_digits()  # pixels 0..16, shape (1797, 64); labels 0..9
        split = mg.data.train_test_split(X / 16.0, y, test_size=0.25, stratify=True, seed=seed)
        Xtr, Xte, ytr, yte = (t.numpy() for t in split)
        mean = Xtr.mean(axis=0)
        Xtr, Xte = Xtr - mean, Xte - mean
        S = (Xtr.T.astype(np.float64) @ Xtr.astype(np.float64)) / len(Xtr)
        eig = np.sort(np.linalg.eigvalsh(S))[::-1]
        scaled = (S / np.trace(S)).astype(np.float32)
        return cls(
            X_train=mg.tensor(Xtr.astype(np.float32), device=device),
            y_train=mg.tensor(ytr.astype(np.int64), device=device),
            X_test=mg.tensor(Xte.astype(np.float32), device=device),
            y_test=yte.astype(np.int64),
            S=mg.tensor(scaled, device=device),
            S_host=S,
            top_k_share=float(eig[:k].sum() / eig.sum()),
        )


class TwoHeadNet(nn.Module):
    """A shared reduction layer (64 -> k) and a classifier head (k -> 10)."""

    def __init__(self, k: int, device: str = "cpu"):
        super().__init__()
        self.reduce = nn.Linear(64, k, bias=False, device=device)
        self.head = nn.Linear(k, 10, device=device)

    def forward(self, x):
        return self.head(self.reduce(x))


def losses(model: TwoHeadNet, task: DigitsTask, X=None, y=None) -> dict:
    """``{"CE": ..., "PCA": ...}`` on the training set (or on ``X``, ``y``)."""
    X = task.X_train if X is None else X
    y = task.y_train if y is None else y
    ce = F.cross_entropy(model(X), y)
    V = model.reduce.weight.T
    k = V.shape[1]
    gram = V.T @ V - mg.eye(k, device=V.device)
    pca = F.pca_loss(V, task.S) + RHO * (gram * gram).sum()
    return {"CE": ce, "PCA": pca}


def explained_variance(model: TwoHeadNet, task: DigitsTask) -> float:
    """``tr(P_W S) / tr(S)`` for the span of the reduction layer's directions."""
    V = model.reduce.weight.detach().numpy().T.astype(np.float64)
    Q, _ = np.linalg.qr(V)
    return float(np.trace(Q.T @ task.S_host @ Q) / np.trace(task.S_host))


def accuracy(model: TwoHeadNet, task: DigitsTask) -> float:
    with mg.no_grad():
        pred = model(task.X_test).numpy().argmax(axis=1)
    return float((pred == task.y_test).mean())


@dataclass
class Run:
    """One trained model and what the tour reports about it."""

    alpha: float
    model: TwoHeadNet
    accuracy: float
    explained: float
    ce: float  # final training losses (unweighted)
    pca: float
    grad_ce: float  # |alpha * dCE/dW| at the end, on the shared layer
    grad_pca: float  # |(1 - alpha) * dPCA/dW|
    cosine: float  # cosine between dCE/dW and dPCA/dW
    history: dict  # {"CE": [...], "PCA": [...]} per step


def train(alpha: float, task: DigitsTask, k: int, steps: int, lr: float = 0.01,
          device: str = "cpu") -> Run:
    """Train a fresh model on ``alpha * CE + (1 - alpha) * PCA`` (seed it before calling)."""
    model = TwoHeadNet(k, device)
    opt = mg.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list] = {"CE": [], "PCA": []}
    for _ in range(steps):
        ls = losses(model, task)
        total = alpha * ls["CE"] + (1 - alpha) * ls["PCA"]
        opt.zero_grad()
        total.backward()
        opt.step()
        history["CE"].append(ls["CE"].item())
        history["PCA"].append(ls["PCA"].item())
    shared = shared_grads(model, task)
    return Run(alpha, model, accuracy(model, task), explained_variance(model, task),
               history["CE"][-1], history["PCA"][-1], alpha * shared.norms["CE"].total,
               (1 - alpha) * shared.norms["PCA"].total, float(shared.cosine.numpy()[0, 1]),
               history)


def shared_grads(model: TwoHeadNet, task: DigitsTask):
    """Each loss's gradient on the shared layer (``multitask.head_grads``, m = 2 passes)."""
    return multitask.head_grads(losses(model, task), {"reduce.weight": model.reduce.weight})


def layer_grads(model: TwoHeadNet, task: DigitsTask):
    """Each loss's gradient on every parameter: the shared layer and the head."""
    return multitask.head_grads(losses(model, task), dict(model.named_parameters()),
                                   allow_unused=True)
