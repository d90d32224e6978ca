# Lesson 01 source (percent format). Build the notebook with: python lessons/_src/build.py 01

# %% [markdown]
# # Lesson 1 — Tensors and a first network
#
# **Objectives.** After this lesson you can
# - predict the gradient of a **broadcast** operation: the gradient of an input that was
#   stretched along an axis is the *sum* of the output gradient along that axis;
# - derive and check the **matmul rule**: for $C = AB$ with upstream gradient $G$,
#   $\partial L/\partial A = G B^\top$ and $\partial L/\partial B = A^\top G$;
# - train a small multilayer perceptron on the digits with `nn.Module`, `optim.Adam` and
#   `DataLoader`, the same names as in PyTorch.
#
# **Prerequisites.** Lesson 0 (what `backward` computes); NumPy arrays and broadcasting.
#
# **Estimated time.** 35 min.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.testing import gradcheck

minigrad.manual_seed(0)

# %% [markdown]
# ## 1. Tensors
#
# A `minigrad.Tensor` wraps an array (`.data`, NumPy on the CPU) and, when `requires_grad=True`,
# takes part in the graph. The default floating type is float32, as in PyTorch; gradient checks
# use float64.

# %%
a = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
print(a, a.shape, a.dtype)
b = (a * 2).sum()
b.backward()
print("d sum(2a) / da =", a.grad)
assert a.dtype == minigrad.float32 and np.all(a.grad.numpy() == 2.0)

# %% [markdown]
# ## 2. Broadcasting, forwards and backwards
#
# Adding a bias `b` of shape (3,) to `x` of shape (4, 3) *stretches* `b` to (4, 3): every row gets
# the same `b`. Each copy of `b[j]` receives the gradient of its output entry, and the copies add
# up (fan-out again): **the gradient of a broadcast input is the output gradient summed over the
# axes it was stretched along** (and over leading axes it did not have).

# %%
x = minigrad.randn(4, 3, dtype=minigrad.float64, requires_grad=True)
bias = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
col = minigrad.randn(4, 1, dtype=minigrad.float64, requires_grad=True)
weights = minigrad.randn(4, 3, dtype=minigrad.float64)   # an arbitrary upstream gradient
out = (x + bias) * col
(out * weights).sum().backward()

G = weights.numpy()
col_np, x_np, b_np = col.detach().numpy(), x.detach().numpy(), bias.detach().numpy()
print("bias.grad =", bias.grad.numpy().round(4), " (shape", bias.grad.shape, ")")
print("col.grad  =", col.grad.numpy().ravel().round(4), " (shape", col.grad.shape, ")")
assert np.allclose(x.grad.numpy(), G * col_np)
assert np.allclose(bias.grad.numpy(), (G * col_np).sum(axis=0))             # summed over rows
assert np.allclose(col.grad.numpy(), (G * (x_np + b_np)).sum(axis=1, keepdims=True))  # over cols
assert gradcheck(lambda x, b, c: ((x + b) * c).sum(), [x, bias, col])

# %% [markdown]
# ## 3. The matmul rule
#
# For $C = AB$ with $A$ of shape $(n, k)$ and $B$ of shape $(k, m)$, each $C_{ij} = \sum_l A_{il}
# B_{lj}$. With upstream gradient $G = \partial L/\partial C$,
#
# $$\frac{\partial L}{\partial A_{il}} = \sum_j G_{ij} B_{lj} = (GB^\top)_{il}, \qquad
#   \frac{\partial L}{\partial B_{lj}} = \sum_i A_{il} G_{ij} = (A^\top G)_{lj}.$$
#
# A quick sanity check: the shapes only fit one way ($GB^\top$ is $(n,m)(m,k) = (n,k)$, the shape
# of $A$).

# %%
A = minigrad.randn(5, 3, dtype=minigrad.float64, requires_grad=True)
B = minigrad.randn(3, 2, dtype=minigrad.float64, requires_grad=True)
Gm = minigrad.randn(5, 2, dtype=minigrad.float64)
((A @ B) * Gm).sum().backward()
assert np.allclose(A.grad.numpy(), Gm.numpy() @ B.detach().numpy().T)
assert np.allclose(B.grad.numpy(), A.detach().numpy().T @ Gm.numpy())
assert gradcheck(lambda A, B: (A @ B).tanh().sum(), [A, B])
print("matmul rule confirmed; gradcheck passes on tanh(A @ B)")

# %% [markdown]
# ## 4. A first network on the digits
#
# 1,797 images of 8x8 pixels (values 0..16) and their labels 0..9, shipped with minigrad. A
# multilayer perceptron: `Linear(64, 64) -> ReLU -> Linear(64, 10)`, cross-entropy loss, Adam,
# mini-batches of 64. Every piece has PyTorch's name and signature.

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)
print("train", X_train.shape, "test", X_test.shape)

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = optim.Adam(model.parameters(), lr=1e-2)
loader = DataLoader((X_train, y_train), batch_size=64, shuffle=True, seed=0)


def accuracy(X, y):
    with minigrad.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


history = {"step loss": [], "train acc": [], "test acc": []}
for epoch in range(10):
    model.train()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history["step loss"].append(loss.item())
    model.eval()
    history["train acc"].append(accuracy(X_train, y_train))
    history["test acc"].append(accuracy(X_test, y_test))
    epoch_loss = np.mean(history["step loss"][-len(loader):])
    print(f"epoch {epoch}: mean loss {epoch_loss:.4f}, train acc {history['train acc'][-1]:.3f}, "
          f"test acc {history['test acc'][-1]:.3f}")
assert history["test acc"][-1] > 0.93
assert np.mean(history["step loss"][-10:]) < 0.2 * np.mean(history["step loss"][:10])

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
ax = axes[0]
ax.semilogy(history["step loss"], lw=0.8, label="cross-entropy per mini-batch")
ax.set_title("Training loss")
ax.set_xlabel("step")
ax.set_ylabel("loss (log scale)")
ax.legend()
ax = axes[1]
epochs = np.arange(1, 11)
ax.plot(epochs, history["train acc"], "o-", label="train")
ax.plot(epochs, history["test acc"], "s-", label="test")
ax.set_title("Accuracy after each epoch")
ax.set_xlabel("epoch")
ax.set_ylabel("accuracy")
ax.legend()
ax = axes[2]
W1 = model[0].weight.detach().numpy()           # (64 hidden units, 64 pixels)
tiles = np.block([[W1[4 * r + c].reshape(8, 8) for c in range(4)] for r in range(4)])
lim = np.abs(tiles).max()
im = ax.imshow(tiles, cmap="RdBu", vmin=-lim, vmax=lim)
ax.hlines([7.5, 15.5, 23.5], -0.5, 31.5, color="k", lw=1.5)   # borders between the tiles
ax.vlines([7.5, 15.5, 23.5], -0.5, 31.5, color="k", lw=1.5)
ax.set_xticks([3.5, 11.5, 19.5, 27.5], ["0", "1", "2", "3"])
ax.set_yticks([3.5, 11.5, 19.5, 27.5], ["0", "4", "8", "12"])
ax.set_title("First 16 hidden units' weights, as 8x8 images")
ax.set_xlabel("unit (column in the grid)")
ax.set_ylabel("unit (first of the row)")
fig.colorbar(im, ax=ax)
plt.show()

# %% [markdown]
# ### One run is one sample
#
# The test accuracy above comes from one split and one initialisation. How much of it is luck?
# Repeat the whole thing (split, initial weights, batch order) for 5 seeds and report the spread;
# with 450 test images, one image is 0.2 points and the binomial standard error near 97% is
# about 0.8 points.

# %%
def train_once(seed, epochs=10):
    minigrad.manual_seed(seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=True, seed=seed)
    net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    adam = optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(epochs):
        for xb, yb in DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=seed):
            adam.zero_grad()
            F.cross_entropy(net(xb), yb).backward()
            adam.step()
    with minigrad.no_grad():
        return (net(Xte).argmax(dim=1) == yte).float().mean().item()


seed_accs = np.array([train_once(s) for s in range(5)])
print(f"test accuracy over 5 seeds: {seed_accs.mean():.3f} +- {seed_accs.std(ddof=1):.3f} "
      f"(min {seed_accs.min():.3f}, max {seed_accs.max():.3f})")
assert seed_accs.min() > 0.93            # the claim holds for every seed, not only seed 0

# %% [markdown]
# ## 5. What the module did for us
#
# `nn.Linear(64, 64)` holds `weight` (64, 64) and `bias` (64,) as `Parameter`s and computes
# `x @ weight.T + bias`: a matmul and a broadcast add, exactly sections 2 and 3. Its gradients are
# therefore those rules; we can check one step by hand.

# %%
layer = model[2]
h = model[1](model[0](X_test[:32])).detach()
logits = layer(h)
loss = F.cross_entropy(logits, y_test[:32])
layer.zero_grad()
loss.backward()
probs = logits.softmax(dim=1).detach().numpy()
onehot = np.eye(10)[y_test[:32].numpy()]
G_logits = (probs - onehot) / 32                   # d mean CE / d logits
assert np.allclose(layer.weight.grad.numpy(), G_logits.T @ h.numpy(), atol=1e-6)
assert np.allclose(layer.bias.grad.numpy(), G_logits.sum(axis=0), atol=1e-6)
print("nn.Linear's gradients are the matmul rule and the broadcast rule")

# Weight decay uses the weight twice more (W * W): three paths reach W, and backward adds them,
# G^T h + 2 wd W (the fan-out rule of lesson 0).
wd = 1e-2
layer.zero_grad()
(F.cross_entropy(layer(h), y_test[:32]) + wd * (layer.weight * layer.weight).sum()).backward()
W_np = layer.weight.detach().numpy()
assert np.allclose(layer.weight.grad.numpy(), G_logits.T @ h.numpy() + 2 * wd * W_np, atol=1e-6)

# %% [markdown]
# ## What to remember
#
# - The gradient of a broadcast input is the upstream gradient **summed** over the axes it was
#   stretched along (`sum_to`), so it has the input's shape again.
# - For $C = AB$: $dA = G B^\top$ and $dB = A^\top G$; `gradcheck` confirms such rules against
#   finite differences.
# - A network is these rules composed: `nn.Linear` is a matmul plus a broadcast add, and a
#   weight used twice (weight decay) receives the sum of both paths' gradients.
# - The training loop is always the same four lines: forward, `zero_grad()`, `backward()`,
#   `step()`; the digits MLP reaches > 0.93 test accuracy in 10 epochs.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 1.4** (assignment exercise 1.4: write `MatMul.backward`). Extend the matmul rule to
# batched inputs `A` of shape (b, n, k) and `B` of shape (k, m): which axis must the gradient of
# `B` be summed over, and why is that the broadcast rule of section 2 again? Check with
# `gradcheck`.
#
# *Hand in:* a function (A, B, G) -> (dA, dB) for A (b, n, k), B (k, m).

# %%
# Exercise 1.4: your work here; then replace None by your answer.
answer = None
check("1.4", answer)

# %% [markdown]
# **Exercise 1.5** (assignment exercise 1.5: write the engine's `_sum_to`). Write
# `sum_to(g, shape)` in NumPy: sum `g` over its extra leading axes and over the axes where `shape`
# has 1, then reshape. Test it on the three inputs of section 2.
#
# *Hand in:* your sum_to(g, shape).

# %%
# Exercise 1.5: your work here; then replace None by your answer.
answer = None
check("1.5", answer)

# %% [markdown]
# **Exercise 1.6.** Train the same network with `optim.SGD(lr=0.1)` and with
# `optim.SGD(lr=0.1, momentum=0.9)`, and plot the three test-accuracy curves. How many epochs does
# each need to reach 0.93?
#
# *Hand in:* {"sgd": epochs, "momentum": epochs} to reach 0.93 (None: never in 10).

# %%
# Exercise 1.6: your work here; then replace None by your answer.
answer = None
check("1.6", answer)
