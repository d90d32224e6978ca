# Lesson 08 source (percent format). Build the notebook with: python lessons/_src/build.py 08
# ruff: noqa: E501 - Markdown table rows cannot be wrapped (code lines are checked in the .ipynb)

# %% [markdown]
# # Lesson 8 — Overriding gradients: your own update rule inside an end-to-end model
#
# **Objectives.** After this lesson you can
# - replace the gradient that flows back through one part of a model in four ways, from the most
#   local to the most global: a new op (`minigrad.Function`), `@minigrad.custom_gradient`, a hook
#   (`Tensor.register_hook`), and a scoped swap of a built-in op's rule
#   (`with minigrad.override_gradient(op, rule)`);
# - use them to train a reduction layer with **Oja's rule** on its PCA loss while a classifier
#   trains the same layer with ordinary gradients: only the PCA path's contribution to `W.grad`
#   changes, and the four ways agree to 1e-12;
# - explain why `gradcheck` must fail on such a graph, and read its report.
#
# **Prerequisites.** Lesson 2 (the shared layer gets the sum of both losses' gradients) and
# lesson 6 (the PCA loss is unbounded; Oja's rule is not a gradient).
#
# **Estimated time.** 45 min.

# %%
# %matplotlib inline
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.data import load_digits, train_test_split
from minigrad.ops.pca import oja_direction, oja_rule
from minigrad.testing import GradcheckError, gradcheck

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import spread  # noqa: E402

minigrad.manual_seed(0)
f64 = minigrad.float64

# %% [markdown]
# ## 1. The model: a reduction layer with two losses
#
# Digits $X$ (centred, scaled to [0, 1]); a reduction matrix $W$ (64 x $k$, columns are
# directions) gives features $Z = XW$; a linear classifier on $Z$. Two losses train $W$:
#
# $$L = \mathrm{CE}(\text{classifier}(XW), y) + \lambda\,\big(-\mathrm{tr}(W^\top S W)\big),$$
#
# with $S$ the covariance of the batch (data, so a constant here). The weight is written as an
# additive $\lambda$; in the convention of lesson 3 (the convex weight $\alpha$ on the first loss,
# $\alpha\,\mathrm{CE} + (1-\alpha)\,\mathrm{PCA}$) it is $\lambda = (1-\alpha)/\alpha$, so
# $\lambda = 1$ here is $\alpha = 0.5$, with the learning rate scaled by $1/\alpha = 2$.
# By lesson 2, `W.grad` is the sum of the CE part and the PCA part, $-2\lambda SW$. We want to keep the CE part and replace the PCA
# part by Oja's direction $-(I - WW^\top)SW$, so that an SGD step on the PCA loss is exactly Oja's
# update, which keeps $W$ orthonormal (lesson 6).

# %%
X, y = load_digits(dtype=f64)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)
mean = X_train.mean(dim=0, keepdim=True)
X_train, X_test = X_train - mean, X_test - mean


def covariance(Xb):
    return Xb.T @ Xb / Xb.shape[0]                 # the batch is already centred


rng = np.random.default_rng(0)
k = 8
W_start = np.linalg.qr(rng.normal(size=(64, k)))[0]
xb, yb = X_train[:128], y_train[:128]
S = covariance(xb)
lam = 1.0                                      # lambda = (1 - alpha) / alpha, alpha = 0.5


def fresh(seed=1):
    """New leaves with the same values: W (64, k) and the classifier (k -> 10, from ``seed``)."""
    W = minigrad.tensor(W_start, dtype=f64, requires_grad=True)
    head = nn.Linear(k, 10).to(dtype=f64)
    minigrad.manual_seed(seed)
    for p in head.parameters():
        p.data = (minigrad.randn(*p.shape, dtype=f64) * 0.1).data
    return W, head


def grads(pca_term):
    """Backward the total loss with a given PCA term; return W.grad and the head's grads."""
    W, head = fresh()
    loss = F.cross_entropy(head(xb @ W), yb) + lam * pca_term(W, S)
    loss.backward()
    return W.grad.numpy(), [p.grad.numpy() for p in head.parameters()]


plain_W, plain_head = grads(F.pca_loss)
print("W.grad with the plain PCA gradient: norm", round(float(np.linalg.norm(plain_W)), 6))

# %% [markdown]
# ## 2. Way 1: a new op, `minigrad.Function`
#
# Write the forward and the backward yourself. `forward` gets Tensors (recording is off inside it),
# saves what backward needs with `ctx.save_for_backward`, and returns the output; `backward` gets
# the gradient of the output and returns **one gradient per forward argument** (here for `W` and
# for `S`; `None` where no gradient is needed). Nothing checks that backward is the derivative of
# forward: that is the point, and the danger.

# %%
class OjaPCALoss(minigrad.Function):
    """Forward: -trace(W^T S W). Backward: Oja's direction for W (not the gradient)."""

    @staticmethod
    def forward(ctx, W, S):
        ctx.save_for_backward(W, S)
        return -(W * (S @ W)).sum()

    @staticmethod
    def backward(ctx, g):
        W, S = ctx.saved_tensors
        gW = oja_direction(W, S) * g if ctx.needs_input_grad[0] else None
        gS = -g * (W @ W.T) if ctx.needs_input_grad[1] else None
        return gW, gS


way1_W, way1_head = grads(OjaPCALoss.apply)

# %% [markdown]
# ## 3. Way 2: `@minigrad.custom_gradient`
#
# Wrap any function of tensors. It runs with recording off and returns `(output, backward_fn)`;
# `backward_fn` gets the output's gradient and returns one gradient per positional tensor
# argument. The trap: a tensor the function uses *without* receiving it as an argument (a
# closure, `self.weight`) gets no gradient at all.

# %%
@minigrad.custom_gradient
def oja_pca_loss(W, S):
    def backward_fn(g):
        return oja_direction(W, S) * g, -g * (W @ W.T)
    return F.pca_loss(W, S), backward_fn


way2_W, way2_head = grads(oja_pca_loss)

# %% [markdown]
# ## 4. Way 3: a hook
#
# `t.register_hook(fn)` calls `fn` with the **total** gradient reaching `t` in a backward pass
# and uses its return value instead (or the original, if it returns `None`). A hook on `W` itself
# would see the sum of the CE and PCA parts, too late to separate them. So route the PCA loss
# through its own view of `W`, `W_pca = W * 1.0`, used by nothing else: its hook sees only the PCA
# gradient $-2gSW$ and returns Oja's direction, $\tfrac12(I - WW^\top)$ times it (for symmetric
# $S$).

# %%
def hooked_pca_loss(W, S):
    W_pca = W * 1.0
    Wc = W.detach()
    W_pca.register_hook(lambda grad: 0.5 * (grad - Wc @ (Wc.T @ grad)))
    return F.pca_loss(W_pca, S)


way3_W, way3_head = grads(hooked_pca_loss)

# %% [markdown]
# ## 5. Way 4: swap a built-in op's rule for a scope
#
# `with minigrad.override_gradient(F.pca_loss, rule):` makes every `pca_loss` node *created inside
# the block* use `rule` (the signature of `Function.backward`) instead of its own backward. The
# swap is bound when the forward runs, so a backward after the block still uses it, and nodes
# created outside are untouched. `minigrad.ops.pca.oja_rule` is that rule.

# %%
def scoped_pca_loss(W, S):
    with minigrad.override_gradient(F.pca_loss, oja_rule):
        return F.pca_loss(W, S)


way4_W, way4_head = grads(scoped_pca_loss)

# Outside the block the op is itself again:
assert np.allclose(grads(F.pca_loss)[0], plain_W, atol=0, rtol=0)

# %% [markdown]
# ### The four ways agree, and only the PCA path changed
#
# The classifier never sees the PCA loss, so its gradients are identical in all five runs. In
# `W.grad`, the difference from the plain run is exactly $\lambda$ times (Oja's direction minus the
# PCA gradient). To check every run against something the engine did not compute, write the
# whole gradient by hand in NumPy: with $Z = XW$, logits $Z H^\top + c$ and softmax $P$, the CE
# part is $X^\top \big((P - Y)/N\big) H$, and the PCA part $-2\lambda SW$ (plain) or
# $-\lambda (I - WW^\top) S W$ (Oja).

# %%
W0, S_np, Xb_np = W_start, S.numpy(), xb.numpy()
H, c = (p.detach().numpy() for p in fresh()[1].parameters())
logits = Xb_np @ W0 @ H.T + c
P = np.exp(logits - logits.max(axis=1, keepdims=True))
P /= P.sum(axis=1, keepdims=True)
dlogits = (P - np.eye(10)[yb.numpy()]) / len(Xb_np)
ce_W = Xb_np.T @ dlogits @ H                                    # CE part of W.grad, by hand
by_hand = {"plain": ce_W + lam * (-2 * S_np @ W0),
           "oja": ce_W - lam * (np.eye(64) - W0 @ W0.T) @ S_np @ W0}
by_hand_head = [dlogits.T @ (Xb_np @ W0), dlogits.sum(axis=0)]   # the classifier's grads
assert np.allclose(plain_W, by_hand["plain"], rtol=1e-10, atol=1e-12)
ways = {"Function": (way1_W, way1_head), "custom_gradient": (way2_W, way2_head),
        "hook": (way3_W, way3_head), "override_gradient": (way4_W, way4_head)}
W_t = minigrad.tensor(W_start, dtype=f64)
expected_change = lam * (oja_direction(W_t, S).numpy() - (-2 * S_np @ W_start))
for name, (gW, ghead) in ways.items():
    diff = np.abs(gW - by_hand["oja"]).max()
    print(f"{name:>17}: max |W.grad - by hand| = {diff:.1e}")
    assert diff < 1e-12, f"{name}: W.grad is not CE part + lambda * Oja's direction"
    assert all(np.allclose(a, b, rtol=1e-10, atol=1e-13) for a, b in zip(ghead, by_hand_head))
    assert np.allclose(gW - plain_W, expected_change, atol=1e-12)

fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
cols = np.arange(k)
ax.bar(cols - 0.2, np.linalg.norm(plain_W, axis=0), 0.4, label="plain PCA gradient (+ CE)")
ax.bar(cols + 0.2, np.linalg.norm(way1_W, axis=0), 0.4, label="Oja's direction (+ CE), any way")
ax.set_title("W.grad per column: the PCA part replaced, the CE part kept")
ax.set_xlabel("column j of W (a direction)")
ax.set_ylabel("norm of W.grad[:, j]")
ax.legend()
plt.show()

# %% [markdown]
# ## 6. `gradcheck` fails, and says where to look
#
# `gradcheck` compares the backward pass with finite differences of the forward. Oja's direction is
# not the derivative of $-\mathrm{tr}(W^\top S W)$, so the check must fail; its report names the
# nodes whose backward is custom, the usual suspects.

# %%
Wg = minigrad.tensor(rng.normal(size=(5, 2)), dtype=f64, requires_grad=True)
A = rng.normal(size=(5, 5))
Sg = minigrad.tensor(A @ A.T / 5, dtype=f64)
assert gradcheck(lambda W: F.pca_loss(W, Sg), [Wg])           # the real gradient passes
for name, fn in (("Function", OjaPCALoss.apply), ("custom_gradient", oja_pca_loss),
                 ("hook", hooked_pca_loss), ("override_gradient", scoped_pca_loss)):
    try:
        gradcheck(lambda W: fn(W, Sg), [Wg])
        raise AssertionError(f"{name}: gradcheck should have failed")
    except GradcheckError as err:
        report = str(err)
    assert "custom" in report.lower() or "hook" in report.lower()
    print(f"--- {name}:", report.splitlines()[-1])

# %% [markdown]
# ## 7. Oja's rule inside the end-to-end model
#
# Train $W$ and the classifier with SGD on $\mathrm{CE} + \lambda\,\mathrm{PCA}$ (one backward per
# step, the PCA term built inside `override_gradient`), and compare with the plain PCA gradient and
# with CE alone. With SGD, the PCA part of each step is exactly $\eta\lambda$ times Oja's update.

# %%
def explained_variance(W, S_full):
    U, sv, _ = np.linalg.svd(W, full_matrices=False)
    U = U[:, sv > 1e-8 * sv[0]]
    return np.trace(U.T @ S_full @ U) / np.trace(S_full)


S_full = covariance(X_train).numpy()


def train(pca_term, lam, epochs=8, lr=0.5, seed=0):
    W, head = fresh(seed=1 + seed)
    opt = minigrad.optim.SGD([W, *head.parameters()], lr=lr)
    loader = minigrad.data.DataLoader((X_train, y_train), batch_size=128, shuffle=True, seed=seed)
    hist = {"orth": [], "ev": [], "norm": []}
    for _ in range(epochs):
        for xb_, yb_ in loader:
            loss = F.cross_entropy(head(xb_ @ W), yb_)
            if lam:
                loss = loss + lam * pca_term(W, covariance(xb_))
            opt.zero_grad()
            loss.backward()
            opt.step()
            Wn = W.detach().numpy()
            hist["orth"].append(np.linalg.norm(Wn.T @ Wn - np.eye(k)))
            hist["ev"].append(explained_variance(Wn, S_full))
            hist["norm"].append(np.linalg.norm(Wn))
    with minigrad.no_grad():
        acc = (head(X_test @ W).argmax(dim=1) == y_test).float().mean().item()
    return {key: np.array(v) for key, v in hist.items()}, acc


runs = {"CE only": train(None, 0.0), "CE + PCA, plain gradient": train(F.pca_loss, lam),
        "CE + PCA, Oja (override_gradient)": train(scoped_pca_loss, lam)}
best = np.sort(np.linalg.eigvalsh(S_full))[::-1][:k].sum() / np.trace(S_full)
for name, (h, acc) in runs.items():
    print(f"{name:>34}: test accuracy {acc:.3f}, explained variance {h['ev'][-1]:.3f} "
          f"(PCA {best:.3f}), |W^T W - I| {h['orth'][-1]:.3f}, |W| {h['norm'][-1]:.3g}")

oja_h, oja_acc = runs["CE + PCA, Oja (override_gradient)"]
plain_h, _ = runs["CE + PCA, plain gradient"]
ce_h, ce_acc = runs["CE only"]
assert plain_h["norm"][-1] > 100 * plain_h["norm"][0]        # plain PCA gradient: W explodes
assert oja_h["orth"][-1] < min(1.0, 0.1 * ce_h["orth"][-1])   # Oja keeps W near orthonormal
assert oja_h["ev"][-1] > ce_h["ev"][-1] + 0.05                # and finds high-variance directions
# The accuracy claim over 5 seeds (the head's initial weights and the batch order; W starts at
# W_start every time):
oja_accs = spread([oja_acc] + [train(scoped_pca_loss, lam, seed=s)[1] for s in range(1, 5)],
                  "Oja, test accuracy")
assert oja_accs.min() > 0.85                   # while the classifier still learns, every seed

fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
for name, (h, acc) in runs.items():
    axes[0].semilogy(h["norm"], label=f"{name}")
    axes[1].plot(h["ev"], label=f"{name} (test acc {acc:.2f})")
axes[0].set_title("Size of the reduction layer |W|_F")
axes[0].set_xlabel("SGD step")
axes[0].set_ylabel("|W|_F (log scale)")
axes[0].legend(fontsize=8)
axes[1].axhline(best, color="k", lw=0.8, label=f"PCA with k={k}")
axes[1].set_title("Explained variance of span(W)")
axes[1].set_xlabel("SGD step")
axes[1].set_ylabel("tr(P_W S) / tr(S)")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# With the plain PCA gradient, $W$ grows by a constant factor per step (lesson 6), the logits blow
# up and the classifier breaks; its explained variance drops in steps as the columns collapse onto
# the top direction and $W$ loses numerical rank. With Oja's direction, the same loss, the same
# optimizer and the same model keep $W$ near orthonormal, close to the PCA optimum, and still
# classify well; CE alone classifies as well but keeps less of the variance.
#
# ## Which way to choose?
#
# | Way | Scope | Use it when |
# |---|---|---|
# | `Function` subclass | one new op | you own the computation and its rule (a new layer) |
# | `custom_gradient` | one composite function | the forward is easy to write from existing ops |
# | hook | one tensor, one backward pass | you want to *edit* a gradient (clip, scale, project) |
# | `override_gradient` | every node of one op type, in a block | you cannot or do not want to change the model code |
#
# All four leave the chain rule behind on purpose: test them against the rule you meant (as in
# section 5), since `gradcheck` cannot.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 8.1.** Write a straight-through estimator as a `Function`: `round` in the forward, the
# identity in the backward. Train a one-layer classifier on digits whose features are rounded to
# integers, and compare with `minigrad.straight_through_round`.
#
# *Hand in:* your Function subclass (straight-through round).

# %%
# Exercise 8.1: your work here; then replace None by your answer.
answer = None
check("8.1", answer)

# %% [markdown]
# **Exercise 8.2.** Replace Oja's subspace rule by Sanger's GHA (lesson 6, exercise 6.1) with each
# of
# the four ways. Which way needed the fewest changes?
#
# *Hand in:* gha_direction(W, S) -> Tensor, the backward direction for GHA.

# %%
# Exercise 8.2: your work here; then replace None by your answer.
answer = None
check("8.2", answer)

# %% [markdown]
# **Exercise 8.3.** Hooks see the *total* gradient of their tensor. Register the Oja hook on `W`
# itself instead of on `W_pca`. Which part of `W.grad` is now projected, and why is the result
# different from section 5? State the difference as an `assert`.
#
# *Hand in:* (W.grad with the hook on W, plain_W, W_start).

# %%
# Exercise 8.3: your work here; then replace None by your answer.
answer = None
check("8.3", answer)
