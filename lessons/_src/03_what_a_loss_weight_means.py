# Lesson 03 source (percent format). Build the notebook with: python lessons/_src/build.py 03

# %% [markdown]
# # Lesson 3 — What a loss weight means
#
# **Objectives.** After this lesson you can
# - read `alpha * L1 + (1 - alpha) * L2` and `L1 + lam * L2` as the same problem, with
#   `lam = (1 - alpha) / alpha`, and say what changes between them (the scale of the objective,
#   hence the effective learning rate);
# - compute the minimiser of a weighted sum of two quadratics in closed form and check gradient
#   descent against it;
# - draw the **Pareto front** that `alpha` traces, and see that every `alpha` picks one point of
#   it: the optimum moves as `alpha` moves;
# - treat regularisation (ridge regression) as a second loss.
#
# **Prerequisites.** Lesson 0 (`backward`, `.grad`); matrices and the gradient of a quadratic form
# $\nabla_\theta \tfrac12 (\theta-a)^\top A(\theta-a) = A(\theta-a)$ for symmetric $A$.
#
# **Estimated time.** 35 min.

# %%
# %matplotlib inline
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

import minigrad

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import fronts, slider_or_static  # noqa: E402  (figures, slider plumbing)

minigrad.manual_seed(0)
f64 = minigrad.float64

# %% [markdown]
# ## 1. Two losses that disagree
#
# Two quadratic bowls in the plane, with different centres and shapes:
#
# $$L_1(\theta) = \tfrac12(\theta-a)^\top A(\theta-a), \qquad
#   L_2(\theta) = \tfrac12(\theta-b)^\top B(\theta-b).$$
#
# $L_1$ alone is minimised at $a$, $L_2$ alone at $b$. The weighted loss
# $L_\alpha = \alpha L_1 + (1-\alpha) L_2$ has gradient
# $\alpha A(\theta-a) + (1-\alpha)B(\theta-b)$,
# which vanishes at
#
# $$\theta^*(\alpha) = \big(\alpha A + (1-\alpha)B\big)^{-1}\big(\alpha A a + (1-\alpha) B b\big).$$

# %%
a, A = np.array([2.0, 0.0]), np.array([[3.0, 0.8], [0.8, 1.0]])
b, B = np.array([0.0, 2.0]), np.array([[1.0, -0.3], [-0.3, 2.0]])
At, Bt, at, bt = (minigrad.tensor(v, dtype=f64) for v in (A, B, a, b))


def L1(theta):
    d = theta - at
    return 0.5 * (d @ At @ d)


def L2(theta):
    d = theta - bt
    return 0.5 * (d @ Bt @ d)


def theta_star(alpha):
    """Closed-form minimiser of alpha*L1 + (1-alpha)*L2."""
    return np.linalg.solve(alpha * A + (1 - alpha) * B, alpha * A @ a + (1 - alpha) * B @ b)


def gradient_descent(loss_fn, theta0, lr, steps):
    """Plain GD with minigrad gradients; returns the path of iterates (steps + 1, 2)."""
    theta = minigrad.tensor(theta0, dtype=f64, requires_grad=True)
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        theta.grad = None
        loss_fn(theta).backward()
        with minigrad.no_grad():
            theta.data -= lr * theta.grad.data     # the update, outside the graph
        path.append(theta.detach().numpy().copy())
    return np.array(path)


alphas_gd = [0.1, 0.3, 0.5, 0.7, 0.9]
found = {}
for alpha in alphas_gd:
    path = gradient_descent(lambda th: alpha * L1(th) + (1 - alpha) * L2(th),
                            theta0=[-1.0, -1.0], lr=0.3, steps=150)
    found[alpha] = path[-1]
    print(f"alpha = {alpha:.1f}: GD -> {path[-1].round(6)}, "
          f"closed form {theta_star(alpha).round(6)}")
    assert np.allclose(path[-1], theta_star(alpha), atol=1e-8)

# %% [markdown]
# ## 2. The optimum moves as `alpha` moves: the Pareto set and the Pareto front
#
# A point $\theta$ is **Pareto optimal** when no other point is at least as good on both losses and
# strictly better on one. For *strictly* convex losses, the minimisers $\theta^*(\alpha)$,
# $0\le\alpha\le1$, are exactly the Pareto-optimal points (with merely convex losses a
# minimiser at $\alpha = 0$ or $1$ can be only weakly Pareto optimal, and some Pareto points may
# need $\alpha$ at an end of the range): the curve from $b$ ($\alpha=0$) to $a$ ($\alpha=1$) in
# parameter space is the **Pareto set**, and its image $(L_1, L_2)$ is the **Pareto front**.
#
# Choosing `alpha` does not "balance" anything by itself: it picks one point on that front.

# %%
alpha_grid = np.linspace(0.0, 1.0, 201)
pareto_set = np.array([theta_star(al) for al in alpha_grid])


def losses_np(thetas):
    d1, d2 = thetas - a, thetas - b
    return (0.5 * np.einsum("ni,ij,nj->n", d1, A, d1), 0.5 * np.einsum("ni,ij,nj->n", d2, B, d2))


front1, front2 = losses_np(pareto_set)
assert np.allclose(pareto_set[0], b) and np.allclose(pareto_set[-1], a)
assert np.all(np.diff(front1) <= 1e-12) and np.all(np.diff(front2) >= -1e-12)  # a trade-off

# No random point beats a front point on both losses at once.
rng = np.random.default_rng(0)
cloud = rng.uniform(-1.5, 3.0, size=(4000, 2))
c1, c2 = losses_np(cloud)
dominated_front = ((c1[:, None] <= front1[None]) & (c2[:, None] <= front2[None])
                   & ((c1[:, None] < front1[None]) | (c2[:, None] < front2[None])))
assert not dominated_front.any()

grid = fronts.loss_grid(losses_np)                       # L1, L2 on a 120 x 120 grid
marked = {al: tuple(float(v[0]) for v in losses_np(theta_star(al)[None]))
          for al in (0.1, 0.3, 0.5, 0.7, 0.9)}
fronts.plot_quadratic_front(grid, pareto_set, (front1, front2), found, a, b, (c1, c2), marked)
plt.show()

# %% [markdown]
# The slope of the front at the point chosen by `alpha` is $-\alpha/(1-\alpha)$: at the optimum,
# $\alpha\,dL_1 + (1-\alpha)\,dL_2 = 0$ along the front. So `alpha` is an exchange rate, "how much
# $L_2$ you are willing to pay for one unit of $L_1$". Check it numerically:

# %%
for al in (0.2, 0.5, 0.8):
    i = int(round(al * 200))
    slope = (front2[i + 1] - front2[i - 1]) / (front1[i + 1] - front1[i - 1])
    print(f"alpha={al}: slope {slope:+.4f}, -alpha/(1-alpha) = {-al / (1 - al):+.4f}")
    assert abs(slope + al / (1 - al)) < 1e-3 * (1 + al / (1 - al))

# %% [markdown]
# ### Move alpha yourself
#
# The slider sets `alpha`; the figure shows where the optimum $\theta^*(\alpha)$ sits in
# parameter space and which point of the front it picks, with both losses' values there. (Without
# ipywidgets the cell draws three values of alpha instead.)

# %%
live = {}                               # what the figure shows now


def alpha_figure(alpha):
    th = theta_star(alpha)
    l1, l2 = (float(v[0]) for v in losses_np(th[None]))
    live.update(alpha=alpha, theta=th, L1=l1, L2=l2)
    return fronts.alpha_point_figure(alpha, th, l1, l2, grid, pareto_set, (front1, front2))


slider = slider_or_static(alpha_figure, value=0.5, min=0.0, max=1.0, step=0.01,
                          description="alpha", static=(0.2, 0.5, 0.8), kind="float")

# %%
# Setting the slider (as dragging it would) moves the optimum and both losses.
if slider is not None:
    before = dict(live)
    slider.value = 0.9
    assert live["alpha"] == 0.9 and np.allclose(live["theta"], theta_star(0.9))
    assert live["L1"] < before["L1"] and live["L2"] > before["L2"]  # more weight on L1
else:
    assert live["alpha"] == 0.8

# %% [markdown]
# ## 3. `alpha` versus `lambda`: the same minimiser, a different scale
#
# Regularised training writes $L_1 + \lambda L_2$; multi-task code writes
# $\alpha L_1 + (1-\alpha) L_2$. Dividing the second by $\alpha$ gives the first with
#
# $$\lambda = \frac{1-\alpha}{\alpha}, \qquad \alpha = \frac{1}{1+\lambda}.$$
#
# This is the convention of every lesson that follows: $\alpha$ is the convex weight on the loss
# named first, and wherever a loss is added with a free weight, that weight is called $\lambda$.
#
# Same minimiser. But the $\alpha$ form is the $\lambda$ form **times $\alpha$**, so its gradient is
# $\alpha$ times smaller: gradient descent on the $\alpha$ form with learning rate $\eta/\alpha$
# makes *exactly* the same steps as on the $\lambda$ form with $\eta$. Changing `alpha` also
# changes your effective learning rate. (The special case $\alpha=\tfrac12$: GD on $L_1 + L_2$
# with $\eta$ equals GD on the average $\tfrac12(L_1+L_2)$ with $2\eta$.)

# %%
alpha = 0.2
lam = (1 - alpha) / alpha
theta = minigrad.tensor([0.3, -0.7], dtype=f64, requires_grad=True)
(g_alpha,) = minigrad.grad(alpha * L1(theta) + (1 - alpha) * L2(theta), theta)
(g_lam,) = minigrad.grad(L1(theta) + lam * L2(theta), theta)
print("grad of the alpha form:", g_alpha.numpy(), " grad of the lambda form:", g_lam.numpy())
assert np.allclose(g_alpha.numpy(), alpha * g_lam.numpy(), rtol=1e-12)

eta = 0.05
path_lam = gradient_descent(lambda th: L1(th) + lam * L2(th), [-1.0, -1.0], eta, 40)
path_alpha = gradient_descent(lambda th: alpha * L1(th) + (1 - alpha) * L2(th), [-1.0, -1.0],
                              eta / alpha, 40)
path_same_lr = gradient_descent(lambda th: alpha * L1(th) + (1 - alpha) * L2(th), [-1.0, -1.0],
                                eta, 40)
assert np.allclose(path_lam, path_alpha, atol=1e-12)        # identical iterates
assert np.linalg.norm(path_same_lr[-1] - theta_star(alpha)) > 5 * np.linalg.norm(
    path_lam[-1] - theta_star(alpha))                        # same lr: alpha times slower

path_sum = gradient_descent(lambda th: L1(th) + L2(th), [-1.0, -1.0], 0.1, 30)
path_avg = gradient_descent(lambda th: 0.5 * L1(th) + 0.5 * L2(th), [-1.0, -1.0], 0.2, 30)
assert np.allclose(path_sum, path_avg, atol=1e-12)          # sum with eta == average with 2 eta

fronts.plot_alpha_vs_lambda(alpha, lam, eta, (path_lam, path_alpha, path_same_lr),
                            theta_star(alpha))
plt.show()

# %% [markdown]
# ## 4. Regularisation is a second loss: ridge regression
#
# Least squares with a weight penalty, $\mathrm{MSE}(w) + \lambda\|w\|^2$, is the two-loss problem
# $\alpha\,\mathrm{MSE} + (1-\alpha)\|w\|^2$. Its closed form,
# $w^* = (X^\top X/n + \lambda I)^{-1} X^\top y / n$, traces a front between "fit the data" and
# "keep the weights small". (Synthetic data here, so the closed form is exact.)

# %%
n, d = 60, 5
X_np = rng.normal(size=(n, d))
w_true = np.array([2.0, -1.0, 0.5, 0.0, 1.5])
y_np = X_np @ w_true + 0.5 * rng.normal(size=n)
X, y = minigrad.tensor(X_np, dtype=f64), minigrad.tensor(y_np, dtype=f64)


def mse(w):
    r = X @ w - y
    return (r * r).mean()


def sq_norm(w):
    return (w * w).sum()


def ridge(lam):
    return np.linalg.solve(X_np.T @ X_np / n + lam * np.eye(d), X_np.T @ y_np / n)


alpha = 0.25
w = gradient_descent(lambda w: alpha * mse(w) + (1 - alpha) * sq_norm(w), np.zeros(d), 0.4, 60)[-1]
print("GD on alpha form:", w.round(5))
print("ridge, lambda=(1-alpha)/alpha:", ridge((1 - alpha) / alpha).round(5))
assert np.allclose(w, ridge((1 - alpha) / alpha), atol=1e-9)

lams = np.logspace(-3, 2, 60)
W = np.array([ridge(lm) for lm in lams])
fit = np.mean((X_np @ W.T - y_np[:, None]) ** 2, axis=0)
size = np.sum(W**2, axis=1)
assert np.all(np.diff(fit) > 0) and np.all(np.diff(size) < 0)  # more lambda: worse fit, smaller w

marked = {lm: (np.mean((X_np @ ridge(lm) - y_np) ** 2), np.sum(ridge(lm) ** 2))
          for lm in (0.01, 0.1, 1.0, 10.0)}
fronts.plot_ridge(fit, size, marked, lams, W, w_true)
plt.show()

# %% [markdown]
# ## 5. Judge regularisation on held-out data, not on the training data
#
# On the training data, more $\lambda$ always fits *worse* (the assert above): the training loss
# can only say "no regularisation". Whether the second loss helps is a question about data the
# model has not seen. With few samples and many weights ($n = 25$, $d = 20$, noisy targets), the
# unregularised fit ($\alpha = 1$) follows the noise; on 2000 fresh points from the same
# distribution a moderate $\lambda$ predicts clearly better, and a large one underfits.

# %%
n_small, d_big = 25, 20
w_big = rng.normal(size=d_big)
X_small, X_fresh = rng.normal(size=(n_small, d_big)), rng.normal(size=(2000, d_big))
y_small = X_small @ w_big + 2.0 * rng.normal(size=n_small)
y_fresh = X_fresh @ w_big + 2.0 * rng.normal(size=2000)
lam_grid = np.logspace(-4, 2, 40)
w_fits = [np.linalg.solve(X_small.T @ X_small / n_small + lm * np.eye(d_big),
                          X_small.T @ y_small / n_small) for lm in lam_grid]
train_mse = np.array([np.mean((X_small @ w_ - y_small) ** 2) for w_ in w_fits])
fresh_mse = np.array([np.mean((X_fresh @ w_ - y_fresh) ** 2) for w_ in w_fits])
best_lam = lam_grid[fresh_mse.argmin()]
print(f"held-out MSE: lambda -> 0: {fresh_mse[0]:.2f}, best lambda {best_lam:.3g} "
      f"(alpha = {1 / (1 + best_lam):.3f}): {fresh_mse.min():.2f}, "
      f"lambda = 100: {fresh_mse[-1]:.2f}")
assert np.all(np.diff(train_mse) > 0)                  # training data: always "less lambda"
assert fresh_mse.min() < 0.8 * fresh_mse[0]           # held-out data: a moderate lambda helps
assert fresh_mse.min() < 0.8 * fresh_mse[-1]          # ... and too much hurts
assert 0 < fresh_mse.argmin() < len(lam_grid) - 1

fronts.plot_held_out(lam_grid, train_mse, fresh_mse, best_lam, n_small, len(y_fresh))
plt.show()

# %% [markdown]
# The same two-loss reading holds for a classifier: weight decay on a softmax regression is
# $\alpha\,\mathrm{CE} + (1-\alpha)\|W\|^2$, and its gradient in $W$ is
# $\alpha X^\top (P - Y)/N + 2(1-\alpha) W$ ($P$ the softmax probabilities, $Y$ one-hot labels).
# minigrad's backward must give exactly that (here on 50 digits):

# %%
import minigrad.nn.functional as F  # noqa: E402
from minigrad.data import load_digits  # noqa: E402

Xd, yd = load_digits(dtype=f64)
Xd, yd = Xd[:50] / 16.0, yd[:50]
Wc = minigrad.tensor(0.1 * rng.normal(size=(64, 10)), dtype=f64, requires_grad=True)
bc = minigrad.tensor(np.zeros(10), dtype=f64, requires_grad=True)
alpha = 0.9
two_loss = alpha * F.cross_entropy(Xd @ Wc + bc, yd) + (1 - alpha) * (Wc * Wc).sum()
gW, gb = minigrad.grad(two_loss, [Wc, bc])
Z = Xd.numpy() @ Wc.detach().numpy()
P = np.exp(Z - Z.max(axis=1, keepdims=True))
P /= P.sum(axis=1, keepdims=True)
R = (P - np.eye(10)[yd.numpy()]) / 50
assert np.allclose(gW.numpy(), alpha * Xd.numpy().T @ R + 2 * (1 - alpha) * Wc.detach().numpy(),
                   rtol=1e-10, atol=1e-14)
assert np.allclose(gb.numpy(), alpha * R.sum(axis=0), rtol=1e-10, atol=1e-14)
print("alpha * CE + (1 - alpha) * |W|^2: backward = the closed form")

# %% [markdown]
# ## What to remember
#
# - `alpha` and `lambda` describe the same family of minimisers; `alpha` also rescales the
#   objective, so tune the learning rate together with it (or use the `lambda` form).
# - Each weight picks one Pareto-optimal point; no weight is "the right one" without a criterion
#   that does not depend on the weight itself (lesson 4: cross-validation on a held-out metric).
# - Weights reach only the *convex* part of a front: a point in a dent of a non-convex front is
#   never a minimiser of a weighted sum (exercise 3.7).
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 3.4** (assignment exercise 3.4 asks you to write `SGD.step`). SGD's
# `weight_decay=wd` adds `wd * w` to the gradient. Show, with `minigrad.optim.SGD` on the ridge
# data, that `weight_decay=wd` on the MSE alone gives the same iterates as plain SGD on
# `MSE + lam * ||w||^2` for `lam = wd / 2`, and that both converge to `ridge(wd / 2)`.
#
# *Hand in:* (X_np, y_np, wd, w) with w the weights after SGD with weight_decay=wd.

# %%
# Exercise 3.4: your work here; then replace None by your answer.
answer = None
check("3.4", answer)

# %% [markdown]
# **Exercise 3.5** (assignment exercise 3.5 asks you to write `Adam.step`). Repeat the "same
# minimiser, different scale" experiment of section 3 with `minigrad.optim.Adam` and the *same*
# learning rate for the `alpha` and the `lambda` form. Are the iterates still different? Explain
# with Adam's update $m/(\sqrt v + \epsilon)$ what happens when the whole loss is multiplied by
# `alpha`.
#
# *Hand in:* True or False: are the Adam iterates of the two forms different?.

# %%
# Exercise 3.5: your work here; then replace None by your answer.
answer = None
check("3.5", answer)

# %% [markdown]
# **Exercise 3.6.** Differentiate the optimality condition
# $\alpha A(\theta-a) + (1-\alpha)B(\theta-b) = 0$ with respect to $\alpha$ to get
# $d\theta^*/d\alpha$ in closed form. Check it against a finite difference of `theta_star` and
# against the direction of the Pareto set in the left plot.
#
# *Hand in:* (A, a, B, b, dtheta) with dtheta(alpha) your closed form.

# %%
# Exercise 3.6: your work here; then replace None by your answer.
answer = None
check("3.6", answer)

# %% [markdown]
# **Exercise 3.7.** Take $\theta \in \mathbb R$, $L_1 = 1 - e^{-(\theta-1)^2}$ and
# $L_2 = 1 - e^{-(\theta+1)^2}$. Plot the front $(L_1(\theta), L_2(\theta))$ for
# $\theta\in[-1, 1]$ and find, for a grid of `alpha`, the global minimiser of the weighted sum.
# Which front points are never chosen? Why?
#
# *Hand in:* the global minimisers for alpha in np.linspace(0, 1, 101).

# %%
# Exercise 3.7: your work here; then replace None by your answer.
answer = None
check("3.7", answer)
