# Lesson 09 source (percent format). Build the notebook with: python lessons/_src/build.py 09

# %% [markdown]
# # Lesson 9 — Two objectives, four ways
#
# **Objectives.** After this lesson you can
# - compare four ways of training shared parameters on two losses: **one optimizer on the sum**;
#   **two optimizers in the same step** (each steps on its own loss's gradient, both taken at the
#   same point); **two optimizers alternating**; and **ADMM**;
# - show that with SGD the first two are *identical* and alternating ends in a small cycle near
#   the minimiser of the sum (a bias proportional to the learning rate);
# - show that with Adam the two-optimizer patterns differ from the sum: each Adam normalises its
#   own gradient, so the losses' relative weight is lost and training stops where the two
#   gradients conflict, wherever that is;
# - use ADMM to reach the joint minimiser exactly when each objective has its own solver, and
#   know when it does not: a concave piece (the PCA loss) needs $\rho > 2\lambda_{\max}(S)$.
#
# **Prerequisites.** Lesson 3 (the minimiser of a weighted sum of quadratics); Adam's update
# $m/(\sqrt v + \epsilon)$.
#
# **Estimated time.** 35 min.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import minigrad
from minigrad import optim
from minigrad.multitask import admm

minigrad.manual_seed(0)
f64 = minigrad.float64

# %% [markdown]
# ## 1. Two quadratics and the minimiser of their sum
#
# $f_1(\theta) = \tfrac12(\theta-a)^\top A(\theta-a)$ and $f_2(\theta) = \tfrac w2(\theta-b)^\top
# B(\theta-b)$, with a weight $w$ on the second. The minimiser of $f_1 + f_2$ is
# $\theta^* = (A + wB)^{-1}(Aa + wBb)$: it moves towards $b$ as $w$ grows.

# %%
a, A = np.array([2.0, 0.0]), np.array([[3.0, 0.5], [0.5, 1.0]])
b, B = np.array([0.0, 2.0]), np.array([[1.0, -0.2], [-0.2, 2.0]])
At, Bt, at, bt = (minigrad.tensor(v, dtype=f64) for v in (A, B, a, b))


def f1(theta):
    d = theta - at
    return 0.5 * (d @ At @ d)


def f2(theta, w=1.0):
    d = theta - bt
    return w * 0.5 * (d @ Bt @ d)


def theta_star(w=1.0):
    return np.linalg.solve(A + w * B, A @ a + w * B @ b)


# Every method below runs on minigrad's gradients of f1 and f2; check them against the closed
# form A (theta - a) + w B (theta - b) first (theta fans out to both losses).
theta_c = minigrad.tensor([0.3, -0.4], dtype=f64, requires_grad=True)
(g_sum,) = minigrad.grad(f1(theta_c) + f2(theta_c, 3.0), theta_c)
th = theta_c.detach().numpy()
assert np.allclose(g_sum.numpy(), A @ (th - a) + 3.0 * B @ (th - b), rtol=1e-12)


print("minimiser of f1 + f2:", theta_star(1.0).round(4), "  of f1 + 100 f2:",
      theta_star(100.0).round(4))

# %% [markdown]
# ## 2. The three optimizer patterns
#
# Each run starts at $(-1, -1)$ and records its path.
#
# - **sum**: `opt.zero_grad(); (f1 + f2).backward(); opt.step()`.
# - **same step**: both gradients at the same $\theta$, each handed to its own optimizer
#   (`opt1` steps on $\nabla f_1$, then `opt2` on $\nabla f_2$). This is what running two
#   `minimize` ops in one step does.
# - **alternating**: `opt1` steps on $f_1$; then, at the new point, `opt2` steps on $f_2$.

# %%
def run(mode, make_opt, steps=400, w=1.0, start=(-1.0, -1.0)):
    theta = minigrad.tensor(list(start), dtype=f64, requires_grad=True)
    path = [theta.detach().numpy().copy()]
    if mode == "sum":
        opt = make_opt([theta])
    else:
        opt1, opt2 = make_opt([theta]), make_opt([theta])
    for _ in range(steps):
        if mode == "sum":
            opt.zero_grad()
            (f1(theta) + f2(theta, w)).backward()
            opt.step()
        elif mode == "same step":
            (g1,) = minigrad.grad(f1(theta), theta)
            (g2,) = minigrad.grad(f2(theta, w), theta)   # both at the same theta
            theta.grad = g1
            opt1.step()
            theta.grad = g2
            opt2.step()
        else:  # alternating
            opt1.zero_grad()
            f1(theta).backward()
            opt1.step()
            opt2.zero_grad()
            f2(theta, w).backward()
            opt2.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


sgd = lambda lr: (lambda params: optim.SGD(params, lr=lr))    # noqa: E731
adam = lambda lr: (lambda params: optim.Adam(params, lr=lr))  # noqa: E731
paths = {}
for opt_name, make in (("SGD", sgd(0.1)), ("Adam", adam(0.02))):
    for mode in ("sum", "same step", "alternating"):
        paths[opt_name, mode] = run(mode, make)
        end = paths[opt_name, mode][-1]
        print(f"{opt_name:>4}, {mode:>11}: ends at {end.round(4)}, distance to theta* "
              f"{np.linalg.norm(end - theta_star()):.2e}")

# %% [markdown]
# ### With SGD
#
# Two SGD optimizers with the same learning rate stepping on their own gradients at the same point
# make the steps of one SGD on the sum, $\theta - \eta g_1 - \eta g_2$ (equal up to rounding).
# Alternating is
# block-coordinate descent: the second step sees the point the first one moved to. With a constant
# step it settles into a cycle around a point near $\theta^*$, off by an amount proportional to the
# learning rate.

# %%
assert np.allclose(paths["SGD", "sum"], paths["SGD", "same step"], rtol=0, atol=1e-12)
assert np.linalg.norm(paths["SGD", "sum"][-1] - theta_star()) < 1e-10
bias = {lr: np.linalg.norm(run("alternating", sgd(lr))[-1] - theta_star())
        for lr in (0.1, 0.05, 0.025)}
print("alternating SGD, distance to theta* by learning rate:",
      {lr: round(float(v), 5) for lr, v in bias.items()})
assert 1.8 < bias[0.1] / bias[0.05] < 2.2 and 1.8 < bias[0.05] / bias[0.025] < 2.2  # O(lr)

# %% [markdown]
# ### With Adam
#
# Adam divides each coordinate of its gradient by a running estimate of its size. With one Adam on
# the sum, that changes the path, not the destination. With one Adam *per loss*, each loss's step
# has size about `lr` in every coordinate whatever the loss's scale. Where the two gradients point
# in opposite directions, the two steps cancel, and training stops there, at a point that depends
# on the start and not on how the losses are weighted. Check: multiply $f_2$ by 100.

# %%
assert np.linalg.norm(paths["Adam", "sum"][-1] - theta_star()) < 0.02    # within a step size
for mode in ("same step", "alternating"):
    end_1 = paths["Adam", mode][-1]
    end_100 = run(mode, adam(0.02), w=100.0)[-1]
    print(f"two Adams, {mode}: w=1 -> {end_1.round(4)}, w=100 -> {end_100.round(4)}")
    assert np.linalg.norm(end_1 - theta_star(1.0)) > 0.5        # not the minimiser of the sum
    assert np.linalg.norm(end_100 - end_1) < 0.05               # and blind to the weight w
    g1 = A @ (end_1 - a)
    g2 = B @ (end_1 - b)
    assert np.all(np.sign(g1) == -np.sign(g2))                  # a point of conflict
end_sum_100 = run("sum", adam(0.02), w=100.0)[-1]
assert np.linalg.norm(end_sum_100 - theta_star(100.0)) < 0.02  # one Adam on the sum follows w

# %% [markdown]
# ## 3. ADMM: each objective with its own solver, and still the joint minimiser
#
# ADMM splits $\min f_1(x) + f_2(z)$ subject to $x = z$ into a step on each objective plus a dual
# variable $u$ that accumulates the disagreement:
#
# $$x \leftarrow \arg\min_x f_1(x) + \tfrac\rho2\|x - z + u\|^2,\quad
#   z \leftarrow \arg\min_z f_2(z) + \tfrac\rho2\|x - z + u\|^2,\quad u \leftarrow u + x - z.$$
#
# Each block only needs a solver for its own objective (here the exact prox of a quadratic; in a
# network, a few SGD steps for each block). For convex objectives it converges to the minimiser of
# the sum, without the bias of alternating. A non-convex piece is another matter: section 4.
# (Below, the ADMM iterate $z_k$ is recorded by wrapping its prox, to plot its distance to
# $\theta^*$ next to the other methods.)

# %%
def quadratic_prox(M, c, rho, w=1.0):
    """v -> argmin_x w/2 (x-c)^T M (x-c) + rho/2 |x - v|^2 = (wM + rho I)^-1 (w M c + rho v)."""
    K = np.linalg.inv(w * M + rho * np.eye(2))
    return lambda v: minigrad.tensor(K @ (w * M @ c + rho * v.detach().numpy()), dtype=f64)


rho = 1.0
admm_z = []                                   # every z the z-step returns


def recorded(prox):
    def step(v):
        z = prox(v)
        admm_z.append(z.numpy())
        return z
    return step


res = admm(f1, f2, minigrad.tensor([-1.0, -1.0], dtype=f64), rho=rho, steps=60,
           prox_f=quadratic_prox(A, a, rho), prox_g=recorded(quadratic_prox(B, b, rho)))
assert np.allclose(admm_z[-1], res.z.numpy())
print(f"ADMM after {len(res.primal_residuals)} iterations: z = {res.z.numpy().round(6)}, "
      f"theta* = {theta_star().round(6)}")
assert np.linalg.norm(res.z.numpy() - theta_star()) < 1e-8
assert res.primal_residuals[-1] < 1e-8 and res.dual_residuals[-1] < 1e-8

# ADMM with inexact blocks (a few gradient steps each, the default) gets there too.
res_inexact = admm(f1, f2, minigrad.tensor([-1.0, -1.0], dtype=f64), rho=rho, steps=60,
                   inner_steps=20, lr=0.2)
assert np.linalg.norm(res_inexact.z.numpy() - theta_star()) < 1e-4

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
ax = axes[0]
g1_, g2_ = np.meshgrid(np.linspace(-1.3, 2.6, 120), np.linspace(-1.3, 2.6, 120))
pts = np.stack([g1_.ravel(), g2_.ravel()], 1)
total = (0.5 * np.einsum("ni,ij,nj->n", pts - a, A, pts - a)
         + 0.5 * np.einsum("ni,ij,nj->n", pts - b, B, pts - b)).reshape(g1_.shape)
ax.contour(g1_, g2_, total, levels=12, colors="0.8", linewidths=0.7)
styles = {("SGD", "sum"): "C0-", ("SGD", "alternating"): "C1-", ("Adam", "sum"): "C2-",
          ("Adam", "same step"): "C3-", ("Adam", "alternating"): "C4--"}
names = {key: f"{key[0]}, {key[1]}" for key in styles}
names["SGD", "sum"] = "SGD, sum (= SGD, same step)"
for key, style in styles.items():
    ax.plot(*paths[key].T, style, lw=1.2, label=names[key])
ax.plot(*theta_star(), "k*", ms=14, label="theta*: minimiser of f1 + f2")
ax.plot(*a, "s", color="0.4", label="a, b: minimisers of f1, f2")
ax.plot(*b, "s", color="0.4")
ax.set_title("Paths of theta (contours: f1 + f2)")
ax.set_xlabel("theta[0]")
ax.set_ylabel("theta[1]")
ax.legend(fontsize=8, loc="lower right")

ax = axes[1]
for key, style in styles.items():
    ax.semilogy(np.linalg.norm(paths[key] - theta_star(), axis=1) + 1e-16, style,
                label=names[key])
ax.semilogy(np.linalg.norm(np.array(admm_z) - theta_star(), axis=1) + 1e-16, "k:",
            label="ADMM, exact blocks (z after each iteration)")
ax.set_ylim(1e-12, 10)
ax.set_title("Distance to the minimiser of the sum")
ax.set_xlabel("step (ADMM: iteration)")
ax.set_ylabel("|theta - theta*|")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 4. When a block is concave: the PCA loss needs $\rho > 2\lambda_{\max}(S)$
#
# Lesson 6's PCA loss $f_2(z) = -z^\top S z$ (one direction $z$) is *concave*: its Hessian is
# $-2S$. ADMM's $z$-step minimises $-z^\top S z + \tfrac\rho2\|z - v\|^2$, whose Hessian is
# $\rho I - 2S$. If $\rho < 2\lambda_{\max}(S)$ that objective goes to $-\infty$ along the top
# eigenvector: the step has no minimiser, and an inner solver follows it to infinity. If
# $\rho > 2\lambda_{\max}(S)$ the step is a strictly convex quadratic. Pair the PCA piece with
# a data-fit piece $f_1(x) = \tfrac\mu2\|x - c\|^2$ strong enough ($\mu > 2\lambda_{\max}$)
# that the sum has a minimiser, $x^* = (\mu I - 2S)^{-1}\mu c$, and run ADMM with inexact blocks
# (gradient steps) for $\rho$ below and above $2\lambda_{\max}$.

# %%
S2 = np.array([[1.0, 0.3], [0.3, 0.4]])
lam_max = np.linalg.eigvalsh(S2).max()
S2t, c2, mu = minigrad.tensor(S2, dtype=f64), minigrad.tensor([1.0, -0.5], dtype=f64), 4.0
f_fit = lambda x: 0.5 * mu * ((x - c2) ** 2).sum()          # noqa: E731
f_pca = lambda z: -(z @ S2t @ z)                            # noqa: E731
x_joint = np.linalg.solve(mu * np.eye(2) - 2 * S2, mu * c2.numpy())
top = np.linalg.eigh(S2)[1][:, -1]
print(f"2 lambda_max(S) = {2 * lam_max:.3f}; joint minimiser x* = {x_joint.round(4)}")
concave_runs = {}
for rho_ in (0.5 * 2 * lam_max, 2.0 * 2 * lam_max):
    # the z-step's objective along the top eigenvector, 100 units out: bounded below or not?
    far = 100.0 * top
    step_obj = -far @ S2 @ far + 0.5 * rho_ * far @ far
    with np.errstate(all="ignore"):
        r = admm(f_fit, f_pca, minigrad.tensor([0.0, 0.0], dtype=f64), rho=rho_, steps=30,
                 inner_steps=50, lr=0.1)
    z_end = r.z.numpy()
    err = np.linalg.norm(z_end - x_joint) if np.all(np.isfinite(z_end)) else np.inf
    concave_runs[rho_] = (step_obj, err)
    print(f"rho = {rho_:.3f}: z-step objective at 100 * top eigenvector = {step_obj:+.3g}; "
          f"|z - x*| after 30 ADMM iterations = {err:.3g}")
(obj_low, err_low), (obj_high, err_high) = concave_runs.values()
assert obj_low < -1e3 and err_low > 1e6          # rho < 2 lambda_max: unbounded step, diverges
assert obj_high > 0 and err_high < 1e-6          # rho > 2 lambda_max: converges to x*

# %% [markdown]
# ## What to remember
#
# - With plain SGD, "one optimizer on the sum" and "one optimizer per loss in the same step" are
#   the same thing; alternating adds a bias of order the learning rate.
# - With an optimizer that normalises (Adam, RMSprop, Adagrad...), one optimizer per loss throws
#   the losses' relative weight away: use one optimizer on the weighted sum.
# - ADMM couples blocks that each have their own solver through a dual variable and, for convex
#   pieces, reaches the joint minimiser. A concave piece such as the PCA loss $-\mathrm{tr}(W^\top
#   S W)$ makes its block's step unbounded unless $\rho > 2\lambda_{\max}(S)$ (section 4); above
#   that, and with a convex sum, it worked here.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 9.1.** Show on paper that alternating SGD with step $\eta$ on two quadratics is the
# linear map $\theta \mapsto (I - \eta wB)(I - \eta A)\theta + c$ and compute its fixed point.
# Compare it with `run("alternating", sgd(0.1))[-1]` and check that the bias is $O(\eta)$.
#
# *Hand in:* (A, a, B, b, eta, your fixed point).

# %%
# Exercise 9.1: your work here; then replace None by your answer.
answer = None
check("9.1", answer)

# %% [markdown]
# **Exercise 9.2.** Repeat section 2 with `optim.RMSprop`. Which of the three patterns reach
# $\theta^*$, and which ignore the weight $w$?
#
# *Hand in:* the set of patterns ('sum', 'same step', 'alternating') reaching theta*.

# %%
# Exercise 9.2: your work here; then replace None by your answer.
answer = None
check("9.2", answer)

# %% [markdown]
# **Exercise 9.3.** Run ADMM for $\rho \in \{0.1, 1, 10\}$ and plot the primal and dual residuals.
# Which $\rho$ converges fastest here? What does a very large $\rho$ make ADMM resemble?
#
# *Hand in:* (A, a, B, b, the fastest rho among 0.1, 1, 10).

# %%
# Exercise 9.3: your work here; then replace None by your answer.
answer = None
check("9.3", answer)
