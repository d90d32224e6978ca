# Lesson 04 source (percent format). Build the notebook with: python lessons/_src/build.py 04

# %% [markdown]
# # Lesson 4 — Choosing alpha
#
# **Objectives.** After this lesson you can
# - run the first sanity check of any two-loss model: with `alpha = 0`, the first loss sends
#   exactly zero gradient; can the second loss be trained alone at all?
# - see how an **intermediate-output loss** (here a reconstruction from the first hidden layer)
#   can dominate the gradient of the layers it shares with the **final-output loss**, and compute
#   the `alpha` at which neither dominates (`multitask.balance_alpha`);
# - choose `alpha` by **cross-validation on a metric that does not depend on alpha** (validation
#   accuracy), and say why comparing the weighted total `alpha*L1 + (1-alpha)*L2` across alphas
#   is meaningless.
#
# **Prerequisites.** Lesson 2 (per-head gradients, `head_grads`); lesson 3 (what `alpha` does).
#
# **Estimated time.** 35 min.

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
from minigrad.multitask import balance_alpha, cv_alpha, head_grads

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import spread  # noqa: E402

minigrad.manual_seed(0)

# %% [markdown]
# ## 1. A network with an intermediate-output loss
#
# Three layers on the digits. The **final** output is a classifier trained with cross-entropy.
# An **intermediate** output decodes the first hidden layer back into the image, trained with the
# squared error summed over the 64 pixels (a common choice, and a large number). Weighted as
#
# $$L = \alpha\,L_1 + (1-\alpha)\,L_2, \qquad L_1 = \text{reconstruction (intermediate)},\quad
#   L_2 = \text{cross-entropy (final)}.$$
#
# **Convention** (every lesson): $\alpha \in [0, 1]$ is the convex weight on the loss named first
# (here the reconstruction $L_1$, so `alpha = 0` is CE alone), $L = \alpha L_1 + (1-\alpha) L_2$; a
# loss added with a free weight, $L_1 + \lambda L_2$, has $\lambda = (1-\alpha)/\alpha$ (lesson 3).

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(64, 32)
        self.layer2 = nn.Linear(32, 32)
        self.out = nn.Linear(32, 10)
        self.decoder = nn.Linear(32, 64)

    def forward(self, x):
        h1 = self.layer1(x).tanh()
        h2 = self.layer2(h1).tanh()
        return self.out(h2), self.decoder(h1)


def losses(model, x, y):
    logits, recon = model(x)
    rec = ((recon - x) ** 2).sum(dim=1).mean()     # L1: intermediate output
    ce = F.cross_entropy(logits, y)                # L2: final output
    return rec, ce


def train(alpha, X, y, epochs=4, seed=0):
    model = Net()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader((X, y), batch_size=64, shuffle=True, seed=seed)
    for _ in range(epochs):
        for xb, yb in loader:
            rec, ce = losses(model, xb, yb)
            opt.zero_grad()
            (alpha * rec + (1 - alpha) * ce).backward()
            opt.step()
    return model


def evaluate(model, X, y):
    with minigrad.no_grad():
        logits, _ = model(X)
        rec, ce = losses(model, X, y)
        acc = (logits.argmax(dim=1) == y).float().mean().item()
    return {"acc": acc, "rec": rec.item(), "ce": ce.item()}

# %% [markdown]
# ## 2. Sanity check first: `alpha = 0`
#
# With `alpha = 0` the reconstruction loss contributes exactly zero gradient (not a small one:
# zero), so this trains the classifier alone. If the final loss cannot be trained on its own, no
# weighting will fix it; look for the bug there first. Accuracies in this lesson are stated over
# 5 seeds (initial weights and batch order): mean +- std, the range, and asserted for the worst.

# %%
model = Net()
rec, ce = losses(model, X_train[:128], y_train[:128])
shared = [model.layer1.weight, model.layer1.bias]
# The total at alpha = 0 sends exactly CE's gradient into layer1, and nothing into the decoder
# (which only the reconstruction reaches): the engine adds the reconstruction path's zeros.
(g_ce_alone,) = minigrad.grad(ce, model.layer1.weight, retain_graph=True)
(g_total, g_dec) = minigrad.grad(0.0 * rec + (1 - 0.0) * ce,
                                 [model.layer1.weight, model.decoder.weight], retain_graph=True)
assert np.array_equal(g_total.numpy(), g_ce_alone.numpy())
assert not np.any(g_dec.numpy()) and np.linalg.norm(g_ce_alone.numpy()) > 0

def seed_spread(alpha, seeds=range(5)):
    """Test metrics of ``train(alpha)`` for each seed (initial weights and batch order)."""
    runs = []
    for s in seeds:
        minigrad.manual_seed(s)
        runs.append(evaluate(train(alpha, X_train, y_train, seed=s), X_test, y_test))
    return runs, spread([r["acc"] for r in runs], f"alpha = {alpha}: test accuracy")


alone_runs, alone_accs = seed_spread(0.0)      # cross-entropy alone
alone = alone_runs[0]
assert alone_accs.min() > 0.85                 # the final loss trains fine on its own, every seed

# %% [markdown]
# ## 3. Who dominates the shared layers?
#
# At initialisation, the per-loss gradients show the imbalance: the reconstruction loss reaches
# `layer1` directly and is large, the cross-entropy has to come through two more layers. With the
# "neutral" `alpha = 0.5`, the first layer's update is almost entirely the reconstruction's.

# %%
named = dict(model.named_parameters())
hg = head_grads({"L1 reconstruction": rec, "L2 cross-entropy": ce}, named)
print(hg.summary())
n1 = np.sqrt(sum(hg.norms["L1 reconstruction"].per_param[p] ** 2 for p in hg.shared))
n2 = np.sqrt(sum(hg.norms["L2 cross-entropy"].per_param[p] ** 2 for p in hg.shared))
share_half = 0.5 * n1 / (0.5 * n1 + 0.5 * n2)
print(f"on layer1, |grad L1| = {n1:.3f}, |grad L2| = {n2:.3f}: at alpha = 0.5 the "
      f"reconstruction makes {share_half:.0%} of the summed gradient norms")
assert hg.shared == ["layer1.weight", "layer1.bias"]
assert n1 > 5 * n2

alpha_star = balance_alpha(rec, ce, shared)
print(f"balance_alpha: alpha* = {alpha_star:.4f}  (lambda = (1-alpha)/alpha = "
      f"{(1 - alpha_star) / alpha_star:.1f})")
assert abs(alpha_star * n1 - (1 - alpha_star) * n2) < 1e-5 * (n1 + n2)

fig, axes = plt.subplots(1, 2, figsize=(13, 4), layout="constrained")
viz.plot_grad_norms(hg, ax=axes[0], log=True,
                    title="Each loss's gradient norm per parameter, at initialisation")
alphas = np.linspace(0, 1, 201)
axes[1].semilogy(alphas, alphas * n1, label="|alpha * grad L1| (reconstruction)")
axes[1].semilogy(alphas, (1 - alphas) * n2, label="|(1 - alpha) * grad L2| (cross-entropy)")
axes[1].axvline(alpha_star, color="k", ls=":", label=f"alpha* = {alpha_star:.3f}: equal norms")
axes[1].axvline(0.5, color="0.6", ls="--", label="alpha = 0.5")
axes[1].set_ylim(1e-3 * n2, 2 * n1)
axes[1].set_title("Weighted gradient norms on layer1")
axes[1].set_xlabel("alpha (weight of the intermediate loss L1)")
axes[1].set_ylabel("gradient norm on layer1")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# `alpha*` balances gradient *sizes* at one point in training; it is a good place to centre a
# search, not an answer. To choose, we need a criterion.
#
# ## 4. Choose alpha by cross-validation, on a metric that does not depend on alpha
#
# `cv_alpha(fit, score, alphas, n, k)` trains once per (alpha, fold) on the same folds and the
# same seeds, and scores each model with `score`, here the **validation accuracy**: the number we
# care about, measured the same way for every alpha. Do not score with the weighted total
# $\alpha L_1 + (1-\alpha) L_2$: its scale changes with alpha, so it mostly measures alpha itself.

# %%
grid = [0.0, 0.003, round(alpha_star, 4), 0.03, 0.1, 0.5, 0.9]
totals = {}                                    # (alpha, fold) -> weighted totals, see below


def fit(alpha, idx):
    idx = minigrad.tensor(idx)
    return alpha, train(alpha, X_train[idx], y_train[idx], epochs=3)


def score(fitted, idx):
    alpha, model = fitted
    m = evaluate(model, X_train[minigrad.tensor(idx)], y_train[minigrad.tensor(idx)])
    # The wrong criterion, kept for comparison: the weighted total, in two units for L1.
    totals.setdefault(alpha, []).append(
        (alpha * m["rec"] + (1 - alpha) * m["ce"],            # sum over pixels (as trained)
         alpha * m["rec"] / 64 + (1 - alpha) * m["ce"]))      # mean over pixels
    return m["acc"]


cv = cv_alpha(fit, score, grid, n=X_train.shape[0], k=5, seed=0, progress=False)
total_sum = [np.mean([t[0] for t in totals[a]]) for a in grid]
total_mean = [np.mean([t[1] for t in totals[a]]) for a in grid]
pick_sum, pick_mean = grid[int(np.argmin(total_sum))], grid[int(np.argmin(total_mean))]
for a, s_, sd, t1, t2 in zip(cv.alphas, cv.scores, cv.std, total_sum, total_mean):
    print(f"alpha = {a:<7g} validation accuracy {s_:.3f} +- {sd:.3f}   weighted total "
          f"{t1:.3f} (pixel sum) / {t2:.3f} (pixel mean)")
print(f"cross-validation picks alpha = {cv.best_alpha}; the weighted total picks {pick_sum} "
      f"with L1 summed over pixels, {pick_mean} with L1 averaged over pixels")
acc, sd = dict(zip(cv.alphas, cv.scores)), dict(zip(cv.alphas, cv.std))


def clearly_worse(a, b=cv.best_alpha):
    """alpha ``a``'s mean accuracy is below ``b``'s by more than 2 std of either (5 folds)."""
    return acc[b] - acc[a] > 2 * max(sd[a], sd[b])


assert clearly_worse(0.5)                       # the "neutral" 0.5 is a poor choice here
assert pick_sum != pick_mean                    # the total's verdict depends on the units ...
assert clearly_worse(pick_mean)                 # ... and can pick a bad model

fig, axes = plt.subplots(1, 2, figsize=(13, 4), layout="constrained")
xs = np.arange(len(grid))
axes[0].errorbar(xs, cv.scores, yerr=cv.std, fmt="o-", capsize=3,
                 label="5-fold validation accuracy (mean, std)")
axes[0].axvline(grid.index(cv.best_alpha), color="C2", ls=":", label="chosen by CV")
axes[0].set_xticks(xs, [f"{a:g}" for a in grid])
axes[0].set_title("Cross-validation on an alpha-independent metric")
axes[0].set_xlabel("alpha (weight of the intermediate loss; not to scale)")
axes[0].set_ylabel("validation accuracy")
axes[0].legend(fontsize=8)
axes[1].semilogy(xs, total_sum, "s-", color="C3", label="alpha*L1 + (1-alpha)*L2, L1 = pixel sum")
axes[1].semilogy(xs, total_mean, "^-", color="C4", label="the same, L1 = pixel mean")
axes[1].set_xticks(xs, [f"{a:g}" for a in grid])
axes[1].set_title("The weighted total is the wrong yardstick")
axes[1].set_xlabel("alpha (weight of the intermediate loss; not to scale)")
axes[1].set_ylabel("weighted validation loss (log scale)")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# The weighted total is smallest where the weight sits on whichever loss happens to be the smaller
# number, so a mere change of units (summing or averaging the pixel errors) flips its verdict,
# while the models are the same. Accuracy compares every alpha on the same scale. Here
# cross-validation says that the reconstruction does not help the classifier: use little or none
# of it. That is a legitimate answer; an auxiliary loss has to earn its place.
#
# Finally, retrain on the whole training set with the chosen alpha and report the test set once.

# %%
final_runs, final_accs = seed_spread(cv.best_alpha)
final = final_runs[0]
print(f"alpha = {cv.best_alpha}, seed 0: test accuracy {final['acc']:.3f}, reconstruction error "
      f"{final['rec']:.3f} (alpha = 0: accuracy {alone['acc']:.3f})")
assert final_accs.min() > 0.85

# %% [markdown]
# ### Is the gradient that trained the model right?
#
# Every number above came out of backward. An independent check: finite differences of the
# forward pass (which runs no backward rule) along one random direction per parameter, on a float64
# copy of the model and a small batch, for the total at the chosen `alpha`.

# %%
import copy  # noqa: E402

from lesson_checks.gradients import check_gradients  # noqa: E402  (lesson 2's check)

model64 = copy.deepcopy(Net()).to(dtype=minigrad.float64)
xs64, ys = X_train[:32].to(minigrad.float64), y_train[:32]
a_best = cv.best_alpha if cv.best_alpha > 0 else 0.1


def total_loss():
    rec_, ce_ = losses(model64, xs64, ys)
    return a_best * rec_ + (1 - a_best) * ce_


worst = check_gradients(total_loss, list(model64.parameters()), rtol=1e-5)
print(f"alpha = {a_best}: backward vs finite differences, worst relative gap {worst:.1e}")

# %% [markdown]
# ## What to remember
#
# - Check `alpha = 0` (and `alpha = 1`) first: each loss must be trainable alone.
# - Losses live on different scales; "0.5 and 0.5" is not neutral. Look at per-loss gradient norms
#   on the shared layers, and use the balance point as the centre of a search on a log scale.
# - Choose with cross-validation on the metric you care about, never on the weighted loss.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 4.3.** Replace the per-image *sum* of squared errors by the mean over pixels
# (`F.mse_loss`). How do `alpha*` and the cross-validated alpha change? Explain with lesson 3's
# $\lambda = (1-\alpha)/\alpha$.
#
# *Hand in:* (alpha* with the pixel sum, alpha* with the pixel mean).

# %%
# Exercise 4.3: your work here; then replace None by your answer.
answer = None
check("4.3", answer)

# %% [markdown]
# **Exercise 4.4.** For each alpha of the grid, train on the whole training set (`train`) and
# record its test accuracy and reconstruction error (`evaluate`). Which alphas are Pareto optimal
# in lesson 3's sense (no other alpha has both a higher accuracy and a lower error)? Plot the
# points, and say whether the cross-validated alpha is among them.
#
# *Hand in:* ({alpha: (accuracy, reconstruction error)}, [alphas on the front]).

# %%
# Exercise 4.4: your work here; then replace None by your answer.
answer = None
check("4.4", answer)

# %% [markdown]
# **Exercise 4.5.** Compute `balance_alpha` again after each epoch of training at `alpha*`. Does the
# balance point drift, and in which direction? What does that suggest about a fixed `alpha`?
#
# *Hand in:* the list of balance_alpha values, one per epoch.

# %%
# Exercise 4.5: your work here; then replace None by your answer.
answer = None
check("4.5", answer)
