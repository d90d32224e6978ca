"""Lesson 2's training run: a two-head model on ``CE + MSE``, recording the shared-layer norms."""
from __future__ import annotations

import minigrad
import minigrad.nn.functional as F
from minigrad.data import DataLoader, TensorDataset
from minigrad.multitask import head_grads


def train_two_heads(make_model, data, seed, epochs=4, record=None, every=5):
    """Train ``make_model()`` (returning ``(h, logits, recon)``) on ``CE + MSE`` with Adam.

    ``data`` is ``(X_train, y_train, X_test, y_test)``; ``seed`` sets the initial weights
    (``manual_seed``) and the batch order (batches of 64, lr 1e-2). With a dict ``record``
    (keys ``"CE"``, ``"MSE"``, ``"steps"``), every ``every`` steps it appends each loss's gradient
    norm on the shared layer (``model.shared``), measured by ``head_grads`` on the first 256
    training images, so that the ratio changes only because the model does.
    Returns ``(model, test accuracy, test MSE, number of steps)``.
    """
    X_train, y_train, X_test, y_test = data
    minigrad.manual_seed(seed)
    model = make_model()
    opt = minigrad.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True, seed=seed)
    fixed_x, fixed_y = X_train[:256], y_train[:256]
    step = 0
    for _ in range(epochs):
        for xb, yb in loader:
            _, logits, recon = model(xb)
            ce, mse = F.cross_entropy(logits, yb), F.mse_loss(recon, xb)
            if record is not None and step % every == 0:
                _, logits_f, recon_f = model(fixed_x)
                hg = head_grads({"CE": F.cross_entropy(logits_f, fixed_y),
                                 "MSE": F.mse_loss(recon_f, fixed_x)},
                                [model.shared.weight, model.shared.bias])
                for name in ("CE", "MSE"):
                    record[name].append(hg.norms[name].total)
                record["steps"].append(step)
            opt.zero_grad()
            (ce + mse).backward()
            opt.step()
            step += 1
    with minigrad.no_grad():
        _, logits, recon = model(X_test)
        acc = (logits.argmax(dim=1) == y_test).float().mean().item()
        test_mse = F.mse_loss(recon, X_test).item()
    return model, acc, test_mse, step
