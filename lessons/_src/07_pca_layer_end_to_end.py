# Lesson 07 source (percent format). Build the notebook with: python lessons/_src/build.py 07

# %% [markdown]
# # Lesson 7 — A PCA layer and a classifier, trained end to end
#
# **Objectives.** After this lesson you can
# - train one reduction layer with two losses at once, a classifier's cross-entropy and a bounded
#   PCA loss, weighted as $\alpha\,\mathrm{CE} + (1-\alpha)\,\mathrm{PCA}$ (the convention of every
#   lesson: $\alpha$ the convex weight on the loss named first; an additive weight
#   $\mathrm{CE} + \lambda\,\mathrm{PCA}$ is $\lambda = (1-\alpha)/\alpha$);
# - read the trade-off that `alpha` controls from a sweep (`multitask.alpha_sweep`): test accuracy
#   against the explained variance of the layer, and its Pareto front (`viz.plot_pareto`);
# - see the difference in the learned 2-D embeddings: directions of large variance versus
#   directions that separate the classes.
#
# **Prerequisites.** Lesson 6 (the PCA loss needs a constraint; the penalty form and its bias);
# lessons 2–4 (two losses on a shared layer; what `alpha` means and how to choose it).
#
# **Estimated time.** 30 min.

# %%
# %matplotlib inline
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim, viz
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.multitask import alpha_sweep, pareto_front

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import spread  # noqa: E402

minigrad.manual_seed(0)

# %% [markdown]
# ## 1. The model
#
# A reduction layer $W$ (64 x 2, columns are directions) maps each centred image to a 2-D
# embedding $z = xW$, which a small MLP classifies. The layer gets two losses:
#
# - $\mathrm{CE}$: the classifier's cross-entropy, which wants directions that separate the digits;
# - $\mathrm{PCA} = -\mathrm{tr}(W^\top S W)/\mathrm{tr}(S) + \rho\,\|W^\top W - I\|_F^2$: the
#   penalty form from lesson 6 (scaled by $\mathrm{tr}(S)$ so it is about 1), which wants
#   orthonormal directions of large variance, with $S$ the batch covariance.
#
# Two dimensions keep the embedding easy to look at; PCA itself keeps only about 29% of the
# variance with two directions, and classifies poorly with them.

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)
mean = X_train.mean(dim=0, keepdim=True)
X_train, X_test = X_train - mean, X_test - mean
S_full = (X_train.T @ X_train / X_train.shape[0]).numpy().astype(np.float64)
eigval, eigvec = np.linalg.eigh(S_full)
best_ev = eigval[::-1][:2].sum() / eigval.sum()
rho = 1.0


class PCANet(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.W = nn.Parameter(minigrad.randn(64, k) * 0.1)
        self.head = nn.Sequential(nn.Linear(k, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        z = x @ self.W
        return z, self.head(z)


def pca_term(W, xb):
    S = xb.T @ xb / xb.shape[0]
    D = W.T @ W - minigrad.eye(W.shape[1], dtype=W.dtype)
    return F.pca_loss(W, S) / float(np.trace(S_full)) + rho * (D * D).sum()


def explained_variance(W):
    U, sv, _ = np.linalg.svd(W, full_matrices=False)
    U = U[:, sv > 1e-8 * sv[0]]
    return float(np.trace(U.T @ S_full @ U) / np.trace(S_full))


print(f"PCA with 2 directions keeps {best_ev:.3f} of the variance")

# %% [markdown]
# ## 2. Sweep alpha
#
# `alpha_sweep(train_fn, alphas, seed=0)` seeds minigrad the same way before every run, so each
# alpha starts from the same weights and sees the same batches: only alpha changes. `train_fn`
# returns the *unweighted* losses on the test set and the metric (test accuracy); we also keep the
# explained variance and the embedding of the test images.

# %%
def train_fn(alpha, epochs=6, seed=0):
    minigrad.manual_seed(seed)                # as alpha_sweep(seed=0) does before every run
    model = PCANet()
    opt = optim.Adam(model.parameters(), lr=3e-2)
    loader = DataLoader((X_train, y_train), batch_size=128, shuffle=True, seed=seed)
    for _ in range(epochs):
        for xb, yb in loader:
            z, logits = model(xb)
            loss = alpha * F.cross_entropy(logits, yb) + (1 - alpha) * pca_term(model.W, xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with minigrad.no_grad():
        z, logits = model(X_test)
        ce = F.cross_entropy(logits, y_test).item()
        pca = pca_term(model.W, X_test).item()
        acc = (logits.argmax(dim=1) == y_test).float().mean().item()
    W = model.W.detach().numpy().astype(np.float64)
    return {"loss1": ce, "loss2": pca, "metric": acc, "ev": explained_variance(W),
            "z": z.numpy(), "W": W}


alphas = [0.02, 0.1, 0.3, 0.7, 1.0]
sweep = alpha_sweep(train_fn, alphas, seed=0, progress=False)
for p in sweep:
    print(f"alpha = {p.alpha:<5g} test accuracy {p.metric:.3f}   explained variance "
          f"{p.extra['ev']:.3f}   CE {p.loss1:.3f}   PCA loss {p.loss2:+.3f}")

acc = np.array(sweep.metric)
ev = np.array([p.extra["ev"] for p in sweep])
assert ev[0] > ev[-1] + 0.05               # more PCA weight, more variance kept
assert abs(ev[0] - best_ev) < 0.01          # mostly PCA: close to PCA's own subspace
# The accuracy gap between the two ends, over 5 seeds (initial weights and batch order):
ends = {a: spread([train_fn(a, seed=s)["metric"] for s in range(5)],
                  f"alpha = {a:g}: test accuracy") for a in (alphas[0], alphas[-1])}
assert ends[1.0].min() > ends[0.02].max() + 0.05  # CE alone finds better directions, every seed
front = pareto_front([(-a, -e) for a, e in zip(acc, ev)])
print("alphas on the (accuracy, explained variance) front:", [alphas[i] for i in front])
assert len(front) >= 3                      # a real trade-off, not one winner

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
viz.plot_pareto(np.column_stack([acc, ev]), labels=[f"α={a:g}" for a in alphas],
                names=("test accuracy", "explained variance of span(W)"),
                maximize=(True, True), title="Accuracy vs variance kept, one point per alpha",
                ax=axes[0])
axes[0].axhline(best_ev, color="k", ls=":", lw=0.8, label="PCA, 2 directions")
axes[0].legend(fontsize=8)
axes[1].plot(alphas, acc, "o-", label="test accuracy")
axes[1].plot(alphas, ev, "s-", label="explained variance of span(W)")
axes[1].set_xscale("log")
axes[1].set_title("Both metrics as alpha (the CE weight) varies")
axes[1].set_xlabel("alpha (weight of the cross-entropy; log scale)")
axes[1].set_ylabel("value")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# The sweep trusted backward for both losses at once. Check that gradient independently: finite
# differences of the forward pass along one random direction per parameter (a float64 model, a
# small batch, `alpha = 0.3`).

# %%
from lesson_checks.gradients import check_gradients  # noqa: E402  (lesson 2's check)

model64 = PCANet().to(dtype=minigrad.float64)
xs64, ys = X_train[:32].to(minigrad.float64), y_train[:32]


def total_07():
    _, logits = model64(xs64)
    return 0.3 * F.cross_entropy(logits, ys) + 0.7 * pca_term(model64.W, xs64)


worst = check_gradients(total_07, list(model64.parameters()), rtol=1e-5)
print(f"0.3 CE + 0.7 PCA: backward vs finite differences, worst relative gap {worst:.1e}")

# %% [markdown]
# ## 3. What the layer learned: the embeddings
#
# The same test images, embedded by three of the trained layers. With mostly PCA weight, the
# embedding is (a rotation of) the top-2 principal components: the directions of largest spread,
# in which several digits overlap. With CE alone, the two directions are whatever separates the
# classes best, whatever their variance.

# %%
show = [0, 2, 4]
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
labels = y_test.numpy()
for ax, i in zip(axes, show):
    p = sweep[i]
    z = p.extra["z"]
    for digit in range(10):
        sel = labels == digit
        ax.scatter(z[sel, 0], z[sel, 1], s=6, color=plt.cm.tab10(digit), label=str(digit))
    ax.set_title(f"alpha = {p.alpha:g}: accuracy {p.metric:.2f}, variance kept {p.extra['ev']:.2f}",
                 fontsize=10)
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
axes[-1].legend(title="digit", fontsize=7, markerscale=2, loc="center left",
                bbox_to_anchor=(1.0, 0.5))

# After 6 epochs the mostly-PCA layer nearly spans the top-2 principal subspace (up to rotation
# and scale); the 2nd and 3rd eigenvalues are close, so the last degrees come slowly.
W_pca = sweep[0].extra["W"]
U = np.linalg.svd(W_pca, full_matrices=False)[0]
cosines = np.linalg.svd(U.T @ eigvec[:, ::-1][:, :2], compute_uv=False)  # principal angles
print("cosines of the principal angles to the top-2 eigenvectors:", cosines.round(4))
assert cosines.min() > 0.9                   # within about 25 degrees

# %% [markdown]
# ## 4. Your own rule $W \leftarrow W + \eta\,x x^\top W$ is a gradient step
#
# A common starting point is the update $W \leftarrow W + \eta\,x x^\top W$ for each centred
# sample $x$ (Hebb's rule for a layer). Averaged over a batch it is $W + \eta\,SW$ with
# $S = \tfrac1N\sum x x^\top$, and since
# $$\mathbb E\big[\mathrm{tr}(W^\top x x^\top W)\big] = \mathrm{tr}(W^\top S W),\qquad
#   \nabla_W\, \mathrm{tr}(W^\top S W) = 2SW,$$
# it is **gradient ascent on the batch covariance captured by $W$** with step $\eta/2$, i.e. plain
# SGD with learning rate $\eta/2$ on `F.pca_loss(W, S)` $= -\mathrm{tr}(W^\top S W)$. No custom
# update is needed to get it, and none can make it bounded: it is lesson 6's power iteration. A
# bounded variant (Oja's rule) is *not* a gradient, so it has to be an overridden gradient
# (lesson 8).

# %%
eta = 0.1
xb_np = X_train[:128].numpy().astype(np.float64)
W_np = 0.1 * np.random.default_rng(0).normal(size=(64, 2))
hebb = W_np + eta * sum(np.outer(x, x) @ W_np for x in xb_np) / len(xb_np)   # per sample, averaged
W_leaf = minigrad.tensor(W_np, dtype=minigrad.float64, requires_grad=True)
S_b = minigrad.tensor(xb_np.T @ xb_np / len(xb_np), dtype=minigrad.float64)
sgd = optim.SGD([W_leaf], lr=eta / 2)
F.pca_loss(W_leaf, S_b).backward()
sgd.step()
print(f"max |SGD step on pca_loss (lr eta/2) - Hebb's rule| = "
      f"{np.abs(W_leaf.detach().numpy() - hebb).max():.1e}")
assert np.allclose(W_leaf.detach().numpy(), hebb, rtol=1e-12, atol=1e-15)

# %% [markdown]
# ## 5. Where should the PCA gradient go? Stop it at the layer it is about
#
# Put a trainable layer $E$ (64 -> 64, started at the identity) *in front of* the reduction, so
# $W$ sees features $h = xE^\top$, and the PCA term uses their covariance $S_h$. Should the PCA
# loss's gradient reach $E$ too? Its objective, "capture much variance of $h$", is unbounded in
# $E$: scaling the features up scales $\mathrm{tr}(W^\top S_h W)$ up, whatever $W$'s constraint.
# So if the gradient flows into $E$, SGD inflates the features exponentially (lesson 6's power
# iteration, now on $E$). The fix is to **stop the PCA gradient at the input of the PCA term**:
# compute $S_h$ from `h.detach()`. $E$ then learns only from the cross-entropy, and the PCA term
# only shapes $W$. (The same model, the same seed and batches; only the `detach` differs.)
#
# This is what distinguishes a **multi-objective** problem from a multi-task one. In multi-task
# training (lessons 2, 4, 10) each loss has its own head and they meet at shared layers, where
# their gradients simply add. Here CE and PCA are two *objectives on the same layer*, and one of
# them is only meaningful for that layer: decide for each objective which parameters it may
# move, and cut its gradient everywhere else.

# %%
class FrontPCANet(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.E = nn.Linear(64, 64, bias=False)
        self.E.weight.data = minigrad.eye(64).data
        self.W = nn.Parameter(minigrad.randn(64, k) * 0.1)
        self.head = nn.Sequential(nn.Linear(k, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        h = self.E(x)
        return h, self.head(h @ self.W)


def stopped_by_hook(h):
    """The other way to stop a gradient: a view of h whose hook returns zeros."""
    h_pca = h * 1.0
    h_pca.register_hook(lambda g: g * 0.0)
    return h_pca


def two_objective_loss(model, xb, yb, stop, alpha=0.3):
    h, logits = model(xb)
    h_pca = {"flow": h, "detach": h.detach(), "hook": None}[stop]
    if stop == "hook":
        h_pca = stopped_by_hook(h)
    return alpha * F.cross_entropy(logits, yb) + (1 - alpha) * pca_term(model.W, h_pca)


# detach and the zeroing hook give the same gradients; letting it flow changes only E's
step_grads = {}
for stop in ("flow", "detach", "hook"):
    minigrad.manual_seed(0)
    m = FrontPCANet()
    two_objective_loss(m, X_train[:128], y_train[:128], stop).backward()
    step_grads[stop] = {n: p.grad.numpy().copy() for n, p in m.named_parameters()}
for name in step_grads["flow"]:
    assert np.array_equal(step_grads["detach"][name], step_grads["hook"][name]), name
assert not np.allclose(step_grads["flow"]["E.weight"], step_grads["detach"]["E.weight"])
assert all(np.array_equal(step_grads["flow"][n], step_grads["detach"][n])
           for n in step_grads["flow"] if n != "E.weight")


def train_front(stop, epochs=4, lr=0.5, seed=0):
    minigrad.manual_seed(seed)
    model = FrontPCANet()
    opt = optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader((X_train, y_train), batch_size=128, shuffle=True, seed=seed)
    norms = []
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            for xb, yb in loader:
                loss = two_objective_loss(model, xb, yb, stop)
                opt.zero_grad()
                loss.backward()
                opt.step()
                norms.append(float(np.linalg.norm(model.E.weight.detach().numpy())))
        with minigrad.no_grad():
            _, logits = model(X_test)
            acc = (logits.argmax(dim=1) == y_test).float().mean().item()
    return np.array(norms), acc


# Over 5 seeds (initial weights and batch order; seed 0 is plotted): letting the PCA gradient
# reach E blows up every time (NaN logits: chance accuracy), detaching keeps |E| bounded every
# time. The detached run's accuracy after 4 epochs of plain SGD varies a lot from seed to seed
# (one seed ends below chance), so this section claims stability, not a good classifier.
seed_runs = {stop: [train_front(stop, seed=s) for s in range(5)] for stop in ("flow", "detach")}
for stop, runs in seed_runs.items():
    print(f"PCA gradient {stop:>6}, seed 0: |E| from {runs[0][0][0]:.2f} to {runs[0][0][-1]:.3g}")
    spread([acc_ for _, acc_ in runs], f"PCA gradient {stop:>6}: test accuracy")
(flow_norms, flow_acc), (stop_norms, stop_acc) = seed_runs["flow"][0], seed_runs["detach"][0]
assert all(not np.isfinite(n[-1]) or n[-1] > 100 * n[0] for n, _ in seed_runs["flow"])
assert all(np.all(np.isfinite(n)) and n.max() < 1.5 * n[0] for n, _ in seed_runs["detach"])
assert all(abs(acc_ - 0.1) < 0.02 for _, acc_ in seed_runs["flow"])   # blown up: chance level

fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
shown_norms = np.where(np.isfinite(flow_norms), flow_norms, np.nan)
ax.semilogy(shown_norms, label=f"PCA gradient reaches E (test acc {flow_acc:.2f}; NaN after)")
ax.semilogy(stop_norms, label=f"PCA input detached (test acc {stop_acc:.2f})")
ax.set_title("A PCA loss behind a trainable layer: stop its gradient")
ax.set_xlabel("SGD step")
ax.set_ylabel("|E|_F (log scale)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## What to remember
#
# - One layer, two losses: the CE pulls the reduction towards class-separating directions, the PCA
#   term towards high-variance ones. `alpha` picks the trade-off, and a sweep shows the whole curve.
# - Explained variance must be measured on the span of $W$ (projector), not on $W$'s entries: the
#   penalty form leaves $W$ slightly longer than orthonormal (lesson 6).
# - Which point to use depends on what the layer is for; the choice needs a criterion outside the
#   weighted loss (lesson 4).
# - The rule $W \leftarrow W + \eta\,xx^\top W$ is SGD on $-\mathrm{tr}(W^\top S W)$ with step
#   $\eta/2$; a bounded rule that is not a gradient (Oja) needs an overridden gradient (lesson 8).
# - Multi-objective: an objective about one layer must not train the layers in front of it.
#   Detach the input of the PCA term (or zero its gradient with a hook), or the earlier layer
#   inflates its features without bound.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 7.1.** Replace the penalty by lesson 6's QR retraction: drop the
# $\rho\,\|W^\top W - I\|^2$ term from `pca_term`, and after every optimizer step replace `W` by
# the $Q$ of its QR factorisation (signs fixed as in lesson 6). Repeat the sweep. Does the front
# move? Which alphas change most?
#
# *Hand in:* (S_full, W, k): W after training with alpha = 0.02 and the QR retraction.

# %%
# Exercise 7.1: your work here; then replace None by your answer.
answer = None
check("7.1", answer)

# %% [markdown]
# **Exercise 7.2.** Use `k = 8` directions instead of 2. Plot the same two curves. Why does the
# accuracy now barely depend on alpha while the variance still does?
#
# *Hand in:* {alpha: (test accuracy, explained variance)} with k = 8.

# %%
# Exercise 7.2: your work here; then replace None by your answer.
answer = None
check("7.2", answer)

# %% [markdown]
# **Exercise 7.3.** Choose alpha by 3-fold `multitask.cv_alpha` with the score
# `accuracy + explained variance`. Is that score independent of alpha in the sense of lesson 4?
# What would you report instead?
#
# *Hand in:* True or False: is accuracy + explained variance alpha-independent?.

# %%
# Exercise 7.3: your work here; then replace None by your answer.
answer = None
check("7.3", answer)
