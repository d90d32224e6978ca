# Lesson 10 source (percent format). Build the notebook with: python lessons/_src/build.py 10
# ruff: noqa: E501 - Markdown table rows cannot be wrapped (code lines are checked in the .ipynb)

# %% [markdown]
# # Lesson 10 — Conflicting gradients
#
# **Objectives.** After this lesson you can
# - compute per-task gradients on shared parameters (the Jacobian $J$, one row per task) and see
#   when two tasks **conflict** (negative inner product);
# - say what MGDA, PCGrad, IMTL-G, CAGrad, UPGrad and Aligned-MTL do with those rows, check each
#   against its defining property, and draw their directions as arrows;
# - compare their trajectories on a two-objective toy with the plain sum: MGDA stops at the first
#   Pareto-stationary point it meets; the sum goes to one fixed trade-off;
# - watch two loss-based weightings, GradNorm and DWA, change the task weights while a two-head
#   network trains on the digits.
#
# **Prerequisites.** Lesson 2 (per-head gradients); lesson 3 (Pareto front); lesson 5
# (learned weights).
#
# **Estimated time.** 40 min.

# %%
# %matplotlib inline
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.multitask import (
    DWA,
    IMTLG,
    MGDA,
    AlignedMTL,
    CAGrad,
    GradNorm,
    PCGrad,
    UPGrad,
    jacobian,
)

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import conflicts  # noqa: E402  (the figures)

minigrad.manual_seed(0)
f64 = minigrad.float64

# %% [markdown]
# ## 1. A two-objective toy and its per-task gradients
#
# $\theta\in\mathbb R^2$, $f_1 = \tfrac12(\theta-a)^\top A(\theta-a)$ and
# $f_2 = 4\cdot\tfrac12(\theta-b)^\top B(\theta-b)$: different centres, shapes and scales. The
# Pareto set (lesson 3) is the curve of minimisers of $\alpha f_1 + (1-\alpha) f_2$ from $b$ to
# $a$ (the convention of every lesson: $\alpha$ the convex weight on the loss named first, an additive
# weight $\lambda = (1-\alpha)/\alpha$). `multitask.jacobian(losses, params)` stacks the flattened
# per-task gradients into $J$.

# %%
a, A = np.array([-1.0, 0.0]), np.array([[1.0, 0.0], [0.0, 3.0]])
b, B = np.array([1.0, 0.5]), np.array([[2.0, 0.6], [0.6, 1.0]])
At, Bt, at, bt = (minigrad.tensor(v, dtype=f64) for v in (A, B, a, b))


def f1(theta):
    d = theta - at
    return 0.5 * (d @ At @ d)


def f2(theta):
    d = theta - bt
    return 4.0 * 0.5 * (d @ Bt @ d)


def pareto_point(alpha):
    M = alpha * A + (1 - alpha) * 4 * B
    return np.linalg.solve(M, alpha * A @ a + (1 - alpha) * 4 * B @ b)


pareto_set = np.array([pareto_point(al) for al in np.linspace(0, 1, 401)])
theta0 = minigrad.tensor([0.4, 0.6], dtype=f64, requires_grad=True)
J = jacobian([f1(theta0), f2(theta0)], [theta0])
g1, g2 = J.numpy()
cos = g1 @ g2 / np.linalg.norm(g1) / np.linalg.norm(g2)
print("g1 =", g1.round(4), " g2 =", g2.round(4), f" cos = {cos:+.3f}")
assert g1 @ g2 < 0                              # the tasks conflict here
assert np.allclose(g1, A @ (theta0.detach().numpy() - a))

# %% [markdown]
# ## 2. What each method does with the two rows
#
# | Method | Direction $d$ | Property checked below |
# |---|---|---|
# | sum | $g_1 + g_2$ | — |
# | MGDA | min-norm point of the segment $[g_1, g_2]$ | $g_i\cdot d \ge \|d\|^2$: no task gets worse |
# | PCGrad | remove from each $g_i$ its component along a conflicting $g_j$, then add | closed form for two tasks |
# | IMTL-G | $d = w_1 g_1 + w_2 g_2$, $w_1 + w_2 = 1$, equal projections on $u_i = g_i/\|g_i\|$ | $d\cdot u_1 = d\cdot u_2$ |
# | CAGrad ($c=0.5$) | best worst-case progress within $\|d - g_0\| \le c\|g_0\|$ | inside the ball |
# | UPGrad | project each $g_i/2$ onto the cone $\{d: Jd \ge 0\}$, add | $= $ PCGrad$/2$ here |
# | Aligned-MTL | gradients made orthogonal with equal norms, then averaged | $d\cdot g_i$ both $\ge 0$ |

# %%
methods = {"MGDA": MGDA(), "PCGrad": PCGrad(seed=0), "IMTL-G": IMTLG(), "CAGrad": CAGrad(c=0.5),
           "UPGrad": UPGrad(), "Aligned-MTL": AlignedMTL()}
dirs = {"sum": g1 + g2}
dirs.update({name: m(J).numpy() for name, m in methods.items()})
for name, d in dirs.items():
    print(f"{name:>12}: d = {d.round(4)}   g1.d = {g1 @ d:+.4f}   g2.d = {g2 @ d:+.4f}")

d = dirs["MGDA"]
assert g1 @ d >= d @ d - 1e-10 and g2 @ d >= d @ d - 1e-10
w1 = np.clip((g2 @ g2 - g1 @ g2) / ((g1 - g2) @ (g1 - g2)), 0, 1)
assert np.allclose(d, w1 * g1 + (1 - w1) * g2)
pc = (g1 - (g1 @ g2) / (g2 @ g2) * g2) + (g2 - (g2 @ g1) / (g1 @ g1) * g1)
assert np.allclose(dirs["PCGrad"], pc)
u1, u2 = g1 / np.linalg.norm(g1), g2 / np.linalg.norm(g2)
assert abs(dirs["IMTL-G"] @ u1 - dirs["IMTL-G"] @ u2) < 1e-10
g0 = (g1 + g2) / 2
assert np.linalg.norm(dirs["CAGrad"] - g0) <= 0.5 * np.linalg.norm(g0) + 1e-10
assert np.allclose(dirs["UPGrad"], dirs["PCGrad"] / 2)
assert g1 @ dirs["Aligned-MTL"] >= 0 and g2 @ dirs["Aligned-MTL"] >= 0
assert g1 @ dirs["sum"] < 0                     # the sum makes task 1 worse here

# %%
colours = {"sum": "k", "MGDA": "C0", "PCGrad": "C1", "IMTL-G": "C2", "CAGrad": "C3",
           "UPGrad": "C4", "Aligned-MTL": "C5"}
# One panel per method (several directions nearly coincide here, so one picture would hide some).
conflicts.plot_directions(g1, g2, dirs, colours, theta0.detach().numpy())
plt.show()

# %% [markdown]
# ## 3. Trajectories
#
# Gradient descent with each direction, $\theta \leftarrow \theta - \eta d$, from three starts. The
# sum converges to one point of the Pareto set from every start: the trade-off $\alpha = 1/2$ picks,
# close to $b$ because $f_2$ carries a factor 4. MGDA stops as soon as it reaches the Pareto set,
# where no direction helps both tasks, so its end point depends on the start. The others lie in
# between.

# %%
def trajectory(direction, start, lr=0.05, steps=150):
    theta = minigrad.tensor(start, dtype=f64, requires_grad=True)
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        J = jacobian([f1(theta), f2(theta)], [theta])
        d = direction(J)
        theta = minigrad.tensor(theta.detach().numpy() - lr * d, dtype=f64, requires_grad=True)
        path.append(theta.detach().numpy().copy())
    return np.array(path)


starts = [[-1.6, 1.5], [-1.6, -1.2], [1.8, -1.0]]
shown = ["sum", "MGDA", "PCGrad", "IMTL-G", "CAGrad"]
runners = {"sum": lambda J: J.numpy().sum(axis=0)}
runners.update({name: (lambda J, m=methods[name]: m(J).numpy()) for name in shown[1:]})
paths = {(name, i): trajectory(runners[name], s) for name in shown for i, s in enumerate(starts)}


def distance_to_pareto_set(p):
    return np.linalg.norm(pareto_set - p, axis=1).min()


sum_end = {i: paths["sum", i][-1] for i in range(3)}
assert all(np.linalg.norm(sum_end[i] - pareto_point(0.5)) < 1e-6 for i in range(3))
mgda_end = [paths["MGDA", i][-1] for i in range(3)]
assert all(distance_to_pareto_set(p) < 1e-3 for p in mgda_end)   # Pareto-stationary
assert np.linalg.norm(mgda_end[1] - mgda_end[2]) > 0.3            # ... but not one point

def losses_np(P):
    return (0.5 * np.einsum("ni,ij,nj->n", P - a, A, P - a),
            2.0 * np.einsum("ni,ij,nj->n", P - b, B, P - b))


conflicts.plot_trajectories(losses_np, pareto_set, paths, shown, starts, colours)
plt.show()

# %% [markdown]
# Keep in mind: on real multi-task benchmarks, a well-tuned weighted sum matches these methods
# (Kurin et al., NeurIPS 2022; Xin et al., NeurIPS 2022). They cost $m$ backward passes per step
# and change *which* trade-off training reaches; they do not remove the need to choose one.
#
# ## 4. Loss-based weightings during training: GradNorm and DWA
#
# Back to the digits and lesson 2's network: a shared layer, a classifier (CE) and a decoder
# (MSE). Both methods change the weights $w_i$ of $\sum_i w_i L_i$ during training, with one
# backward pass for the model per step:
#
# - **GradNorm** (Chen et al., 2018) learns $w$ so that each task's weighted gradient norm on the
#   shared layer, $G_i = \|\nabla_W w_i L_i\|$, approaches a common target scaled by how slowly the
#   task trains (here with the cheap analytic gradient for $w$);
# - **DWA** (Liu et al., 2019) sets $w_i \propto \exp(r_i/T)$ from the ratio $r_i$ of the last two
#   epochs' mean losses: a task that stopped improving gets more weight.

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(64, 16)
        self.classifier = nn.Linear(16, 10)
        self.decoder = nn.Linear(16, 64)

    def forward(self, x):
        h = self.shared(x).tanh()
        return self.classifier(h), self.decoder(h)


def task_losses(model, xb, yb):
    logits, recon = model(xb)
    return [F.cross_entropy(logits, yb), F.mse_loss(recon, xb)]


def shared_norms(model, ls):
    W = [model.shared.weight, model.shared.bias]
    return [float(np.sqrt(sum((g.numpy() ** 2).sum() for g in minigrad.grad(L, W,
                                                                              retain_graph=True))))
            for L in ls]


def gradnorm_objective(w, norms, rates, alpha=1.5):
    """sum_i |G_i - mean(G) r_i^alpha| with G_i = w_i |grad_W L_i|: what GradNorm lowers."""
    G = np.asarray(w) * np.asarray(norms)
    return np.abs(G - G.mean() * np.asarray(rates) ** alpha).sum()


epochs = 6
minigrad.manual_seed(0)
model = TwoHeads()
gn = GradNorm([model.shared.weight, model.shared.bias], alpha=1.5, analytic=True)
opt = optim.Adam([{"params": model.parameters()}, {"params": gn.parameters(), "lr": 0.02}],
                 lr=1e-2)
loader = DataLoader((X_train, y_train), batch_size=64, shuffle=True, seed=0)
gn_weights, checks = [], []
step = 0
for epoch in range(epochs):
    for xb, yb in loader:
        ls = task_losses(model, xb, yb)
        if step > 0 and step % 3 == 0:            # GradNorm's objective: learned w vs w = 1
            n = shared_norms(model, ls)
            r = np.array([L.item() for L in ls]) / np.array(gn.initial_losses)
            r = r / r.mean()                      # relative inverse training rates
            checks.append((step, gradnorm_objective(gn.weights, n, r),
                           gradnorm_objective([1.0, 1.0], n, r)))
        opt.zero_grad()
        total = gn(ls)                            # writes gn.w.grad, returns sum w_i L_i
        total.backward()
        opt.step()
        gn.update()                               # renormalise: sum w_i = 2
        gn_weights.append(gn.weights)
        step += 1
checks = np.array(checks)
late = checks[len(checks) // 2:]
print("GradNorm weights at the end:", np.round(gn.weights, 3))
print(f"second half of training: GradNorm objective {late[:, 1].mean():.4f} with the learned "
      f"weights, {late[:, 2].mean():.4f} with w = (1, 1)")
assert max(abs(w - 1.0) for w in gn.weights) > 0.2            # the weights did move
assert late[:, 1].mean() < 0.5 * late[:, 2].mean()           # and do what GradNorm asks

minigrad.manual_seed(0)
model = TwoHeads()
dwa = DWA(2, T=2.0)
opt = optim.Adam(model.parameters(), lr=1e-2)
dwa_weights = []
for epoch in range(epochs):
    dwa_weights.append(dwa.weights)
    for xb, yb in loader:
        ls = task_losses(model, xb, yb)
        opt.zero_grad()
        dwa(ls).backward()
        opt.step()
        dwa.update(ls)
    dwa.end_epoch()
print("DWA weights per epoch:", np.round(dwa_weights, 3).tolist())
r = [h1 / h0 for h1, h0 in zip(dwa.history[-2], dwa.history[-3])]
expected = 2 * np.exp(np.array(r) / 2.0) / np.exp(np.array(r) / 2.0).sum()
assert np.allclose(dwa_weights[-1], expected)       # DWA's rule, from its own loss history
assert abs(dwa_weights[-1][0] - 1.0) > 1e-3   # ... the losses fell at different rates

# %% [markdown]
# ### Is the weighted gradient right?
#
# GradNorm and DWA only re-weight $\sum_i w_i L_i$; the network's gradient still comes from
# backward. Check it against finite differences of the forward pass along one random direction per
# parameter (a float64 copy, a small batch, GradNorm's final weights).

# %%
import copy  # noqa: E402

from lesson_checks.gradients import check_gradients  # noqa: E402  (lesson 2's check)

model64 = copy.deepcopy(model).to(dtype=minigrad.float64)
xs64, ys = X_train[:32].to(minigrad.float64), y_train[:32]
w_end = [float(w) for w in gn.weights]


def weighted_total():
    return sum(w * L for w, L in zip(w_end, task_losses(model64, xs64, ys)))


worst = check_gradients(weighted_total, list(model64.parameters()), rtol=1e-5)
print(f"sum w_i L_i: backward vs finite differences, worst relative gap {worst:.1e}")

# %%
conflicts.plot_weightings(gn_weights, dwa_weights, checks, epochs, len(loader))
plt.show()

# %% [markdown]
# ## What to remember
#
# - With several losses on shared parameters, stack the per-task gradients into $J$
#   (`multitask.jacobian`); when two rows have a negative dot product, the plain sum makes one
#   task worse.
# - MGDA, PCGrad, IMTL-G, CAGrad, UPGrad and Aligned-MTL each pick a direction with a defining
#   property (checked above on the two rows); none of them removes the choice of a trade-off,
#   and MGDA stops at the first Pareto-stationary point it meets.
# - GradNorm and DWA instead change the weights of $\sum_i w_i L_i$ from gradient norms or loss
#   rates; the gradient of the weighted sum is still the engine's, checked against finite
#   differences.
# - These methods cost $m$ backward passes per step; a tuned weighted sum is the baseline to beat.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 4.2** (assignment exercise 4.2: write `PCGrad`). Implement PCGrad for $m$ tasks on
# the Gramian alone: keep coefficients $c_i$ with $g_i^{PC} = J^\top c_i$ and use
# $g_i^{PC}\cdot g_j = (G c_i)_j$. Check it against `PCGrad(seed=0)` on a random $3\times 5$ $J$.
#
# *Hand in:* your pcgrad(J) -> combined direction.

# %%
# Exercise 4.2: your work here; then replace None by your answer.
answer = None
check("4.2", answer)

# %% [markdown]
# **Exercise 10.1.** Move the start of the toy and find a point where the two gradients do *not*
# conflict. Which methods then return the same direction as the sum (up to scale), and why?
#
# *Hand in:* (A, a, B, b, a start theta where the gradients do not conflict).

# %%
# Exercise 10.1: your work here; then replace None by your answer.
answer = None
check("10.1", answer)

# %% [markdown]
# **Exercise 10.2.** Run the trajectories with `CAGrad(c)` for $c \in \{0, 0.2, 0.5, 1, 2\}$. Show
# that $c = 0$ follows the (averaged) sum and that large $c$ behaves like MGDA.
#
# *Hand in:* (A, a, B, b, the end point of CAGrad(c=0)).

# %%
# Exercise 10.2: your work here; then replace None by your answer.
answer = None
check("10.2", answer)

# %% [markdown]
# **Exercise 10.3.** Train the two-head network with `aggregate(..., weighting=MGDA())` instead of a
# scalarizer and compare test accuracy and reconstruction error with the plain sum after the same
# number of steps. Was it worth $m$ backward passes per step?
#
# *Hand in:* (test accuracy with the sum, test accuracy with MGDA).

# %%
# Exercise 10.3: your work here; then replace None by your answer.
answer = None
check("10.3", answer)
