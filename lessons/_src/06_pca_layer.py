# Lesson 06 source (percent format). Build the notebook with: python lessons/_src/build.py 06

# %% [markdown]
# # Lesson 6 — A loss on the weights: the PCA layer
#
# **Objectives.** After this lesson you can
# - show that the PCA-style loss $L(W) = -\mathrm{tr}(W^\top S W)$ on a reduction matrix $W$ has no
#   minimum: gradient descent multiplies $W$ by $(I + 2\eta S)$ every step, so $\|W\|$ explodes and
#   all columns collapse onto the top eigenvector;
# - bound it four ways and say what each one finds: column **normalisation** inside the loss,
#   **QR retraction** after each step, a **penalty** $\rho\|W^\top W - I\|_F^2$ (which biases the
#   singular values to $\sqrt{1 + \lambda_i/2\rho}$), and **Oja's rule**;
# - check that Oja's update is not the gradient of any loss (its Jacobian is not symmetric), which
#   is why using it inside a model needs a custom backward (lesson 8).
#
# **Prerequisites.** Lesson 3 (gradient descent on a quadratic); eigenvectors of a covariance
# matrix (PCA).
#
# **Estimated time.** 40 min.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad.data import load_digits
from minigrad.ops.pca import oja_direction

minigrad.manual_seed(0)
f64 = minigrad.float64

# %% [markdown]
# ## 1. The data and the answer we want
#
# The digits' 64 pixels (scaled to [0, 1]) and their covariance $S$. PCA's answer for $k = 3$
# directions: the top three eigenvectors of $S$, which keep the largest share of the variance. We
# measure any $W$ (64 x 3, columns are directions) by the **explained variance** of its column
# space, $\mathrm{tr}(P_W S)/\mathrm{tr}(S)$ with $P_W$ the orthogonal projector onto the columns:
# it does not depend on the columns' lengths or on a rotation within the subspace.

# %%
X, _ = load_digits()
Xn = X.numpy().astype(np.float64) / 16.0
Xc = Xn - Xn.mean(axis=0)
S_np = Xc.T @ Xc / len(Xc)
S = minigrad.tensor(S_np, dtype=f64)
eigval, eigvec = np.linalg.eigh(S_np)
eigval, eigvec = eigval[::-1], eigvec[:, ::-1]
k = 3


def explained_variance(W):
    U, sv, _ = np.linalg.svd(W, full_matrices=False)
    U = U[:, sv > 1e-8 * sv[0]]                 # an orthonormal basis of the column space
    return np.trace(U.T @ S_np @ U) / np.trace(S_np)


best = eigval[:k].sum() / eigval.sum()
print("top eigenvalues:", eigval[:5].round(4))
print(f"PCA keeps {best:.3f} of the variance with k = {k}")
rng = np.random.default_rng(0)
W0 = np.linalg.qr(rng.normal(size=(64, k)))[0]        # the same start for every method
assert abs(explained_variance(eigvec[:, :k]) - best) < 1e-12

# %% [markdown]
# ## 2. Without a constraint the loss is unbounded
#
# `F.pca_loss(W, S)` is $-\mathrm{tr}(W^\top S W)$, with gradient $-2SW$ (for symmetric $S$). A
# gradient step is $W \leftarrow W + 2\eta SW = (I + 2\eta S)W$: power iteration. Scaling $W$ up
# always lowers the loss, so it has no minimum; and every column is pulled towards the top
# eigenvector, so the three directions become one.

# %%
def run(step_fn, steps, W_init=W0):
    """Apply step_fn(W: Tensor) -> new numpy W repeatedly; record what we plot."""
    W = W_init.copy()
    hist = {"ev": [], "norm": [], "sv": [], "cos": [], "trace": []}
    for _ in range(steps + 1):
        U = W / np.linalg.norm(W, axis=0)
        hist["ev"].append(explained_variance(W))
        hist["norm"].append(np.linalg.norm(W))
        hist["sv"].append(np.linalg.svd(W, compute_uv=False))
        hist["cos"].append(np.abs(U.T @ U)[np.triu_indices(k, 1)].max())
        hist["trace"].append(np.trace(W.T @ S_np @ W))
        if len(hist["ev"]) <= steps:
            W = step_fn(minigrad.tensor(W, dtype=f64, requires_grad=True))
    return W, {key: np.array(v) for key, v in hist.items()}


def gradient_step(loss_fn, lr):
    def step(W):
        (g,) = minigrad.grad(loss_fn(W), W)
        return (W - lr * g).detach().numpy()
    return step


eta = 0.5
W_free, free = run(gradient_step(lambda W: F.pca_loss(W, S), eta), steps=150)
closed_form = np.linalg.matrix_power(np.eye(64) + 2 * eta * S_np, 150) @ W0
print(f"|W| after 150 steps: {free['norm'][-1]:.3e}; largest |cos| between columns: "
      f"{free['cos'][-1]:.6f}")
assert np.linalg.norm(W_free - closed_form) < 1e-10 * np.linalg.norm(closed_form)  # exactly
assert free["norm"][-1] > 1e10 * free["norm"][0]               # no minimum: |W| explodes
assert free["cos"][-1] > 0.999                                # the columns collapse

# %% [markdown]
# ## 3. Four ways to bound it
#
# 1. **Normalise inside the loss**: $L = -\sum_j \frac{w_j^\top S w_j}{w_j^\top w_j}$. Each term is
#    a Rayleigh quotient, bounded by $\lambda_1$, and blind to the column's length. But nothing
#    keeps
#    the columns apart: each one still climbs towards the top eigenvector.
# 2. **QR retraction**: an ordinary gradient step, then replace $W$ by the $Q$ of its QR
#    decomposition (orthonormal columns spanning the same space). This is projected gradient
#    descent on the Stiefel manifold $\{W: W^\top W = I\}$.
# 3. **Penalty**: $L = -\mathrm{tr}(W^\top S W) + \rho\|W^\top W - I\|_F^2$. Smooth and
#    unconstrained,
#    but biased: at a stationary point with $W = V\,\mathrm{diag}(\sigma)$ (eigenvectors $V$),
#    $-2\lambda_i\sigma_i + 4\rho\sigma_i(\sigma_i^2 - 1) = 0$, so
#    $\sigma_i = \sqrt{1 + \lambda_i/2\rho}$,
#    not 1.
# 4. **Oja's subspace rule** (Oja, 1989): $W \leftarrow W + \eta\,(I - WW^\top)SW$. The gradient
#    direction with the part that grows $W$ inside its own span removed; $W^\top W \to I$ on its
#    own.

# %%
def rayleigh_loss(W):
    return -((W * (S @ W)).sum(dim=0) / (W * W).sum(dim=0)).sum()


def qr_step(W):
    (g,) = minigrad.grad(F.pca_loss(W, S), W)
    Q, R = np.linalg.qr((W - 0.5 * g).detach().numpy())
    return Q * np.sign(np.diag(R))              # fix the signs so that columns do not flip


rho = 1.0
eye = minigrad.eye(k, dtype=f64)


def penalty_loss(W):
    D = W.T @ W - eye
    return F.pca_loss(W, S) + rho * (D * D).sum()


def oja_step(W):
    return (W - 1.0 * oja_direction(W, S)).detach().numpy()   # oja_direction = -(I - WW^T)SW


steps = 200
W_norm, normed = run(gradient_step(rayleigh_loss, 2.0), steps)
W_qr, qr = run(qr_step, steps)
W_pen, pen = run(gradient_step(penalty_loss, 0.1), steps)
W_oja, oja = run(oja_step, steps)
for name, h in (("normalised", normed), ("QR retraction", qr), ("penalty", pen), ("Oja", oja)):
    print(f"{name:>14}: explained variance {h['ev'][-1]:.4f} (PCA {best:.4f}), singular values "
          f"{h['sv'][-1].round(4)}")

# Normalised columns still collapse: every column's Rayleigh quotient climbs to lambda_1, so the
# loss reaches -k lambda_1 (the top direction counted k times), not the PCA value -sum(lambda_i).
ray_end = rayleigh_loss(minigrad.tensor(W_norm, dtype=f64)).item()
print(f"normalised columns: loss {ray_end:.6f}, -k lambda_1 = {-k * eigval[0]:.6f}, "
      f"-sum of the top k = {-eigval[:k].sum():.6f}")
assert abs(ray_end + k * eigval[0]) < 1e-6 * k * eigval[0]
sv_norm = normed["sv"][-1]
assert normed["cos"][-1] > 0.999 and sv_norm[-1] < 1e-6 * sv_norm[0]  # numerically rank 1
assert abs(qr["ev"][-1] - best) < 1e-6 and np.allclose(qr["sv"][-1], 1.0)
assert abs(oja["ev"][-1] - best) < 1e-6 and np.allclose(W_oja.T @ W_oja, np.eye(k), atol=1e-6)
assert abs(pen["ev"][-1] - best) < 1e-6
bias = np.sqrt(1 + eigval[:k] / (2 * rho))
print("penalty's singular values:", pen["sv"][-1].round(6), " predicted:", bias.round(6))
assert np.allclose(pen["sv"][-1], bias, atol=1e-6)

# %% [markdown]
# ### Where Oja's rule comes from: the gradient on the constraint $W^\top W = I$
#
# Maximise $\mathrm{tr}(W^\top S W)$ *subject to* $W^\top W = I$. The Lagrangian
# $\mathcal L(W, \Lambda) = -\mathrm{tr}(W^\top S W) + \mathrm{tr}\big(\Lambda (W^\top W - I)\big)$
# has $\nabla_W \mathcal L = -2SW + 2W\Lambda$ (for symmetric $\Lambda$). The multiplier that fits
# best (least squares in $-2SW + 2W\Lambda \approx 0$) is $\Lambda = (W^\top W)^{-1} W^\top S W$,
# which on the constraint is $W^\top S W$, and then
# $$\nabla_W \mathcal L = -2SW + 2WW^\top S W = -2\,(I - WW^\top)\,SW = 2 \times
# \text{Oja's direction}.$$
# Equivalently: the plain gradient $G = -2SW$ projected onto the tangent space of the constraint,
# $G - W\,\mathrm{sym}(W^\top G)$. So *at* $W^\top W = I$, Oja's rule is gradient descent on the
# constrained problem; off the constraint it is not the gradient of anything (section 4). Checked
# with minigrad (the Lagrangian's gradient, $\Lambda$ held fixed) and with the projection in NumPy:

# %%
S_np = S.numpy()
W_on = np.linalg.qr(rng.normal(size=(64, k)))[0]              # a point with W^T W = I


def lagrangian_grad(W_np):
    W = minigrad.tensor(W_np, dtype=f64, requires_grad=True)
    Lam = np.linalg.solve(W_np.T @ W_np, W_np.T @ S_np @ W_np)  # best multiplier, held fixed
    Lam = minigrad.tensor(Lam, dtype=f64)
    lagr = F.pca_loss(W, S) + (Lam * (W.T @ W - eye)).sum()
    return minigrad.grad(lagr, W)[0].numpy()


def projected_grad(W_np):
    G = -2 * S_np @ W_np
    WtG = W_np.T @ G
    return G - W_np @ (WtG + WtG.T) / 2


oja_on = oja_direction(minigrad.tensor(W_on, dtype=f64), S).numpy()
gap = np.abs(lagrangian_grad(W_on) - 2 * oja_on).max()
print(f"at W^T W = I: max |grad L - 2 * Oja| = {gap:.1e}, "
      f"max |projected gradient - 2 * Oja| = {np.abs(projected_grad(W_on) - 2 * oja_on).max():.1e}")
assert gap < 1e-12 and np.allclose(projected_grad(W_on), 2 * oja_on, atol=1e-12)
W_off = 1.5 * W_on                                    # off the constraint (W^T W = 2.25 I): differ
oja_off = oja_direction(minigrad.tensor(W_off, dtype=f64), S).numpy()
assert np.abs(lagrangian_grad(W_off) - 2 * oja_off).max() > 1e-3

# %%
fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
ax = axes[0, 0]
ax.semilogy(free["norm"], "C3", label="no constraint: |W|_F")
ax.semilogy(free["trace"], "C0--", label="no constraint: -loss = tr(W^T S W)")
ax.semilogy((1 + 2 * eta * eigval[0]) ** np.arange(151), "k:",
            label="(1 + 2 eta lambda_1)^t, the power-iteration rate")
ax.set_title("Unbounded: gradient descent is power iteration")
ax.set_xlabel("step")
ax.set_ylabel("value (log scale)")
ax.legend(fontsize=8)

ax = axes[0, 1]
for name, h, style in (("QR retraction", qr, "C2"), ("penalty rho=1", pen, "C4--"),
                       ("Oja's rule", oja, "C0:")):
    ax.plot(h["ev"], style, label=name)
ax.axhline(best, color="k", lw=0.8, label="PCA (top 3 eigenvectors)")
ax.set_title("Explained variance of span(W)")
ax.set_xlabel("step")
ax.set_ylabel("tr(P_W S) / tr(S)")
ax.legend(fontsize=8)

ax = axes[1, 0]
for name, h, style in (("no constraint", free, "C3"), ("normalised columns", normed, "C1"),
                       ("QR retraction", qr, "C2"), ("penalty rho=1", pen, "C4--"),
                       ("Oja's rule", oja, "C0:")):
    ax.plot(h["cos"], style, label=name)
ax.set_title("Do the columns stay apart? Largest |cos| between two columns")
ax.set_xlabel("step")
ax.set_ylabel("max |cos(w_i, w_j)|")
ax.legend(fontsize=8)

ax = axes[1, 1]
for i in range(k):
    ax.plot(pen["sv"][:, i], "C4", alpha=0.4 + 0.2 * i, label=f"penalty: singular value {i + 1}")
    ax.axhline(bias[i], color="C4", ls=":", lw=0.8)
ax.plot(oja["sv"][:, 0], "C0", label="Oja: largest singular value (all go to 1)")
ax.set_title("Penalty bias: sigma_i -> sqrt(1 + lambda_i / 2 rho) (dotted)")
ax.set_xlabel("step")
ax.set_ylabel("singular value of W")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The normalised loss is bounded, but its columns drift towards each other until all three point
# along the top eigenvector (bottom left): each column maximises its own Rayleigh quotient without
# looking at the others. In exact arithmetic they would span the right subspace forever; in
# floating point, $W$ soon has numerical rank 1 and the other two directions are lost. The same
# happens without a constraint. (The explained-variance panel leaves the normalised method out for
# that reason: the span of three nearly parallel vectors is a rounding-error question.)
#
# QR, penalty and Oja all find the PCA subspace; only the penalty leaves the columns longer than
# 1, by exactly the predicted amount. (Pick a larger $\rho$ to shrink the bias, and a smaller
# learning rate to keep the stiffer penalty stable.)
#
# ## 4. Oja's update is not a gradient
#
# A vector field $G(W)$ is the gradient of some scalar loss only if its Jacobian $\partial G /
# \partial W$ is symmetric (it would be the loss's Hessian). We compute both Jacobians with
# minigrad, one `grad` per output entry, on a small problem: the PCA gradient $-2SW$ has a symmetric
# Jacobian; Oja's direction $-(I - WW^\top)SW$ does not. So no loss has Oja's rule as its gradient,
# and "use Oja's update for this layer inside my model" needs a custom backward rule, the subject
# of lesson 8.

# %%
d_small, k_small = 5, 2
A = rng.normal(size=(d_small, d_small))
S_small = minigrad.tensor(A @ A.T / d_small, dtype=f64)
W_small = rng.normal(size=(d_small, k_small)) * 0.7


def jacobian(field):
    W = minigrad.tensor(W_small, dtype=f64, requires_grad=True)
    out = field(W).reshape((-1,))
    rows = [minigrad.grad(out[i], W, retain_graph=True)[0].numpy().ravel()
            for i in range(out.shape[0])]
    return np.array(rows)


J_pca = jacobian(lambda W: minigrad.grad(F.pca_loss(W, S_small), W, create_graph=True)[0])
J_oja = jacobian(lambda W: oja_direction(W, S_small))
asym = {name: np.linalg.norm(J - J.T) / np.linalg.norm(J)
        for name, J in (("PCA gradient", J_pca), ("Oja direction", J_oja))}
print({name: f"{v:.2e}" for name, v in asym.items()})
assert asym["PCA gradient"] < 1e-12
assert asym["Oja direction"] > 0.1

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for ax, (name, J) in zip(axes, (("Jacobian of the PCA gradient (a Hessian)", J_pca),
                                ("Jacobian of Oja's direction", J_oja))):
    im = ax.imshow(J - J.T, cmap="RdBu", vmin=-np.abs(J_oja).max(), vmax=np.abs(J_oja).max())
    ax.set_title(f"J - J^T: {name}", fontsize=10)
    ax.set_xlabel("entry of W (input)")
    ax.set_ylabel("entry of the field (output)")
    fig.colorbar(im, ax=ax)

# %% [markdown]
# ## What to remember
#
# - A loss that rewards large weights has no minimum: bound it, or training diverges (here, power
#   iteration) and the directions collapse.
# - Normalising each column bounds the loss but does not keep the columns apart; retraction and
#   Oja's rule keep $W$ orthonormal; a penalty is simplest but biases the scale of $W$.
# - Oja's rule is an update direction, not a gradient. Lesson 8 plugs it into an end-to-end model.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 6.1.** Implement Sanger's generalized Hebbian algorithm,
# $W \leftarrow W + \eta\,(SW - W\,\mathrm{triu}(W^\top S W))$ (column convention). Show that,
# unlike Oja's subspace rule, its columns converge to the individual eigenvectors in order
# (compare with `eigvec[:, :3]` up to sign).
#
# *Hand in:* (S, W): the covariance and your GHA result with 3 columns.

# %%
# Exercise 6.1: your work here; then replace None by your answer.
answer = None
check("6.1", answer)

# %% [markdown]
# **Exercise 6.2.** Run the penalty method for $\rho \in \{0.1, 1, 10\}$. Plot the largest stable
# learning rate and the bias $\sigma_1 - 1$ against $\rho$. What trade-off do you see?
#
# *Hand in:* (S, {rho: (largest stable lr, sigma_1 - 1)}).

# %%
# Exercise 6.2: your work here; then replace None by your answer.
answer = None
check("6.2", answer)

# %% [markdown]
# **Exercise 6.3.** Replace the per-column normalisation by the subspace-invariant loss
# $-\mathrm{tr}\big((W^\top W)^{-1} W^\top S W\big)$ (write the $3\times3$ inverse with minigrad
# ops,
# or use `custom_gradient`). Does it still collapse the columns? What is its maximum?
#
# *Hand in:* (S, k, the maximum you found, True/False: do the columns collapse?).

# %%
# Exercise 6.3: your work here; then replace None by your answer.
answer = None
check("6.3", answer)
